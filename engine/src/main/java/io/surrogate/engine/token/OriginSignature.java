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
 *
 * <p>A {@code /subscribe-event} whose rule forwards client headers or cookies to the origin
 * ({@code <forward-to-origin>}) is signed with version 2 instead: the header is
 * {@code t=TIMESTAMP;n=NONCE;v2=HEX}, and the canonical string starts with
 * {@code surrogate-v2}, has the same eight lines after it, then the {@code X-Event-Forwarded}
 * value (the forwarded headers' lowercase names joined by {@code ,}; an empty line when none
 * was forwarded) and one line {@code name:value} per forwarded header, in that list's order.
 * A forwarded value is printable ASCII without CR or LF ({@link Forwarded}), so no line can
 * hide another. Deliveries and {@code /unsubscribe-event} stay version 1.
 */
public final class OriginSignature {
    public static final String SCHEME = "surrogate-v1";
    /** The first line of a version 2 canonical string: a subscribe that forwards client headers. */
    public static final String SCHEME_V2 = "surrogate-v2";
    private static final SecureRandom RANDOM = new SecureRandom();

    private OriginSignature() {}

    /** The fields a signature covers. */
    public record Signed(String method, String path, String eventId, String eventUser, String token, byte[] body) {}

    /**
     * A client header the edge forwards to the origin, as sent: {@code name} as the rule spells
     * it (the canonical string lowercases it), {@code value} 1 to 8192 characters from 0x20 to
     * 0x7E, no space at either end (see {@code OriginForwarding}, which alone makes them).
     */
    public record Forwarded(String name, String value) {
        public Forwarded {
            if (name.isEmpty() || value.isEmpty() || value.charAt(0) == ' ' || value.charAt(value.length() - 1) == ' ') {
                throw new IllegalArgumentException("empty or space-padded forwarded header " + name);
            }
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                // an HTTP token: no ':' or ',' can move a boundary between a name and its value or the list
                if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0)) {
                    throw new IllegalArgumentException("forwarded header name is not an HTTP token");
                }
            }
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c < 0x20 || c > 0x7e) {
                    throw new IllegalArgumentException("forwarded header " + name + " holds a character outside printable ASCII");
                }
            }
        }

        public String lowerName() {
            return name.toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The {@code X-Event-Forwarded} value: the forwarded headers' lowercase names joined by {@code ,}, "" for none. */
    public static String forwardedList(List<Forwarded> forwarded) {
        StringBuilder out = new StringBuilder();
        for (Forwarded f : forwarded) {
            if (out.length() > 0) {
                out.append(',');
            }
            out.append(f.lowerName());
        }
        return out.toString();
    }

    /** A parsed header; {@code version} 1 ({@code v1=}) or 2 ({@code v2=}). */
    public record Header(long timestamp, String nonce, String signatureHex, int version) {
        public Header(long timestamp, String nonce, String signatureHex) {
            this(timestamp, nonce, signatureHex, 1);
        }

        public String render() {
            return "t=" + timestamp + ";n=" + nonce + ";v" + version + "=" + signatureHex;
        }

        /** A version 1 header (deliveries, unsubscribes, subscribes that forward nothing). */
        public static Optional<Header> parse(String value) {
            return parse(value, 1);
        }

        /** A header of the given version: its {@code v1} or {@code v2} parameter; the other one is ignored. */
        public static Optional<Header> parse(String value, int version) {
            String versionKey = version == 2 ? "v2" : "v1";
            // by hand, not split and patterns: every delivery parses one, and this allocates only the two strings kept
            if (value == null || value.length() > 512) {
                return Optional.empty();
            }
            long t = -1;
            String n = null;
            String v = null;
            int at = 0;
            int end = value.length();
            while (at <= end) {
                if (onlySemicolons(value, at, end)) {
                    break; // trailing ';' are ignored (as String.split ignored them)
                }
                int semi = value.indexOf(';', at);
                int partEnd = semi < 0 ? end : semi;
                int eq = value.indexOf('=', at);
                if (eq < 0 || eq >= partEnd) {
                    return Optional.empty();
                }
                int keyFrom = skipSpace(value, at, eq);
                int keyTo = trimEnd(value, keyFrom, eq);
                int valFrom = skipSpace(value, eq + 1, partEnd);
                int valTo = trimEnd(value, valFrom, partEnd);
                if (value.regionMatches(keyFrom, "t", 0, 1) && keyTo - keyFrom == 1) {
                    if (valTo - valFrom < 1 || valTo - valFrom > 12 || !all(value, valFrom, valTo, Header::isDigit)) {
                        return Optional.empty();
                    }
                    t = Long.parseLong(value, valFrom, valTo, 10);
                } else if (value.regionMatches(keyFrom, "n", 0, 1) && keyTo - keyFrom == 1) {
                    n = valTo - valFrom >= 8 && valTo - valFrom <= 64 && all(value, valFrom, valTo, Header::isNonceChar)
                            ? value.substring(valFrom, valTo) : null;
                } else if (value.regionMatches(keyFrom, versionKey, 0, 2) && keyTo - keyFrom == 2) {
                    v = valTo - valFrom == 64 && all(value, valFrom, valTo, Header::isLowerHex) ? value.substring(valFrom, valTo) : null;
                }
                // unknown parameters are ignored, for later versions
                if (semi < 0) {
                    break;
                }
                at = semi + 1;
            }
            return t < 0 || n == null || v == null ? Optional.empty() : Optional.of(new Header(t, n, v, version == 2 ? 2 : 1));
        }

        private static boolean onlySemicolons(String s, int from, int to) {
            for (int i = from; i < to; i++) {
                if (s.charAt(i) != ';') {
                    return false;
                }
            }
            return true;
        }

        private interface CharTest {
            boolean test(char c);
        }

        private static boolean all(String s, int from, int to, CharTest test) {
            for (int i = from; i < to; i++) {
                if (!test.test(s.charAt(i))) {
                    return false;
                }
            }
            return true;
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }

        private static boolean isLowerHex(char c) {
            return isDigit(c) || c >= 'a' && c <= 'f';
        }

        private static boolean isNonceChar(char c) {
            return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-';
        }

        /** String.trim's notion of space: every char up to U+0020. */
        private static int skipSpace(String s, int from, int to) {
            while (from < to && s.charAt(from) <= ' ') {
                from++;
            }
            return from;
        }

        private static int trimEnd(String s, int from, int to) {
            while (to > from && s.charAt(to - 1) <= ' ') {
                to--;
            }
            return to;
        }
    }

    public static String canonical(Signed s, long timestamp, String nonce) {
        return String.join("\n", SCHEME, s.method(), s.path(), s.eventId(), s.eventUser(), s.token(),
                Long.toString(timestamp), nonce, Hashing.sha256().hashBytes(s.body()).toString());
    }

    /** The version 2 canonical string, for a subscribe that forwards {@code forwarded} (possibly none of them present). */
    public static String canonical(Signed s, List<Forwarded> forwarded, long timestamp, String nonce) {
        StringBuilder out = new StringBuilder(SCHEME_V2.length() + 400);
        out.append(SCHEME_V2).append('\n').append(s.method()).append('\n').append(s.path()).append('\n')
                .append(s.eventId()).append('\n').append(s.eventUser()).append('\n').append(s.token()).append('\n')
                .append(timestamp).append('\n').append(nonce).append('\n')
                .append(Hashing.sha256().hashBytes(s.body()).toString()).append('\n')
                .append(forwardedList(forwarded));
        for (Forwarded f : forwarded) {
            out.append('\n').append(f.lowerName()).append(':').append(f.value());
        }
        return out.toString();
    }

    /** Signs a subscribe that forwards client headers: a version 2 header. */
    public static Header sign(Signed s, List<Forwarded> forwarded, NamedKey key, long timestamp, String nonce) {
        try {
            byte[] tag = key.mac().computeMac(canonical(s, forwarded, timestamp, nonce).getBytes(StandardCharsets.UTF_8));
            return new Header(timestamp, nonce, BaseEncoding.base16().lowerCase().encode(tag), 2);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC failed with " + key, e);
        }
    }

    /** Checks a version 2 header (its {@code v2} parameter) against the fields and the forwarded headers. */
    public static Check verify(String headerValue, Signed s, List<Forwarded> forwarded, NamedKey key, Instant now, long windowSeconds) {
        Optional<Header> parsed = Header.parse(headerValue, 2);
        if (parsed.isEmpty()) {
            return Check.MALFORMED;
        }
        Header h = parsed.get();
        if (Math.abs(now.getEpochSecond() - h.timestamp()) > windowSeconds) {
            return Check.STALE;
        }
        byte[] tag = BaseEncoding.base16().lowerCase().decode(h.signatureHex());
        return macVerifies(key, tag, canonical(s, forwarded, h.timestamp(), h.nonce()).getBytes(StandardCharsets.UTF_8))
                ? Check.VALID : Check.BAD_SIGNATURE;
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    /**
     * The canonical string's UTF-8 bytes, built straight into one array: the same bytes as
     * {@code canonical(...).getBytes(UTF_8)} (a test holds them equal) without the string, its
     * parts and the hash's objects, since every delivery builds one.
     */
    public static byte[] canonicalBytes(Signed s, long timestamp, String nonce) {
        String[] ascii = {SCHEME, s.method(), s.path(), s.eventId(), s.eventUser(), s.token(), Long.toString(timestamp), nonce};
        int length = 64 + ascii.length; // the hash's hex, and a LF after each other line
        for (String part : ascii) {
            for (int i = 0; i < part.length(); i++) {
                if (part.charAt(i) > 0x7f) {
                    return canonical(s, timestamp, nonce).getBytes(StandardCharsets.UTF_8);
                }
            }
            length += part.length();
        }
        byte[] out = new byte[length];
        int at = 0;
        for (String part : ascii) {
            for (int i = 0; i < part.length(); i++) {
                out[at++] = (byte) part.charAt(i);
            }
            out[at++] = '\n';
        }
        byte[] hash = SHA256.get().digest(s.body());
        for (byte b : hash) {
            out[at++] = HEX[(b >> 4) & 0xf];
            out[at++] = HEX[b & 0xf];
        }
        return out;
    }

    private static final ThreadLocal<java.security.MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
    });

    public static String newNonce() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return BaseEncoding.base16().lowerCase().encode(b);
    }

    public static Header sign(Signed s, NamedKey key, long timestamp, String nonce) {
        try {
            byte[] tag = key.mac().computeMac(canonicalBytes(s, timestamp, nonce));
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
        byte[] canonical = canonicalBytes(s, h.timestamp(), h.nonce());
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
