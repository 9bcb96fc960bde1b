package io.surrogate.server.origin;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The edge's answer to a {@code POST /deliver-event}: its status, its short text body (one
 * word line such as {@code delivered}, then maybe a detail), and its headers (e.g.
 * {@code X-Event-Edge} on 421, {@code Retry-After} on 503).
 */
public record Delivery(int status, String body, Map<String, List<String>> headers) {

    public Delivery {
        SortedMap<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) -> {
            if (name != null) {
                copy.put(name, List.copyOf(values));
            }
        });
        headers = Collections.unmodifiableSortedMap(copy);
    }

    /** The first line of the body: {@code delivered}, {@code no-subscriber}, {@code replay}... */
    public String word() {
        int end = body.indexOf('\n');
        return (end < 0 ? body : body.substring(0, end)).trim();
    }

    /** The first value of a header, or null when absent. */
    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    @Override
    public String toString() {
        return status + " " + word();
    }
}
