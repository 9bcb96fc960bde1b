package io.surrogate.server.cluster;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The names of the Redis keys the edges share for subscriptions and their history (issue 13;
 * docs/operations.md, "Several edges", lists them). Keys of one event key share the hash tag {@code {e:<eh>}},
 * so that a script or a read that uses them together stays on one Cluster node. A token never
 * appears in a key: its hash does.
 */
public final class SharedKeys {
    static final String PREFIX = "surrogate:";

    private SharedKeys() {}

    /** {@code eh}: the first 16 hex digits of SHA-256 of the event key's UTF-8 bytes. */
    public static String eventHash(String eventKey) {
        return sha256(eventKey.getBytes(StandardCharsets.UTF_8), 8);
    }

    /** {@code tk}: the first 32 hex digits of SHA-256 of the token's ASCII bytes. */
    public static String tokenHash(String token) {
        return sha256(token.getBytes(StandardCharsets.US_ASCII), 16);
    }

    private static String sha256(byte[] bytes, int keep) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
            return HexFormat.of().formatHex(d, 0, keep);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
    }

    private static String tag(String eh) {
        return PREFIX + "{e:" + eh + "}:";
    }

    /** The record of subscription {@code sid} (a hash). */
    public static String sub(String eh, String sid) {
        return tag(eh) + "sub:" + sid;
    }

    /** The history's position counter of an event key. */
    public static String pos(String eh) {
        return tag(eh) + "pos";
    }

    /** The stream of an event key's fan-outs. */
    public static String fan(String eh) {
        return tag(eh) + "fan";
    }

    /** The stream of one subscription's unicasts. */
    public static String uni(String eh, String sid) {
        return tag(eh) + "uni:" + sid;
    }

    /** The hash of the last position trimmed from each stream of an event key (fields {@code fan}, {@code uni:<sid>}). */
    public static String trim(String eh) {
        return tag(eh) + "trim";
    }

    /** A client handle's pointer to its subscription's record ({@code <eh>:<sid>}). */
    public static String client(String handleHex) {
        return PREFIX + "c:" + handleHex;
    }

    /** A token's pointer to its subscription's record ({@code <eh>:<sid>}). */
    public static String token(String tk) {
        return PREFIX + "t:" + tk;
    }

    /** The set of {@code <eh>:<sid>} an edge holds. */
    public static String edgeSubs(String edgeId) {
        return PREFIX + "edge:" + edgeId + ":subs";
    }

    /** The claim of the surviving edge that reaps dead edge {@code edgeId}. */
    public static String reapClaim(String edgeId) {
        return PREFIX + "reap:" + edgeId;
    }

    /**
     * The record a pointer ({@code <eh>:<sid>}, as {@code c:} and {@code t:} keys and the edges'
     * sets hold it) names; null when the pointer is not of that form (16 and 16 hex digits).
     */
    public static String subOf(String ref) {
        if (ref.length() != 33 || ref.charAt(16) != ':') {
            return null;
        }
        for (int i = 0; i < ref.length(); i++) {
            if (i != 16 && Character.digit(ref.charAt(i), 16) < 0) {
                return null;
            }
        }
        return sub(ref.substring(0, 16), ref.substring(17));
    }
}
