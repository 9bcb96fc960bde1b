package io.surrogate.engine.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import io.surrogate.engine.CompileResult;
import io.surrogate.engine.RuleCompiler;
import io.surrogate.engine.TestRules;
import io.surrogate.engine.diag.Diagnostic;
import io.surrogate.engine.diag.Severity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The compiler's checks of {@code variable:jwt}: codes and positions, and what it prints back. */
class JwtCompileTest {
    @TempDir
    static Path dir;
    static Keyring keyring;

    @BeforeAll
    static void keyring() throws Exception {
        Keyring.write(dir.resolve("keys"), "api-tokens", TinkKeys.generate(KeyPurpose.JWT));
        Keyring.write(dir.resolve("keys"), "origin", TinkKeys.generate(KeyPurpose.HMAC));
        keyring = Keyring.open(dir.resolve("keys"));
    }

    /** The jwt element at line 6, column 5, with a JWKS file of these keys beside the rule file. */
    static CompileResult compile(String attributes, String jwks) throws Exception {
        Path sub = Files.createTempDirectory(dir, "case");
        if (jwks != null) {
            Files.writeString(sub.resolve("k.jwks"), jwks);
        }
        Path file = sub.resolve("rules.xml");
        Files.writeString(file, TestRules.rules("""
                  <match:uri.path value="/x">
                    <variable:jwt %s/>
                    <edgeservices:response.header name="X-User" value="$(USER)"/>
                  </match:uri.path>
                """.formatted(attributes)));
        return new RuleCompiler(keyring).compilePaths(List.of(file));
    }

    static List<String> errors(CompileResult r) {
        return r.diagnostics().stream().filter(d -> d.severity() == Severity.ERROR)
                .map(d -> d.code() + " " + d.position().line() + ":" + d.position().column() + " " + d.message()).toList();
    }

    static String set(com.nimbusds.jose.jwk.JWK... keys) {
        return new JWKSet(List.of(keys)).toString(false);
    }

    @Test
    void aGoodRuleCompilesAndPrintsOnlyWhatIsNotDefault() throws Exception {
        ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("e").generate();
        CompileResult r = compile("algorithms=\"ES256 HS256\" jwks=\"k.jwks\" keys=\"api-tokens\" clock-skew=\"60s\" status=\"401\" claims=\"USER=sub\"",
                set(ec.toPublicJWK()));
        assertThat(errors(r)).isEmpty();
        assertThat(((CompileResult.Success) r).ruleSet().canonicalXml())
                .contains("<variable:jwt algorithms=\"HS256 ES256\" jwks=\"k.jwks\" keys=\"api-tokens\" claims=\"USER=sub\"/>");
        CompileResult cookie = compile("from=\"cookie\" key=\"session\" algorithms=\"HS256\" keys=\"api-tokens\" clock-skew=\"0s\" "
                + "status=\"403\" issuer=\"i\" audience=\"a\" claims=\"USER=sub\"", null);
        assertThat(((CompileResult.Success) cookie).ruleSet().canonicalXml()).contains("<variable:jwt from=\"cookie\" key=\"session\" "
                + "algorithms=\"HS256\" keys=\"api-tokens\" issuer=\"i\" audience=\"a\" clock-skew=\"0s\" claims=\"USER=sub\" status=\"403\"/>");
    }

    @Test
    void aJwksWithASecretAPrivateKeyOrAWeakKeyIsRefused() throws Exception {
        OctetSequenceKey oct = new OctetSequenceKeyGenerator(256).keyID("s").generate();
        OctetKeyPair privateEd = new OctetKeyPairGenerator(Curve.Ed25519).keyID("p").generate();
        RSAKey weak = new RSAKeyGenerator(1024, true).keyID("w").generate();
        ECKey encryption = new ECKeyGenerator(Curve.P_256).keyID("enc").keyUse(KeyUse.ENCRYPTION).generate();
        ECKey p384 = new ECKeyGenerator(Curve.P_384).keyID("big").generate();
        assertThat(errors(compile("algorithms=\"ES256\" jwks=\"k.jwks\" claims=\"USER=sub\"", set(oct))))
                .containsExactly("E305 6:38 'k.jwks' key 's' is a shared secret (kty oct); a JWKS file holds public keys only, an HS256 secret belongs in the keyring");
        assertThat(errors(compile("algorithms=\"EdDSA\" jwks=\"k.jwks\" claims=\"USER=sub\"", set(privateEd))))
                .containsExactly("E305 6:38 'k.jwks' key 'p' holds private key material; publish only the public key (the edge only verifies)");
        assertThat(errors(compile("algorithms=\"RS256\" jwks=\"k.jwks\" claims=\"USER=sub\"", set(weak.toPublicJWK()))))
                .containsExactly("E305 6:38 'k.jwks' key 'w' is an RSA key of 1024 bits; at least 2048");
        assertThat(errors(compile("algorithms=\"ES256\" jwks=\"k.jwks\" claims=\"USER=sub\"", set(encryption.toPublicJWK()))))
                .containsExactly("E305 6:38 'k.jwks' key 'enc' is for use 'enc', not 'sig'");
        assertThat(errors(compile("algorithms=\"ES256\" jwks=\"k.jwks\" claims=\"USER=sub\"", set(p384.toPublicJWK()))))
                .containsExactly("E305 6:38 'k.jwks' key 'big' is a EC key on curve P-384; supported: RSA (RS256), EC P-256 (ES256), OKP Ed25519 (EdDSA)");
        assertThat(errors(compile("algorithms=\"ES256\" jwks=\"k.jwks\" claims=\"USER=sub\"", "{\"keys\": 1}")))
                .containsExactly("E305 6:38 JWKS file 'k.jwks' is not a JWK set ({\"keys\": [...]})");
        assertThat(errors(compile("algorithms=\"ES256\" jwks=\"k.jwks\" claims=\"USER=sub\"", " ".repeat(JwksFile.MAX_BYTES + 1))))
                .containsExactly("E305 6:38 JWKS file 'k.jwks' is larger than 64 KiB");
    }

