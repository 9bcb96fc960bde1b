package io.surrogate.server.origin;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
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
 *
 * <p>A {@code /subscribe-event} whose rule forwards client headers is signed with version 2
 * ({@code v2=HEX}): {@code surrogate-v2}, the same eight lines, the {@code X-Event-Forwarded}
 * value, and one {@code name:value} line per name it lists, the name lowercase and the value
 * that header's only value as received ({@link #verifyRequest}).
 */
public final class JdkSignature {
    public static final String SCHEME = "surrogate-v1";
    public static final String SCHEME_V2 = "surrogate-v2";
    private static final Pattern FIELD_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9a-z-]{1,128}");
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

    /**
     * The verdict on a request's signature, either version: {@code forwarded} holds the
     * forwarded headers (lowercase name to value) the signature covers, empty for version 1 and
     * for anything not {@link Check#VALID}. Only these may be trusted as the client's.
     */
    public record Verified(Check check, int version, Map<String, String> forwarded) {
        public Verified {
            forwarded = Collections.unmodifiableMap(new LinkedHashMap<>(forwarded));
        }
    }

    /** The version 2 canonical string: version 1's eight lines after its first, X-Event-Forwarded, then name:value lines. */
    public static String canonicalV2(Signed s, String forwardedList, Map<String, String> forwarded, long timestamp, String nonce) {
        StringBuilder out = new StringBuilder(String.join("\n", SCHEME_V2, s.method(), s.path(), s.eventId(), s.user(), s.token(),
                Long.toString(timestamp), nonce, sha256Hex(s.body), forwardedList));
        forwarded.forEach((name, value) -> out.append('\n').append(name).append(':').append(value));
        return out.toString();
    }

    /**
     * Checks a received request's {@code X-Event-Signature} as protocol.md tells an origin to:
     * version 2 when the header has a {@code v2} parameter, else version 1. For version 2 every
     * name in {@code X-Event-Forwarded} must be a lowercase token listed once, and its header
     * must have arrived exactly once; otherwise {@link Check#MALFORMED}.
     *
     * @param headers every value of a header by name (case-insensitive), none: an empty list
     */
    public static Verified verifyRequest(byte[] secret, String header, Signed s, Function<String, List<String>> headers, Instant now) {
        Map<String, String> params = params(header);
        if (params == null) {
            return new Verified(header == null || header.isEmpty() ? Check.MISSING : Check.MALFORMED, 0, Map.of());
        }
        if (!params.containsKey("v2")) {
            return new Verified(verify(secret, header, s, now), 1, Map.of());
        }
        String t = params.get("t");
        String n = params.get("n");
        String v2 = params.get("v2");
        if (t == null || n == null || !TIMESTAMP.matcher(t).matches() || !NONCE.matcher(n).matches() || !HMAC_HEX.matcher(v2).matches()) {
            return new Verified(Check.MALFORMED, 2, Map.of());
        }
        List<String> lists = headers.apply("X-Event-Forwarded");
        if (lists.size() > 1) {
            return new Verified(Check.MALFORMED, 2, Map.of());
        }
        String list = lists.isEmpty() ? "" : lists.get(0);
        Map<String, String> forwarded = new LinkedHashMap<>();
        if (!list.isEmpty()) {
            for (String name : list.split(",", -1)) {
                List<String> values = headers.apply(name);
                if (!FIELD_NAME.matcher(name).matches() || forwarded.containsKey(name) || values.size() != 1) {
                    return new Verified(Check.MALFORMED, 2, Map.of());
                }
                forwarded.put(name, values.get(0));
            }
        }
        long timestamp = Long.parseLong(t);
        byte[] expected = hmac(secret, canonicalV2(s, list, forwarded, timestamp, n));
        if (!MessageDigest.isEqual(expected, HEX.parseHex(v2))) {
            return new Verified(Check.BAD_SIGNATURE, 2, Map.of());
        }
        if (Math.abs(now.getEpochSecond() - timestamp) > WINDOW_SECONDS) {
            return new Verified(Check.STALE, 2, Map.of());
        }
        return new Verified(Check.VALID, 2, forwarded);
    }

    /** The header's parameters by name, or null when it is missing or a part has no '='. */
    private static Map<String, String> params(String header) {
        if (header == null || header.isEmpty()) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : header.split(";", -1)) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                return null;
            }
            out.putIfAbsent(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
        }
        return out;
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
