package io.surrogate.engine.token;

import com.google.common.hash.Hashing;
import com.google.common.io.BaseEncoding;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code X-Event-Signature}: HMAC-SHA256 over a canonical string, so an origin in any language
 * signs and checks it with its standard library. The canonical string is nine lines joined by
 * LF, no final LF:
 * <pre>
 * surrogate-v1
 * METHOD
 * PATH
 * X-Event-Id value, as sent
 * X-Event-User value, as sent
 * X-Event-Token value
 * TIMESTAMP (seconds since the epoch, decimal)
 * NONCE
 * lowercase hex SHA-256 of the body
 * </pre>
 * The header is {@code t=TIMESTAMP;n=NONCE;v1=HEX}. Verification tries every key of the
 * keyset (rotation) in constant time.
 */
public final class OriginSignature {
    public static final String SCHEME = "surrogate-v1";
    private static final SecureRandom RANDOM = new SecureRandom();

    private OriginSignature() {}

    /** The fields a signature covers. */
    public record Signed(String method, String path, String eventId, String eventUser, String token, byte[] body) {}

    /** A parsed header. */
    public record Header(long timestamp, String nonce, String signatureHex) {
        // Compiled once: every delivery from the origin parses a header.
        private static final Pattern TIMESTAMP = Pattern.compile("[0-9]{1,12}");
        private static final Pattern NONCE = Pattern.compile("[A-Za-z0-9_-]{8,64}");
        private static final Pattern SIGNATURE = Pattern.compile("[0-9a-f]{64}");

        public String render() {
            return "t=" + timestamp + ";n=" + nonce + ";v1=" + signatureHex;
        }

        public static Optional<Header> parse(String value) {
            if (value == null || value.length() > 512) {
                return Optional.empty();
            }
            Long t = null;
            String n = null;
            String v = null;
            for (String part : value.split(";")) {
                int eq = part.indexOf('=');
                if (eq < 0) {
                    return Optional.empty();
                }
                String k = part.substring(0, eq).trim();
                String val = part.substring(eq + 1).trim();
                switch (k) {
                    case "t" -> {
                        if (!TIMESTAMP.matcher(val).matches()) {
                            return Optional.empty();
                        }
                        t = Long.parseLong(val);
                    }
                    case "n" -> n = NONCE.matcher(val).matches() ? val : null;
                    case "v1" -> v = SIGNATURE.matcher(val).matches() ? val : null;
                    default -> {
                        // unknown parameters are ignored, for later versions
                    }
                }
            }
            return t == null || n == null || v == null ? Optional.empty() : Optional.of(new Header(t, n, v));
        }
    }

    public static String canonical(Signed s, long timestamp, String nonce) {
        return String.join("\n", SCHEME, s.method(), s.path(), s.eventId(), s.eventUser(), s.token(),
                Long.toString(timestamp), nonce, Hashing.sha256().hashBytes(s.body()).toString());
    }

    public static String newNonce() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return BaseEncoding.base16().lowerCase().encode(b);
    }

    public static Header sign(Signed s, NamedKey key, long timestamp, String nonce) {
        try {
            byte[] tag = key.mac().computeMac(canonical(s, timestamp, nonce).getBytes(StandardCharsets.UTF_8));
            return new Header(timestamp, nonce, BaseEncoding.base16().lowerCase().encode(tag));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC failed with " + key, e);
        }
    }

    /** Lowercase hex HMAC-SHA256 of a text with an hmac key (the {@code hmac:} transform). */
    public static String hmacHex(NamedKey key, String text) {
        try {
            return BaseEncoding.base16().lowerCase().encode(key.mac().computeMac(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC failed with " + key, e);
        }
    }

    public enum Check { VALID, MALFORMED, STALE, BAD_SIGNATURE }

    /**
     * The outcome of {@link #verifyAny}: the check, the key that verified (only when
     * {@link Check#VALID}) and the parsed header (null when {@link Check#MALFORMED}), whose nonce
     * and timestamp a replay check needs.
     */
    public record Verification(Check check, NamedKey key, Header header) {}

    /** Checks a header against the fields; {@code window} bounds the timestamp's distance from now. */
    public static Check verify(String headerValue, Signed s, NamedKey key, Instant now, long windowSeconds) {
        return verifyAny(headerValue, s, List.of(key), now, windowSeconds).check();
    }

    /**
     * Checks a header against the fields with each key in order until one verifies (an edge
     * holds several hmac keys). The header is parsed, the body hashed and the canonical bytes
     * built once for all keys; each key then costs one HMAC and a constant-time compare.
     * {@link Check#MALFORMED} and {@link Check#STALE} do not depend on the key and are answered
     * before any is tried; {@link Check#BAD_SIGNATURE} when no key verifies, or there is none.
     */
    public static Verification verifyAny(String headerValue, Signed s, List<NamedKey> keys, Instant now, long windowSeconds) {
        Optional<Header> parsed = Header.parse(headerValue);
        if (parsed.isEmpty()) {
            return new Verification(Check.MALFORMED, null, null);
        }
        Header h = parsed.get();
        if (Math.abs(now.getEpochSecond() - h.timestamp()) > windowSeconds) {
            return new Verification(Check.STALE, null, h);
        }
        byte[] tag = BaseEncoding.base16().lowerCase().decode(h.signatureHex());
        byte[] canonical = canonical(s, h.timestamp(), h.nonce()).getBytes(StandardCharsets.UTF_8);
        for (NamedKey key : keys) {
            if (macVerifies(key, tag, canonical)) {
                return new Verification(Check.VALID, key, h);
            }
        }
        return new Verification(Check.BAD_SIGNATURE, null, h);
    }

    /**
     * Whether {@code tag} is the key's HMAC of {@code data}, compared in constant time. A keyset
     * of one key computes it and compares ({@link MessageDigest#isEqual}, as Tink does), because
     * Tink's {@code verifyMac} answers a wrong key with two exceptions, stack traces included,
     * which an edge holding several origin keys would pay per delivery for each key before the
     * right one. A rotated keyset (several keys) goes through {@code verifyMac}, which tries them all.
     */
    private static boolean macVerifies(NamedKey key, byte[] tag, byte[] data) {
        try {
            if (key.handle().size() == 1) {
                return MessageDigest.isEqual(key.mac().computeMac(data), tag);
            }
            key.mac().verifyMac(tag, data);
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
