package io.surrogate.engine.token;

import com.google.crypto.tink.Key;
import com.google.crypto.tink.Parameters;
import com.google.crypto.tink.aead.AesGcmKey;
import com.google.crypto.tink.aead.AesGcmParameters;
import com.google.crypto.tink.jwt.JwtHmacKey;
import com.google.crypto.tink.jwt.JwtHmacParameters;
import com.google.crypto.tink.mac.HmacKey;
import com.google.crypto.tink.mac.HmacParameters;
import java.security.GeneralSecurityException;
import java.util.Optional;

/**
 * What a keyset in the keyring is for. A token key encrypts and authenticates the edge's
 * tokens (AES-256-GCM, Tink prefix: the key id travels in each token, so keys rotate without
 * dropping held subscriptions). An hmac key signs and checks origin requests with plain
 * HMAC-SHA256, no prefix, so an origin checks it with its standard library. A jwt key is a
 * shared HS256 secret that {@code variable:jwt} verifies tokens with (Tink's JWT HMAC key, kid
 * ignored); public keys for the other algorithms come from a JWKS file, not the keyring.
 */
public enum KeyPurpose {
    TOKEN("token", "AES-256-GCM"),
    HMAC("hmac", "HMAC-SHA256"),
    JWT("jwt", "JWT HS256");

    private final String label;
    private final String algorithm;

    KeyPurpose(String label, String algorithm) {
        this.label = label;
        this.algorithm = algorithm;
    }

    public String label() {
        return label;
    }

    public String algorithm() {
        return algorithm;
    }

    public Parameters parameters() throws GeneralSecurityException {
        return switch (this) {
            case TOKEN -> AesGcmParameters.builder()
                    .setKeySizeBytes(32).setIvSizeBytes(12).setTagSizeBytes(16)
                    .setVariant(AesGcmParameters.Variant.TINK).build();
            case HMAC -> HmacParameters.builder()
                    .setKeySizeBytes(32).setTagSizeBytes(32)
                    .setHashType(HmacParameters.HashType.SHA256)
                    .setVariant(HmacParameters.Variant.NO_PREFIX).build();
            case JWT -> JwtHmacParameters.builder()
                    .setKeySizeBytes(32).setAlgorithm(JwtHmacParameters.Algorithm.HS256)
                    .setKidStrategy(JwtHmacParameters.KidStrategy.IGNORED).build();
        };
    }

    public static Optional<KeyPurpose> of(Key key) {
        if (key instanceof AesGcmKey) {
            return Optional.of(TOKEN);
        }
        if (key instanceof HmacKey h && h.getParameters().getVariant() == HmacParameters.Variant.NO_PREFIX
                && h.getParameters().getHashType() == HmacParameters.HashType.SHA256) {
            return Optional.of(HMAC);
        }
        if (key instanceof JwtHmacKey j && j.getParameters().getAlgorithm() == JwtHmacParameters.Algorithm.HS256) {
            return Optional.of(JWT);
        }
        return Optional.empty();
    }

    public static Optional<KeyPurpose> byLabel(String label) {
        for (KeyPurpose p : values()) {
            if (p.label.equals(label)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
