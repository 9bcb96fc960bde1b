package io.surrogate.server.cluster;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * Where the edges keep each subscription's record on Redis and how the unicast routing and the
 * reaper read it (issue 13; the keys are listed in /work/wt/CLUSTER.md): {@code surrogate:t:<tk>}
 * names a token's subscription as {@code <eh>:<sid>}; its hash
 * {@code surrogate:{e:<eh>}:sub:<sid>} holds the token, the edge that holds it now and what an
 * unsubscribe notice needs; {@code surrogate:edge:<id>:subs} lists an edge's subscriptions. A
 * token is never a key: {@code tk} is the first 32 hex digits of its SHA-256.
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

    static String tokenKey(String token) {
        return "surrogate:t:" + sha256Hex(token.getBytes(StandardCharsets.US_ASCII), 32);
    }

    /** The hash of the subscription {@code ref} ({@code <eh>:<sid>}); null when {@code ref} is not of that form. */
    static String subKey(String ref) {
        int colon = ref.indexOf(':');
        if (colon != 16 || ref.length() != 33 || !hex(ref)) {
            return null;
        }
        return "surrogate:{e:" + ref.substring(0, colon) + "}:sub:" + ref.substring(colon + 1);
    }

    static String edgeSubs(String edgeId) {
        return "surrogate:edge:" + edgeId + ":subs";
    }

    static String reapClaim(String edgeId) {
        return "surrogate:reap:" + edgeId;
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

    private static boolean hex(String ref) {
        for (int i = 0; i < ref.length(); i++) {
            char c = ref.charAt(i);
            if (i != 16 && Character.digit(c, 16) < 0) {
                return false;
            }
        }
        return true;
    }

    private static String sha256Hex(byte[] bytes, int digits) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, digits);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
