package io.surrogate.server.cluster;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * How the unicast routing and the reaper read a subscription's record on Redis (issue 13; written
 * by {@link SubscriptionRecords}, keys named by {@link SharedKeys}): the token, the edge that
 * holds it now and what an unsubscribe notice needs.
 */
final class RecordReader {
    private RecordReader() {}

    /** One subscription's record; {@code ref} is its {@code <eh>:<sid>}. Fields absent from the hash are empty strings. */
    record Record(String ref, String token, String edge, String eventKey, String user, String event, String customer, String host,
            long expiresAt, String type, String originKey, String origin) {

        String sid() {
            return ref.substring(ref.indexOf(':') + 1);
        }
    }

    /** The record in hash {@code fields} of subscription {@code ref}; null when it has no token or no edge (absent or malformed). */
    static Record read(String ref, Map<String, byte[]> fields) {
        String token = field(fields, "token");
        String edge = field(fields, "edge");
        if (token.isEmpty() || edge.isEmpty()) {
            return null;
        }
        long expiresAt;
        try {
            expiresAt = Long.parseLong(field(fields, "expiresAt"));
        } catch (NumberFormatException e) {
            expiresAt = 0;
        }
        return new Record(ref, token, edge, field(fields, "eventKey"), field(fields, "user"), field(fields, "event"),
                field(fields, "customer"), field(fields, "host"), expiresAt, field(fields, "type"), field(fields, "originKey"),
                field(fields, "origin"));
    }

    private static String field(Map<String, byte[]> fields, String name) {
        byte[] v = fields.get(name);
        return v == null ? "" : new String(v, StandardCharsets.UTF_8);
    }
}
