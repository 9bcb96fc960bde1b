package io.surrogate.engine.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import io.surrogate.engine.TestRules;
import io.surrogate.engine.token.JwksFile;
import io.surrogate.engine.token.JwtAlgorithm;
import io.surrogate.engine.token.JwtKey;
import io.surrogate.engine.token.JwtVerifier;
import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.ThrowawayKeys;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * The JWT path: any string as a token is refused with a reason (the keys are made in this JVM,
 * so a token that verifies is a finding), and any text as a JWKS file gives keys or problems;
 * neither ever throws.
 */
class JwtFuzzTest {
    private static final JwtVerifier VERIFIER = verifier();

    private static JwtVerifier verifier() {
        try {
            List<JwtKey> keys = new ArrayList<>(JwtKey.fromKeyring(new ThrowawayKeys().get("api-tokens", KeyPurpose.JWT)));
            ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
            OctetKeyPair ed = new OctetKeyPairGenerator(Curve.Ed25519).keyID("ed-1").generate();
            JwksFile.Result jwks = JwksFile.parse(new JWKSet(List.<com.nimbusds.jose.jwk.JWK>of(ec, ed)).toPublicJWKSet().toString(), "fuzz.jwks");
            assertThat(jwks.problems()).isEmpty();
            keys.addAll(jwks.keys());
            return new JwtVerifier(EnumSet.allOf(JwtAlgorithm.class), keys, "https://id.example.com", "push.example.com", Duration.ofSeconds(60));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void verify(byte[] input) {
        String token = new String(input, StandardCharsets.UTF_8);
        JwtVerifier.Result result = VERIFIER.verify(token, TestRules.NOW);
        if (result.verified()) {
            throw new AssertionError("a fuzzed token verified: " + token);
        }
        assertThat(result.refusal()).isNotBlank();
    }

    @FuzzTest(maxDuration = "30s")
    void jwks(byte[] input) {
        JwksFile.Result result = JwksFile.parse(new String(input, StandardCharsets.UTF_8), "fuzz.jwks");
        assertThat(result.keys().isEmpty() || result.problems().isEmpty()).isTrue();
        assertThat(result.keys().isEmpty() && result.problems().isEmpty()).isFalse();
        assertThat(result.keys()).hasSizeLessThanOrEqualTo(JwksFile.MAX_KEYS);
        for (JwtKey k : result.keys()) {
            assertThat(k.algorithm()).isNotEqualTo(JwtAlgorithm.HS256);
        }
    }
}
