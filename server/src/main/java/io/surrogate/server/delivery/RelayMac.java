package io.surrogate.server.delivery;

import io.surrogate.engine.token.NamedKey;
import io.surrogate.engine.token.OriginSignature;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The {@code X-Surrogate-Relay: P;MAC} header one edge adds to a unicast it passes on to the edge
 * that holds its subscription (issue 13): P is the event's position in the history the edges
 * share, MAC the lowercase hex HMAC-SHA256, with the origin key that verified the delivery, of
 * {@code surrogate-relay\nP\nX-Event-Signature}. Only an edge that shares the keyring can make
 * it; it binds the position to the origin's own signature, which covers the rest of the request.
 */
public final class RelayMac {
    public static final String HEADER = "X-Surrogate-Relay";

    private RelayMac() {}

    /** The header's value for a delivery signed {@code signature}, kept at {@code position}. */
    public static String header(NamedKey originKey, long position, String signature) {
        return position + ";" + mac(originKey, position, signature);
    }

    /**
     * The position the header names when its MAC verifies with {@code originKey} for this
     * signature; -1 when it is malformed or does not verify. Compared in constant time.
     */
    public static long verify(String header, NamedKey originKey, String signature) {
        int semicolon = header == null ? -1 : header.indexOf(';');
        if (semicolon < 1 || semicolon > 19) {
            return -1;
        }
        long position;
        try {
            position = Long.parseLong(header.substring(0, semicolon));
        } catch (NumberFormatException e) {
            return -1;
        }
        if (position < 0) {
            return -1;
        }
        byte[] expected = mac(originKey, position, signature).getBytes(StandardCharsets.US_ASCII);
        byte[] given = header.substring(semicolon + 1).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, given) ? position : -1;
    }

    private static String mac(NamedKey originKey, long position, String signature) {
        return OriginSignature.hmacHex(originKey, "surrogate-relay\n" + position + "\n" + signature);
    }
}
