package io.surrogate.engine.eval;

import java.util.ArrayList;
import java.util.List;

/** Splits a raw path into its non-empty segments, percent-decoding each ('+' stays '+'). */
public final class PathSegments {
    private PathSegments() {}

    public static String[] split(String path) {
        List<String> out = new ArrayList<>(4);
        int n = path.length();
        int i = 0;
        while (i < n) {
            while (i < n && path.charAt(i) == '/') {
                i++;
            }
            int start = i;
            while (i < n && path.charAt(i) != '/') {
                i++;
            }
            if (i > start) {
                out.add(decode(path, start, i));
            }
        }
        return out.toArray(String[]::new);
    }

    private static String decode(String s, int start, int end) {
        if (s.indexOf('%', start) < 0 || s.indexOf('%', start) >= end) {
            return s.substring(start, end);
        }
        String segment = s.substring(start, end).replace("+", "%2B");
        return io.surrogate.engine.request.FormCodec.decode(segment, 0, segment.length());
    }
}
