package io.surrogate.engine.request;

import java.nio.charset.StandardCharsets;

/**
 * application/x-www-form-urlencoded, Cookie and query parsing without regular expressions or
 * exceptions: malformed pieces are skipped, never fatal.
 */
public final class FormCodec {
    private FormCodec() {}

    /** The first value of {@code name} in a form or query string, decoded; null when absent. */
    public static String field(String form, String name) {
        int i = 0;
        int n = form.length();
        while (i <= n) {
            int amp = form.indexOf('&', i);
            int end = amp < 0 ? n : amp;
            int eq = form.indexOf('=', i);
            int keyEnd = eq >= 0 && eq < end ? eq : end;
            if (keyMatches(form, i, keyEnd, name)) {
                return keyEnd == end ? "" : decode(form, keyEnd + 1, end);
            }
            if (amp < 0) {
                break;
            }
            i = amp + 1;
        }
        return null;
    }

    private static boolean keyMatches(String form, int start, int end, String name) {
        if (form.indexOf('%', start) < 0 || form.indexOf('%', start) >= end) {
            if (form.indexOf('+', start) < 0 || form.indexOf('+', start) >= end) {
                return end - start == name.length() && form.regionMatches(start, name, 0, name.length());
            }
        }
        String key = decode(form, start, end);
        return name.equals(key);
    }

    /** Percent-decodes {@code s[start,end)}, '+' as space, as UTF-8; a bad escape stays literal. */
    public static String decode(String s, int start, int end) {
        boolean plain = true;
        for (int i = start; i < end; i++) {
            char c = s.charAt(i);
            if (c == '%' || c == '+') {
                plain = false;
                break;
            }
        }
        if (plain) {
            return s.substring(start, end);
        }
        byte[] out = new byte[end - start];
        int len = 0;
        for (int i = start; i < end; i++) {
            char c = s.charAt(i);
            if (len == out.length) {
                // only after multi-byte chars: each other char writes at most one byte
                out = java.util.Arrays.copyOf(out, out.length * 2);
            }
            if (c == '+') {
                out[len++] = ' ';
            } else if (c == '%' && hex(s, i + 1, end) >= 0 && hex(s, i + 2, end) >= 0) {
                out[len++] = (byte) (hex(s, i + 1, end) << 4 | hex(s, i + 2, end));
                i += 2;
            } else if (c < 0x80) {
                out[len++] = (byte) c;
            } else {
                byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < end) {
                    utf8 = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                    i++;
                }
                if (len + utf8.length > out.length) {
                    out = java.util.Arrays.copyOf(out, Math.max(out.length * 2, len + utf8.length));
                }
                System.arraycopy(utf8, 0, out, len, utf8.length);
                len += utf8.length;
            }
        }
        return new String(out, 0, len, StandardCharsets.UTF_8);
    }

    private static int hex(String s, int i, int end) {
        if (i >= end) {
            return -1;
        }
        char c = s.charAt(i);
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /** The value of cookie {@code name} in a Cookie header (RFC 6265 pairs), unquoted; null when absent. */
    public static String cookie(String header, String name) {
        int i = 0;
        int n = header.length();
        while (i < n) {
            int semi = header.indexOf(';', i);
            int end = semi < 0 ? n : semi;
            int eq = header.indexOf('=', i);
            if (eq >= 0 && eq < end) {
                int ks = i;
                int ke = eq;
                while (ks < ke && header.charAt(ks) == ' ') {
                    ks++;
                }
                while (ke > ks && header.charAt(ke - 1) == ' ') {
                    ke--;
                }
                if (ke - ks == name.length() && header.regionMatches(ks, name, 0, name.length())) {
                    int vs = eq + 1;
                    int ve = end;
                    while (vs < ve && header.charAt(vs) == ' ') {
                        vs++;
                    }
                    while (ve > vs && header.charAt(ve - 1) == ' ') {
                        ve--;
                    }
                    if (ve - vs >= 2 && header.charAt(vs) == '"' && header.charAt(ve - 1) == '"') {
                        vs++;
                        ve--;
                    }
                    return header.substring(vs, ve);
                }
            }
            if (semi < 0) {
                break;
            }
            i = semi + 1;
        }
        return null;
    }
}
