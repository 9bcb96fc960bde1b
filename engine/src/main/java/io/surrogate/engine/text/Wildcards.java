package io.surrogate.engine.text;

import java.util.ArrayList;
import java.util.List;

/**
 * Wildcard patterns: {@code *} any run of characters (including none, line breaks too),
 * {@code ?} exactly one character (a code point); every other character is literal and the
 * whole value must match.
 *
 * <p>Matching never backtracks: the pattern is cut at its stars into segments; the first is
 * anchored at the start, the last at the end, and each one between is taken at its leftmost
 * place after the previous one. Taking the leftmost place is always right, since a star
 * absorbs whatever lies between two segments and an earlier segment leaves more room for
 * the rest. A match costs at most (value length × pattern length) character comparisons,
 * whatever the value holds.
 */
public final class Wildcards {
    private static final char ANY_ONE = '?';
    private static final char ANY_RUN = '*';

    private Wildcards() {}

    /** Compiles a wildcard pattern; every text is a valid pattern. */
    public static Glob compile(String pattern, boolean ignoreCase) {
        List<String> segments = new ArrayList<>();
        StringBuilder segment = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == ANY_RUN) {
                segments.add(segment.toString());
                segment.setLength(0);
            } else {
                segment.append(c);
            }
        }
        segments.add(segment.toString());
        return new Glob(pattern, segments.toArray(String[]::new), ignoreCase);
    }

    /** How many {@code *} a pattern holds. */
    public static int stars(String pattern) {
        return (int) pattern.chars().filter(c -> c == ANY_RUN).count();
    }

    /** A compiled wildcard pattern; immutable and thread-safe. */
    public static final class Glob {
        private final String source;
        /** The pattern cut at its stars: one segment when there is no star, n + 1 for n stars. */
        private final String[] segments;
        private final boolean ignoreCase;

        private Glob(String source, String[] segments, boolean ignoreCase) {
            this.source = source;
            this.segments = segments;
            this.ignoreCase = ignoreCase;
        }

        public boolean matches(CharSequence value) {
            int n = value.length();
            if (segments.length == 1) {
                return matchAt(segments[0], value, 0) == n;
            }
            int pos = matchAt(segments[0], value, 0);
            if (pos < 0) {
                return false;
            }
            for (int s = 1; s < segments.length - 1; s++) {
                pos = find(segments[s], value, pos);
                if (pos < 0) {
                    return false;
                }
            }
            return matchesTail(segments[segments.length - 1], value, pos);
        }

        /** The end of the leftmost occurrence of {@code segment} at or after {@code from}, or -1. */
        private int find(String segment, CharSequence value, int from) {
            for (int start = from; start <= value.length(); start = next(value, start)) {
                int end = matchAt(segment, value, start);
                if (end >= 0) {
                    return end;
                }
                if (start == value.length()) {
                    break;
                }
            }
            return -1;
        }

        /** Whether {@code segment} matches a suffix of the value that starts at or after {@code from}. */
        private boolean matchesTail(String segment, CharSequence value, int from) {
            int n = value.length();
            if (segment.indexOf(ANY_ONE) < 0) {
                // a literal tail has one possible place
                int start = n - segment.length();
                return start >= from && !splitsPair(value, start) && matchAt(segment, value, start) == n;
            }
            for (int start = from; start <= n; start = next(value, start)) {
                if (matchAt(segment, value, start) == n) {
                    return true;
                }
                if (start == n) {
                    break;
                }
            }
            return false;
        }

        /** Where {@code segment} ends when it matches the value at {@code start}, or -1. */
        private int matchAt(String segment, CharSequence value, int start) {
            int v = start;
            int n = value.length();
            for (int i = 0; i < segment.length(); i++) {
                char p = segment.charAt(i);
                if (v >= n) {
                    return -1;
                }
                if (p == ANY_ONE) {
                    v = next(value, v);
                } else if (same(p, value.charAt(v))) {
                    v++;
                } else {
                    return -1;
                }
            }
            return v;
        }

        private boolean same(char p, char c) {
            if (p == c) {
                return true;
            }
            if (!ignoreCase) {
                return false;
            }
            // as String.regionMatches(ignoreCase) compares
            char pu = Character.toUpperCase(p);
            char cu = Character.toUpperCase(c);
            return pu == cu || Character.toLowerCase(pu) == Character.toLowerCase(cu);
        }

        /** The index after the code point at {@code i}. */
        private static int next(CharSequence value, int i) {
            if (i + 1 < value.length() && Character.isHighSurrogate(value.charAt(i)) && Character.isLowSurrogate(value.charAt(i + 1))) {
                return i + 2;
            }
            return i + 1;
        }

        private static boolean splitsPair(CharSequence value, int i) {
            return i > 0 && i < value.length() && Character.isLowSurrogate(value.charAt(i)) && Character.isHighSurrogate(value.charAt(i - 1));
        }

        public int stars() {
            return segments.length - 1;
        }

        /** The pattern as written. */
        @Override
        public String toString() {
            return source;
        }
    }
}
