package io.surrogate.engine.text;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a scan of a regex's text finds before RE2/J compiles it: the first construct RE2/J
 * lacks (backreferences, lookaround, possessive quantifiers, atomic groups), an estimate of
 * its size once counted repetitions are expanded ({@code (a{100}){100}} is 10,000 steps, and
 * RE2/J itself sets no limit), how deep its groups nest (RE2/J compiles them recursively), and
 * the first repetition nested in another.
 *
 * <p>The scan is an estimate, not a parser: RE2/J still reports syntax errors itself.
 */
public record RegexShape(Unsupported unsupported, String unsupportedText, long size, int depth, String nestedRepetition) {
    /** Constructs of java.util.regex that a linear-time engine cannot have. */
    public enum Unsupported { BACKREFERENCE, LOOKAROUND, POSSESSIVE, ATOMIC_GROUP }

    /** Expanded size (about one step per literal, class or operator) above which a regex is refused. */
    public static final long MAX_SIZE = 10_000;
    /** Groups nested deeper than this are refused: RE2/J compiles them recursively, and 50,000 overflowed its stack. */
    public static final int MAX_DEPTH = 100;

    private static final class Group {
        final int start;
        long size;
        long last;
        boolean lastHasRepetition;
        boolean hasRepetition;

        Group(int start) {
            this.start = start;
        }

        void add(long item, boolean itemHasRepetition) {
            size = saturate(size + item);
            last = item;
            lastHasRepetition = itemHasRepetition;
        }
    }

    public static RegexShape of(String regex) {
        Deque<Group> groups = new ArrayDeque<>();
        groups.push(new Group(0));
        String nested = null;
        int depth = 0;
        int n = regex.length();
        int i = 0;
        while (i < n) {
            Group g = groups.peek();
            char c = regex.charAt(i);
            if (c == '\\' && i + 1 < n) {
                char e = regex.charAt(i + 1);
                if ((e >= '1' && e <= '9') || e == 'k') {
                    return unsupported(Unsupported.BACKREFERENCE, regex, i, e == 'k' ? 3 : 2);
                }
                if (e == 'Q') {
                    int end = regex.indexOf("\\E", i + 2);
                    int stop = end < 0 ? n : end;
                    for (int k = i + 2; k < stop; k++) {
                        g.add(1, false);
                    }
                    i = end < 0 ? n : end + 2;
                    continue;
                }
                g.add(1, false);
                i = skipEscape(regex, i);
            } else if (c == '[') {
                g.add(1, false);
                i = skipClass(regex, i);
            } else if (c == '(') {
                if (regex.startsWith("(?=", i) || regex.startsWith("(?!", i) || regex.startsWith("(?<=", i) || regex.startsWith("(?<!", i)) {
                    return unsupported(Unsupported.LOOKAROUND, regex, i, regex.charAt(i + 2) == '<' ? 4 : 3);
                }
                if (regex.startsWith("(?>", i)) {
                    return unsupported(Unsupported.ATOMIC_GROUP, regex, i, 3);
                }
                int close = regex.indexOf(')', i);
                if (regex.startsWith("(?", i) && !regex.startsWith("(?P<", i) && !regex.startsWith("(?<", i)
                        && close > 0 && regex.substring(i + 2, close).matches("[-a-zA-Z]*")) {
                    // (?flags): no group
                    i = close + 1;
                    continue;
                }
                groups.push(new Group(i));
                depth = Math.max(depth, groups.size() - 1);
                i = groupBodyStart(regex, i);
            } else if (c == ')' && groups.size() > 1) {
                Group done = groups.pop();
                groups.peek().add(Math.max(1, done.size), done.hasRepetition);
                i++;
            } else if (c == '*' || c == '+' || c == '?' || (c == '{' && repeatEnd(regex, i) > 0)) {
                int end = c == '{' ? repeatEnd(regex, i) : i + 1;
                long count = c == '{' ? repeatCount(regex.substring(i + 1, end - 1)) : 1;
                boolean unbounded = c == '*' || c == '+' || (c == '{' && regex.substring(i, end).matches("\\{\\d+,}"));
                if (end < n && regex.charAt(end) == '+') {
                    return unsupported(Unsupported.POSSESSIVE, regex, i, end + 1 - i);
                }
                if (g.lastHasRepetition && (unbounded || count > 1) && nested == null) {
                    nested = regex.substring(lastItemStart(regex, i), Math.min(n, end));
                }
                g.size = saturate(g.size + saturate(g.last * Math.max(0, count - 1)) + 1);
                g.hasRepetition = true;
                g.lastHasRepetition = true;
                i = end;
                if (i < n && regex.charAt(i) == '?') {
                    i++; // lazy
                }
            } else {
                g.add(c == '|' ? 0 : 1, false);
                i++;
            }
        }
        long size = 0;
        while (!groups.isEmpty()) {
            size = saturate(size + groups.pop().size);
        }
        return new RegexShape(null, null, size, depth, nested);
    }

