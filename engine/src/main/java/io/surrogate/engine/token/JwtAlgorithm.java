package io.surrogate.engine.token;

import com.nimbusds.jose.JWSAlgorithm;
import java.util.Optional;

/**
 * The JWS algorithms {@code variable:jwt} accepts, each bound to one key type: an HS256 token
 * is checked only with a shared secret, never with the bytes of a public key (no alg
 * confusion). {@code none} is not among them.
 */
public enum JwtAlgorithm {
    HS256(JWSAlgorithm.HS256, "a jwt (HS256 secret) key of the keyring"),
    ES256(JWSAlgorithm.ES256, "an EC P-256 public key"),
    RS256(JWSAlgorithm.RS256, "an RSA public key of 2048 bits or more"),
    EdDSA(JWSAlgorithm.EdDSA, "an Ed25519 public key (OKP)");

    private final JWSAlgorithm jws;
    private final String keyType;

    JwtAlgorithm(JWSAlgorithm jws, String keyType) {
        this.jws = jws;
        this.keyType = keyType;
    }

    JWSAlgorithm jws() {
        return jws;
    }

    /** What key verifies it, for diagnostics. */
    public String keyType() {
        return keyType;
    }

    /** By its {@code alg} name, exactly as JOSE writes it. */
    public static Optional<JwtAlgorithm> byName(String name) {
        for (JwtAlgorithm a : values()) {
            if (a.name().equals(name)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }
}
