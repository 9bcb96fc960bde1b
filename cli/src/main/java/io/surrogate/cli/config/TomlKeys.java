package io.surrogate.cli.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Where each key of a TOML document stands. Jackson parses the document but keeps no positions,
 * so this small scanner walks the same text for them: every {@code key = value} statement and
 * every {@code [table]} header, with the offsets of the statement and the line and column of
 * the key and of the value. It trusts Jackson for validity: on text that is not TOML it stops
 * early or skips ahead, and never throws.
 */
final class TomlKeys {
    /**
     * One statement. {@code path} is the key as written, dotted parts joined with {@code .} and
     * quotes removed, prefixed with the enclosing table's name; {@code table} is true for a
     * {@code [table]} header. {@code start} and {@code end} delimit the statement in the text.
     */
    record Key(String path, boolean table, boolean dotted, int start, int end, int line, int column, int valueLine, int valueColumn) {}

    private final String text;
    private final int[] lineStarts;
    private final List<Key> keys = new ArrayList<>();

    private TomlKeys(String text) {
        this.text = text;
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                starts.add(i + 1);
            }
        }
        this.lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The statements of {@code text}, in document order. */
    static List<Key> scan(String text) {
        TomlKeys s = new TomlKeys(text);
        s.document();
        return List.copyOf(s.keys);
    }

    private void document() {
        String table = "";
        int i = 0;
        while (true) {
            i = skipBlank(i, true);
            if (i >= text.length()) {
                return;
            }
            if (text.charAt(i) == '[') {
                int eol = endOfLine(i);
                int close = text.lastIndexOf(']', eol - 1);
                String header = text.substring(i, close > i ? close + 1 : eol).trim();
                table = unquote(header.replaceAll("^\\[+|\\]+$", "").trim());
                keys.add(new Key(table, true, false, i, eol, line(i), column(i), line(i), column(i)));
                i = eol;
                continue;
            }
            int start = i;
            StringBuilder key = new StringBuilder();
            boolean dotted = false;
            while (i < text.length()) {
                i = skipSpaces(i);
                int partEnd = keyPart(i);
                if (partEnd == i) {
                    break;
                }
                key.append(unquote(text.substring(i, partEnd)));
                i = skipSpaces(partEnd);
                if (i < text.length() && text.charAt(i) == '.') {
                    key.append('.');
                    dotted = true;
                    i++;
                } else {
                    break;
                }
            }
            if (key.length() == 0 || i >= text.length() || text.charAt(i) != '=') {
                i = Math.max(endOfLine(i), i + 1); // not a statement: Jackson says what is wrong
                continue;
            }
            int value = skipSpaces(i + 1);
            int end = value(value);
            String path = table.isEmpty() ? key.toString() : table + "." + key;
            keys.add(new Key(path, false, dotted, start, end, line(start), column(start), line(value), column(value)));
            i = endOfLine(end);
        }
    }

    /** The end of a bare or quoted key part starting at {@code i}; {@code i} when there is none. */
    private int keyPart(int i) {
        if (i >= text.length()) {
            return i;
        }
        char c = text.charAt(i);
        if (c == '"' || c == '\'') {
            return string(i);
        }
        int j = i;
        while (j < text.length() && (Character.isLetterOrDigit(text.charAt(j)) || text.charAt(j) == '-' || text.charAt(j) == '_')) {
            j++;
        }
        return j;
    }

    /** The end of the value starting at {@code i}. */
    private int value(int i) {
        if (i >= text.length()) {
            return i;
        }
        char c = text.charAt(i);
        if (c == '"' || c == '\'') {
            return string(i);
        }
        if (c == '[') {
            int j = i + 1;
            while (true) {
                j = skipBlank(j, true);
                if (j >= text.length()) {
                    return j;
                }
                char d = text.charAt(j);
                if (d == ']') {
                    return j + 1;
                }
                int next = d == ',' ? j + 1 : value(j);
                j = next > j ? next : j + 1;
            }
        }
        if (c == '{') {
            int j = i + 1;
            while (j < text.length() && text.charAt(j) != '}' && text.charAt(j) != '\n') {
                char d = text.charAt(j);
                j = d == '"' || d == '\'' || d == '[' || d == '{' ? Math.max(value(j), j + 1) : j + 1;
            }
            return Math.min(j + 1, text.length());
        }
        int j = i;
        while (j < text.length() && ",]}#\r\n".indexOf(text.charAt(j)) < 0) {
            j++;
        }
        while (j > i && (text.charAt(j - 1) == ' ' || text.charAt(j - 1) == '\t')) {
            j--;
        }
        return j;
    }

    /** The end of the string (basic, literal, or either multi-line form) whose quote is at {@code i}. */
    private int string(int i) {
        char q = text.charAt(i);
        String triple = String.valueOf(q).repeat(3);
        boolean multi = text.startsWith(triple, i);
        int j = i + (multi ? 3 : 1);
        while (j < text.length()) {
            char c = text.charAt(j);
            if (c == '\\' && q == '"') {
                j += 2;
            } else if (multi && text.startsWith(triple, j)) {
                j += 3;
                for (int extra = 0; extra < 2 && j < text.length() && text.charAt(j) == q; extra++) {
                    j++; // up to two quotes may end a multi-line string's content
                }
                return j;
            } else if (!multi && c == q) {
                return j + 1;
            } else if (!multi && c == '\n') {
                return j;
            } else {
                j++;
            }
        }
        return j;
    }

    private int skipBlank(int i, boolean newlines) {
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '#') {
                i = endOfLine(i);
            } else if (c == ' ' || c == '\t' || c == '\r' || (newlines && c == '\n')) {
                i++;
            } else {
                return i;
            }
        }
        return i;
    }

    private int skipSpaces(int i) {
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    private int endOfLine(int i) {
        int nl = text.indexOf('\n', i);
        return nl < 0 ? text.length() : nl;
    }

    private static String unquote(String part) {
        if (part.length() >= 2 && (part.charAt(0) == '"' || part.charAt(0) == '\'') && part.charAt(part.length() - 1) == part.charAt(0)) {
            return part.substring(1, part.length() - 1);
        }
        return part;
    }

    /** 1-based line of offset {@code i}. */
    private int line(int i) {
        int lo = 0;
        int hi = lineStarts.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (lineStarts[mid] <= i) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo + 1;
    }

    /** 1-based column of offset {@code i}. */
    private int column(int i) {
        return i - lineStarts[line(i) - 1] + 1;
    }
}
