package io.surrogate.engine.text;

import java.nio.charset.StandardCharsets;

/**
 * Escaping by destination. A value taken from a request may hold anything; where it lands
 * decides what it may contain. No CR, LF or NUL ever reaches a header or an SSE line.
 */
public final class Escaping {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private Escaping() {}

    /**
     * For an HTTP header value: bytes outside visible ASCII and space, '%' itself, and a space
     * at either end (HTTP trims those) are percent-encoded as UTF-8 ({@code "B\r\nX: y"}
     * becomes {@code "B%0D%0AX: y"}), so the value stays one line and arrives exactly as signed.
     */
    public static String headerValue(String value) {
        if (isPlainHeaderValue(value)) {
            return value;
        }
        return percentEncode(value, false);
    }

    /** For a URL path segment or query component: everything but unreserved characters encoded. */
    public static String urlComponent(String value) {
        return percentEncode(value, true);
    }

    /**
     * For an SSE field value ({@code id:}, {@code event:}): CR, LF and NUL removed, as the SSE
     * parser would otherwise end the field or ignore the id. Data lines are split by the encoder.
     */
    public static String sseField(String value) {
        if (value.indexOf('\r') < 0 && value.indexOf('\n') < 0 && value.indexOf('\0') < 0) {
            return value;
        }
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c != '\r' && c != '\n' && c != '\0') {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isPlainHeaderValue(String value) {
        if (!value.isEmpty() && (value.charAt(0) == ' ' || value.charAt(value.length() - 1) == ' ')) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7E || c == '%') {
                return false;
            }
        }
        return true;
    }

    private static String percentEncode(String value, boolean url) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(bytes.length + 16);
        for (int i = 0; i < bytes.length; i++) {
            int c = bytes[i] & 0xFF;
            boolean keep = url
                    ? (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~'
                    : c > 0x20 && c <= 0x7E && c != '%' || c == ' ' && i > 0 && i < bytes.length - 1;
            if (keep) {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        return out.toString();
    }
}
