package io.surrogate.server.origin;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@code X-Event-Signature} done the way an origin in any language would: from the wire
 * contract alone, with the JDK's {@code javax.crypto.Mac} (HmacSHA256) and
 * {@code MessageDigest} (SHA-256). It deliberately shares no code with the engine, so that a
 * test comparing the two proves the contract is enough to interoperate.
 *
 * <p>The canonical string is nine lines joined by LF, no final LF: {@code surrogate-v1},
 * method, path as sent, X-Event-Id as sent, X-Event-User as sent, X-Event-Token, timestamp
 * (decimal seconds), nonce, lowercase hex SHA-256 of the body. The header is
 * {@code t=TIMESTAMP;n=NONCE;v1=HEX}.
 */
public final class JdkSignature {
    public static final String SCHEME = "surrogate-v1";
    /** How far a timestamp may be from the receiver's clock, either way. */
    public static final long WINDOW_SECONDS = 300;

    private static final HexFormat HEX = HexFormat.of();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern TIMESTAMP = Pattern.compile("[0-9]{1,12}");
    private static final Pattern NONCE = Pattern.compile("[A-Za-z0-9_-]{8,64}");
    private static final Pattern HMAC_HEX = Pattern.compile("[0-9a-f]{64}");

    private JdkSignature() {}

    /** What a signature covers. Missing headers count as empty values. */
    public record Signed(String method, String path, String eventId, String user, String token, byte[] body) {
        public Signed {
            eventId = eventId == null ? "" : eventId;
            user = user == null ? "" : user;
            token = token == null ? "" : token;
            body = body == null ? new byte[0] : body.clone();
        }

        @Override
        public byte[] body() {
            return body.clone();
        }
    }

    /** The verdict on a received header. */
    public enum Check { VALID, MISSING, MALFORMED, STALE, BAD_SIGNATURE }

    public static String canonical(Signed s, long timestamp, String nonce) {
        return String.join("\n", SCHEME, s.method(), s.path(), s.eventId(), s.user(), s.token(),
                Long.toString(timestamp), nonce, sha256Hex(s.body));
    }

    public static String sha256Hex(byte[] body) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    public static byte[] hmac(byte[] secret, String canonical) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(canonical.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no HmacSHA256", e);
        }
    }

    /** The whole header value: {@code t=..;n=..;v1=..}. */
    public static String sign(byte[] secret, Signed s, long timestamp, String nonce) {
        return "t=" + timestamp + ";n=" + nonce + ";v1=" + HEX.formatHex(hmac(secret, canonical(s, timestamp, nonce)));
    }

    /** 32 lowercase hex characters, like the edge's. */
    public static String newNonce() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HEX.formatHex(b);
    }

    /**
     * Checks a received header. The HMAC is compared in constant time before the timestamp is
     * looked at, so a forged old request reports {@code BAD_SIGNATURE}, an authentic old one
     * {@code STALE}.
     */
    public static Check verify(byte[] secret, String header, Signed s, Instant now) {
        if (header == null || header.isEmpty()) {
            return Check.MISSING;
        }
        String t = null;
        String n = null;
        String v1 = null;
        for (String part : header.split(";", -1)) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                return Check.MALFORMED;
            }
            String value = part.substring(eq + 1).trim();
            switch (part.substring(0, eq).trim()) {
                case "t" -> t = value;
                case "n" -> n = value;
                case "v1" -> v1 = value;
                default -> {
                    // later versions may add parameters
                }
            }
        }
        if (t == null || n == null || v1 == null || !TIMESTAMP.matcher(t).matches()
                || !NONCE.matcher(n).matches() || !HMAC_HEX.matcher(v1).matches()) {
            return Check.MALFORMED;
        }
        long timestamp = Long.parseLong(t);
        byte[] expected = hmac(secret, canonical(s, timestamp, n));
        if (!MessageDigest.isEqual(expected, HEX.parseHex(v1))) {
            return Check.BAD_SIGNATURE;
        }
        return Math.abs(now.getEpochSecond() - timestamp) > WINDOW_SECONDS ? Check.STALE : Check.VALID;
    }
}