    private static RegexShape unsupported(Unsupported kind, String regex, int at, int length) {
        return new RegexShape(kind, regex.substring(at, Math.min(regex.length(), at + length)), 0, 0, null);
    }

    /** Where the repeated item before a quantifier at {@code q} starts, for the warning's text. */
    private static int lastItemStart(String regex, int q) {
        if (q > 0 && regex.charAt(q - 1) == ')') {
            int depth = 0;
            for (int k = q - 1; k >= 0; k--) {
                char c = regex.charAt(k);
                if (c == ')' && (k == 0 || regex.charAt(k - 1) != '\\')) {
                    depth++;
                } else if (c == '(' && (k == 0 || regex.charAt(k - 1) != '\\')) {
                    depth--;
                    if (depth == 0) {
                        return k;
                    }
                }
            }
        }
        return Math.max(0, q - 1);
    }

    /** Past a group's opening: {@code (}, {@code (?:}, {@code (?i:}, {@code (?P<name>}, {@code (?<name>}. */
    private static int groupBodyStart(String regex, int i) {
        if (!regex.startsWith("(?", i)) {
            return i + 1;
        }
        int end = regex.startsWith("(?P<", i) || regex.startsWith("(?<", i) ? regex.indexOf('>', i) : regex.indexOf(':', i);
        return end < 0 ? i + 2 : end + 1;
    }

    private static int skipEscape(String regex, int i) {
        int j = i + 2;
        if (j < regex.length() + 1 && (regex.charAt(i + 1) == 'p' || regex.charAt(i + 1) == 'P' || regex.charAt(i + 1) == 'x')
                && j < regex.length() && regex.charAt(j) == '{') {
            int close = regex.indexOf('}', j);
            return close < 0 ? regex.length() : close + 1;
        }
        return j;
    }

    private static int skipClass(String regex, int i) {
        int j = i + 1;
        if (j < regex.length() && regex.charAt(j) == '^') {
            j++;
        }
        if (j < regex.length() && regex.charAt(j) == ']') {
            j++;
        }
        while (j < regex.length()) {
            char c = regex.charAt(j);
            if (c == '\\') {
                j += 2;
            } else if (c == '[' && regex.startsWith("[:", j)) {
                int close = regex.indexOf(":]", j + 2);
                j = close < 0 ? j + 1 : close + 2;
            } else if (c == ']') {
                return j + 1;
            } else {
                j++;
            }
        }
        return regex.length();
    }

    /** The index after a counted repetition {@code {n}}, {@code {n,}} or {@code {n,m}} at {@code i}, or -1. */
    private static int repeatEnd(String regex, int i) {
        int close = regex.indexOf('}', i);
        if (close < 0 || !regex.substring(i + 1, close).matches("\\d{1,4}(,\\d{0,4})?")) {
            return -1;
        }
        return close + 1;
    }

    /** The larger bound of a counted repetition's text {@code n}, {@code n,} or {@code n,m}. */
    private static long repeatCount(String inside) {
        String[] parts = inside.split(",", -1);
        long low = Long.parseLong(parts[0]);
        return parts.length == 2 && !parts[1].isEmpty() ? Math.max(low, Long.parseLong(parts[1])) : low;
    }

    private static long saturate(long v) {
        return v < 0 || v > 1L << 40 ? 1L << 40 : v;
    }
}