    @Test
    void tooManyKeysAreRefused() throws Exception {
        ECKey ec = new ECKeyGenerator(Curve.P_256).generate();
        com.nimbusds.jose.jwk.JWK[] many = new com.nimbusds.jose.jwk.JWK[JwksFile.MAX_KEYS + 1];
        java.util.Arrays.fill(many, ec.toPublicJWK());
        assertThat(errors(compile("algorithms=\"ES256\" jwks=\"k.jwks\" claims=\"USER=sub\"", set(many))))
                .containsExactly("E305 6:38 JWKS file 'k.jwks' has 33 keys; at most 32");
    }

    @Test
    void everyAllowedAlgorithmNeedsAKeyOfItsType() throws Exception {
        ECKey ec = new ECKeyGenerator(Curve.P_256).generate();
        assertThat(errors(compile("algorithms=\"ES256 RS256\" jwks=\"k.jwks\" claims=\"USER=sub\"", set(ec.toPublicJWK()))))
                .containsExactly("E306 6:19 no key verifies RS256; RS256 needs an RSA public key of 2048 bits or more");
        // a keyring secret serves HS256 only, never ES256
        assertThat(errors(compile("algorithms=\"ES256\" keys=\"api-tokens\" claims=\"USER=sub\"", null)))
                .containsExactly("E306 6:19 no key verifies ES256; ES256 needs an EC P-256 public key");
        assertThat(errors(compile("algorithms=\"HS256\" keys=\"origin\" claims=\"USER=sub\"", null)))
                .containsExactly("E302 6:44 key 'origin' is an hmac key; variable:jwt needs a jwt key");
    }

    @Test
    void badAttributesAreReportedWhereTheyAre() throws Exception {
        assertThat(errors(compile("algorithms=\"HS256 none\" keys=\"api-tokens\" claims=\"USER=sub\"", null)))
                .extracting(e -> e.substring(0, 10)).containsExactly("E105 6:19 ");
        assertThat(errors(compile("algorithms=\"HS256\" keys=\"api-tokens\" clock-skew=\"10m\" claims=\"USER=sub\"", null)))
                .containsExactly("E211 6:56 duration 10m for attribute 'clock-skew' is out of range");
        assertThat(errors(compile("algorithms=\"HS256\" keys=\"api-tokens\" claims=\"USER=sub USER:tenant\"", null)))
                .containsExactly("E207 6:73 invalid claim mapping 'USER:tenant'");
        assertThat(errors(compile("algorithms=\"HS256\" keys=\"api-tokens\" status=\"302\" claims=\"USER=sub\"", null)))
                .containsExactly("E211 6:56 value 302 is out of range");
        assertThat(errors(compile("from=\"cookie\" algorithms=\"HS256\" keys=\"api-tokens\" claims=\"USER=sub\"", null)))
                .containsExactly("E212 6:5 from=\"cookie\" needs a key");
        assertThat(errors(compile("algorithms=\"HS256\" keys=\"api-tokens\" issuer=\" \" claims=\"USER=sub\"", null)))
                .containsExactly("E105 6:56 empty issuer");
    }

    @Test
    void aVariableOnlyAJwtDefinesIsInScopeAfterIt() throws Exception {
        CompileResult r = compile("algorithms=\"HS256\" keys=\"api-tokens\"", null);
        assertThat(r.diagnostics()).extracting(Diagnostic::code).extracting(Enum::name).contains("E201");
    }
}
