package io.surrogate.engine.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeyStatus;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.jwt.JwtHmacKey;
import java.util.ArrayList;
import java.util.List;

/**
 * One key that verifies tokens: the only algorithm it serves (from its type), its {@code kid}
 * (null: any), the Nimbus verifier made once, and where it came from ({@code users.jwks#k1},
 * {@code key 'api-tokens'}) for traces. Never shows material.
 */
public record JwtKey(JwtAlgorithm algorithm, String kid, JWSVerifier verifier, String origin) {

    /** Every enabled entry of a jwt key of the keyring, so that a rotated-out secret keeps verifying until removed. */
    public static List<JwtKey> fromKeyring(NamedKey key) {
        if (key.purpose() != KeyPurpose.JWT) {
            throw new IllegalArgumentException(key + " is not a jwt key");
        }
        List<JwtKey> out = new ArrayList<>();
        KeysetHandle h = key.handle();
        for (int i = 0; i < h.size(); i++) {
            KeysetHandle.Entry e = h.getAt(i);
            if (e.getStatus() != KeyStatus.ENABLED || !(e.getKey() instanceof JwtHmacKey hmac)) {
                continue;
            }
            try {
                byte[] secret = hmac.getKeyBytes().toByteArray(InsecureSecretKeyAccess.get());
                out.add(new JwtKey(JwtAlgorithm.HS256, hmac.getKid().orElse(null), new MACVerifier(secret), "key '" + key.name() + "'"));
            } catch (JOSEException ex) {
                throw new IllegalStateException(key + " has a secret Nimbus refuses", ex);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return origin + (kid == null ? "" : " kid '" + kid + "'") + " (" + algorithm + ")";
    }
}
