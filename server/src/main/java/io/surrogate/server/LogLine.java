package io.surrogate.server;

/**
 * One log event in strict logfmt: {@code event=NAME key=value key="quoted value"}. Every value
 * goes through {@link #value}, so nothing a client chooses (an event id, a path, a header) can
 * add a key, end the line or smuggle a control byte into the log:
 * <pre>{@code LOG.warning(LogLine.of("subscribe-failed").with("reason", "origin-timeout").with("timeout-ms", 1000));}</pre>
 * User ids are never given to a log line (they identify people); event ids may be.
 */
public final class LogLine {
    private final StringBuilder line;

    private LogLine(String event) {
        line = new StringBuilder(96).append("event=");
        value(line, event);
    }

    public static LogLine of(String event) {
        return new LogLine(event);
    }

    /** Adds {@code key=value}; the key must be a plain word, the value is escaped and quoted as needed. */
    public LogLine with(String key, Object value) {
        if (!plainKey(key)) {
            throw new IllegalArgumentException("not a logfmt key: " + key);
        }
        line.append(' ').append(key).append('=');
        value(line, value == null ? null : String.valueOf(value));
        return this;
    }

    public LogLine with(String key, long value) {
        line.append(' ').append(key).append('=').append(value);
        return this;
    }

    @Override
    public String toString() {
        return line.toString();
    }

    private static boolean plainKey(String key) {
        if (key.isEmpty()) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    /**
     * Appends {@code v} as a logfmt value: bare when it holds only characters that cannot be
     * mistaken for syntax, otherwise in double quotes with {@code \\}, {@code \"}, {@code \n},
     * {@code \r}, {@code \t} and {@code \}{@code uXXXX} for every other control or line-breaking
     * character. {@code null} is written {@code -}; the empty string {@code ""}.
     */
    static void value(StringBuilder out, String v) {
        if (v == null) {
            out.append('-');
            return;
        }
        if (!v.isEmpty() && bare(v)) {
            out.append(v);
            return;
        }
        out.append('"');
        escapeInto(out, v);
        out.append('"');
    }

    /** The escapes of {@link #value} without the quotes: the result holds no control character. */
    static void escapeInto(StringBuilder out, CharSequence v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (unsafe(c)) {
                        out.append("\\u").append(Character.forDigit(c >> 12 & 0xF, 16)).append(Character.forDigit(c >> 8 & 0xF, 16))
                                .append(Character.forDigit(c >> 4 & 0xF, 16)).append(Character.forDigit(c & 0xF, 16));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
    }

    /** Control characters (C0, DEL, C1) and the Unicode line and paragraph separators. */
    static boolean unsafe(char c) {
        return c < 0x20 || c >= 0x7F && c <= 0x9F || c == '\u2028' || c == '\u2029';
    }

    private static boolean bare(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7F) {
                return false;
            }
        }
        return true;
    }
}
