package io.surrogate.server.guard;

import java.util.List;
import java.util.Locale;

/**
 * The framing rules of RFC 9112 section 6 that a request's headers must meet before its body
 * is read, as a pure function of the protocol and the {@code Transfer-Encoding} and
 * {@code Content-Length} field lines. Every violation is answered 400 and the connection
 * closed: the edge cannot tell where this request ends and the next begins, so nothing more
 * is read from the connection.
 *
 * <ul>
 *   <li>{@code Transfer-Encoding} in an HTTP/1.0 request: faulty framing (section 6.1).</li>
 *   <li>{@code Transfer-Encoding} and {@code Content-Length} together: a smuggling attempt
 *       (sections 6.1, 11.2).</li>
 *   <li>{@code Transfer-Encoding} other than exactly {@code chunked}: when chunked is not the
 *       final coding the length cannot be determined (section 6.3, 400 and close, a MUST);
 *       codings before a final chunked ({@code gzip, chunked}) the edge does not decode, and it
 *       answers them 400 as well rather than 501, so one status covers every coding it does not
 *       take.</li>
 *   <li>{@code Content-Length} that is not digits, does not fit 63 bits, or whose values differ
 *       (section 6.3, "unrecoverable error").</li>
 * </ul>
 */
public final class Framing {
    /** 18 digits always fit in a long; more are refused even with leading zeros trimmed past that. */
    private static final int MAX_DIGITS = 18;

    private Framing() {}

    /**
     * Null when the framing is sound, else the reason for a 400, lowercase, with the offending
     * value in quotes (truncated).
     *
     * @param http10 the request line says HTTP/1.0
     * @param transferEncodings every {@code Transfer-Encoding} field line, in order
     * @param contentLengths every {@code Content-Length} field line, in order
     */
    public static String violation(boolean http10, List<String> transferEncodings, List<String> contentLengths) {
        boolean te = !transferEncodings.isEmpty();
        if (te && http10) {
            return "transfer-encoding in an HTTP/1.0 request";
        }
        if (te && !contentLengths.isEmpty()) {
            return "both transfer-encoding and content-length";
        }
        if (te) {
            return codings(transferEncodings);
        }
        return length(contentLengths);
    }

    private static String codings(List<String> lines) {
        int seen = 0;
        String last = null;
        for (String line : lines) {
            for (String element : line.split(",", -1)) {
                String coding = element.trim();
                if (coding.isEmpty()) {
                    continue; // an empty list element is allowed and means nothing (RFC 9110 section 5.6.1)
                }
                seen++;
                last = coding;
            }
        }
        if (seen == 0) {
            return "empty transfer-encoding";
        }
        if (!last.toLowerCase(Locale.ROOT).equals("chunked")) {
            return "transfer-encoding " + quoted(String.join(", ", lines)) + ": chunked is not the final coding";
        }
        if (seen > 1) {
            return "transfer-encoding " + quoted(String.join(", ", lines)) + ": only chunked alone is supported";
        }
        return null;
    }

    private static String length(List<String> lines) {
        long value = -1;
        for (String line : lines) {
            for (String element : line.split(",", -1)) {
                long v = digits(element.trim());
                if (v < 0) {
                    return "content-length " + quoted(line) + " is not a length";
                }
                if (value >= 0 && v != value) {
                    return "content-length values differ: " + quoted(String.join(", ", lines));
                }
                value = v;
            }
        }
        return null;
    }

    /** The value of 1*DIGIT that fits 63 bits, else -1. */
    static long digits(String s) {
        int start = 0;
        while (start < s.length() - 1 && s.charAt(start) == '0') {
            start++;
        }
        if (s.isEmpty() || s.length() - start > MAX_DIGITS) {
            return -1;
        }
        long v = 0;
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static String quoted(String value) {
        String v = value.length() > 40 ? value.substring(0, 40) + "..." : value;
        StringBuilder b = new StringBuilder(v.length() + 2).append('\'');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            b.append(c < 0x20 || c == 0x7f || c == '\'' || c == '"' ? '?' : c);
        }
        return b.append('\'').toString();
    }
}
