package io.surrogate.engine.token;

import io.surrogate.engine.token.TokenException.Reason;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * Mints and opens {@code X-Event-Token}s with Tink AEAD (AES-256-GCM): the claims are
 * encrypted, so user ids do not leak to clients, and authenticated, so no one but an edge
 * with the key can make one. Format: {@code v1.KEYNAME.BASE64URL(ciphertext)}; the key name
 * is bound as associated data, and Tink's 5-byte prefix in the ciphertext names the key id
 * inside the keyset, which is what lets keys rotate under held subscriptions.
 */
public final class TinkTokenCodec {
    public static final String VERSION = "v1";
    /** Tokens longer than this are refused before any crypto. */
    public static final int MAX_TOKEN_LENGTH = 2048;
    /** Tolerated clock difference between edges for a token's issue time. */
    public static final long CLOCK_SKEW_SECONDS = 60;

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private TinkTokenCodec() {}

    public static String mint(TokenClaims claims, NamedKey key) {
        try {
            byte[] ciphertext = key.aead().encrypt(claims.toJson().getBytes(StandardCharsets.UTF_8), associatedData(key.name()));
            return VERSION + "." + key.name() + "." + ENCODER.encodeToString(ciphertext);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed with " + key, e);
        }
    }

    /**
     * The length of the token {@link #mint} makes of these claims with a key of this name, or
     * more by 7 characters when the key has no Tink prefix: {@code v1.NAME.} and the base64url
     * of the ciphertext (a 5-byte key prefix, a 12-byte IV, the claims' JSON in UTF-8, a 16-byte tag).
     */
    public static int mintedLength(TokenClaims claims, String keyName) {
        int ciphertext = 5 + 12 + claims.toJson().getBytes(StandardCharsets.UTF_8).length + 16;
        int base64 = ciphertext / 3 * 4 + (ciphertext % 3 == 0 ? 0 : ciphertext % 3 + 1);
        return VERSION.length() + 1 + keyName.length() + 1 + base64;
    }

    /** The key name a token claims to be made with, without opening it. */
    public static Optional<String> keyName(String token) {
        if (token == null || token.length() > MAX_TOKEN_LENGTH || !token.startsWith(VERSION + ".")) {
            return Optional.empty();
        }
        int dot = token.indexOf('.', VERSION.length() + 1);
        if (dot < 0) {
            return Optional.empty();
        }
        String name = token.substring(VERSION.length() + 1, dot);
        return Keyring.NAME.matcher(name).matches() ? Optional.of(name) : Optional.empty();
    }

    /** Decrypts and authenticates a token; does not check expiry or edge (see {@link #verify}). */
    public static TokenClaims open(String token, KeySource keys) throws TokenException {
        String name = keyName(token).orElseThrow(() -> new TokenException(Reason.MALFORMED, "token is not of the form v1.KEY.DATA"));
        NamedKey key = keys.find(name).orElseThrow(() -> new TokenException(Reason.UNKNOWN_KEY, "token names key '" + name + "', which this edge does not have"));
        if (key.purpose() != KeyPurpose.TOKEN) {
            throw new TokenException(Reason.UNKNOWN_KEY, "token names key '" + name + "', which is not a token key");
        }
        String data = token.substring(VERSION.length() + name.length() + 2);
        byte[] ciphertext;
        try {
            ciphertext = DECODER.decode(data);
        } catch (IllegalArgumentException e) {
            throw new TokenException(Reason.MALFORMED, "token data is not base64url");
        }
        // The decoder ignores the unused low bits of the last character and accepts padding, so
        // several texts decode to one ciphertext; only the one mint() writes is a token.
        if (!ENCODER.encodeToString(ciphertext).equals(data)) {
            throw new TokenException(Reason.MALFORMED, "token data is not canonical base64url");
        }
        byte[] plaintext;
        try {
            plaintext = key.aead().decrypt(ciphertext, associatedData(name));
        } catch (GeneralSecurityException e) {
            throw new TokenException(Reason.BAD_AUTHENTICATION, "token does not authenticate with key '" + name + "'");
        }
        return TokenClaims.fromJson(new String(plaintext, StandardCharsets.UTF_8))
                .orElseThrow(() -> new TokenException(Reason.MALFORMED, "token claims are incomplete"));
    }

    /** Opens a token and checks that it is current and was minted by this edge. */
    public static TokenClaims verify(String token, KeySource keys, String edgeId, Instant now) throws TokenException {
        TokenClaims claims = open(token, keys);
        if (claims.expiredAt(now)) {
            throw new TokenException(Reason.EXPIRED, "token expired at " + Instant.ofEpochSecond(claims.expiresAt()));
        }
        if (claims.issuedAt() > now.getEpochSecond() + CLOCK_SKEW_SECONDS) {
            throw new TokenException(Reason.NOT_YET_VALID, "token issued in the future, at " + Instant.ofEpochSecond(claims.issuedAt()));
        }
        if (!claims.edgeId().equals(edgeId)) {
            throw new TokenException(Reason.FOREIGN_EDGE, "token belongs to edge '" + claims.edgeId() + "' at " + claims.edgeAddress());
        }
        return claims;
    }

    private static byte[] associatedData(String keyName) {
        return ("surrogate-token-v1|" + keyName).getBytes(StandardCharsets.UTF_8);
    }
}
