package io.surrogate.rules.schema;

import io.surrogate.rules.model.SourcePosition;
import java.util.Arrays;

/** The text of a rule file with its line starts, for positions and source excerpts. */
public final class SourceText {
    private final String file;
    private final String text;
    private final int[] lineStarts;

    public SourceText(String file, String text) {
        this.file = file;
        this.text = text;
        int[] starts = new int[16];
        int count = 0;
        starts[count++] = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                if (count == starts.length) {
                    starts = Arrays.copyOf(starts, count * 2);
                }
                starts[count++] = i + 1;
            }
        }
        this.lineStarts = Arrays.copyOf(starts, count);
    }

    public String file() {
        return file;
    }

    public String text() {
        return text;
    }

    public int lineCount() {
        return lineStarts.length;
    }

    /** The text of a 1-based line without its line terminator, or "" when out of range. */
    public String line(int line) {
        if (line < 1 || line > lineStarts.length) {
            return "";
        }
        int start = lineStarts[line - 1];
        int end = line < lineStarts.length ? lineStarts[line] - 1 : text.length();
        if (end > start && text.charAt(end - 1) == '\r') {
            end--;
        }
        return text.substring(start, Math.max(start, end));
    }

    public SourcePosition position(int line, int column) {
        return new SourcePosition(file, line, column);
    }

    private int offset(int line, int column) {
        if (line < 1 || line > lineStarts.length) {
            return -1;
        }
        return Math.min(text.length(), lineStarts[line - 1] + Math.max(0, column - 1));
    }

    /** The line and column of a character offset. */
    public SourcePosition positionOf(int offset) {
        int index = Arrays.binarySearch(lineStarts, offset);
        int line = index >= 0 ? index : -index - 2;
        return new SourcePosition(file, line + 1, offset - lineStarts[line] + 1);
    }

    /**
     * Maps a parser position (just after the {@code >} of a start tag) to the {@code <} that
     * opens the tag. A {@code <} cannot appear in an attribute value, so the scan is exact.
     */
    public SourcePosition tagStart(int line, int column) {
        int offset = offset(line, column);
        if (offset < 0) {
            return position(Math.max(line, 0), Math.max(column, 0));
        }
        for (int i = Math.min(offset, text.length()) - 1; i >= 0; i--) {
            if (text.charAt(i) == '<') {
                return positionOf(i);
            }
        }
        return position(line, column);
    }

    /**
     * The first occurrence of {@code needle} at or after {@code from} within the next 8 KiB
     * (a variable reference inside an element's text or an attribute), or {@code from} itself.
     */
    public SourcePosition find(SourcePosition from, String needle) {
        int start = offset(from.line(), from.column());
        if (start < 0 || !from.file().equals(file)) {
            return from;
        }
        int i = text.indexOf(needle, start);
        return i < 0 || i - start > 8192 ? from : positionOf(i);
    }

    /**
     * The position of {@code name=} inside the tag that starts at {@code tag}, or the tag itself.
     * The tag is scanned attribute by attribute, so a name written inside another attribute's
     * value, or a {@code >} inside a value, does not mislead it.
     */
    public SourcePosition attribute(SourcePosition tag, String name) {
        int start = offset(tag.line(), tag.column());
        if (start < 0 || start >= text.length() || text.charAt(start) != '<' || name == null || name.isEmpty()) {
            return tag;
        }
        int n = text.length();
        int i = start + 1;
        while (i < n && !isNameEnd(text.charAt(i))) {
            i++; // the element name
        }
        while (i < n) {
            while (i < n && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (i >= n || text.charAt(i) == '>' || text.charAt(i) == '/') {
                return tag;
            }
            int nameStart = i;
            while (i < n && !isNameEnd(text.charAt(i)) && text.charAt(i) != '=') {
                i++;
            }
            if (i - nameStart == name.length() && text.startsWith(name, nameStart)) {
                return positionOf(nameStart);
            }
            while (i < n && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (i >= n || text.charAt(i) != '=') {
                return tag; // not well-formed here: stop rather than guess
            }
            i++;
            while (i < n && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (i >= n || (text.charAt(i) != '"' && text.charAt(i) != '\'')) {
                return tag;
            }
            int close = text.indexOf(text.charAt(i), i + 1);
            if (close < 0) {
                return tag;
            }
            i = close + 1;
        }
        return tag;
    }

    private static boolean isNameEnd(char c) {
        return Character.isWhitespace(c) || c == '>' || c == '/';
    }
}
