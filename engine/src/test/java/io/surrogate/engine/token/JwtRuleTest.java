package io.surrogate.engine.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.surrogate.engine.CompileResult;
import io.surrogate.engine.Decision;
import io.surrogate.engine.EdgeEnvironment;
import io.surrogate.engine.Evaluation;
import io.surrogate.engine.RuleCompiler;
import io.surrogate.engine.RuleSet;
import io.surrogate.engine.TestRules;
import io.surrogate.engine.diag.Diagnostic;
import io.surrogate.engine.diag.DiagnosticCode;
import io.surrogate.engine.eval.TraceEntry;
import io.surrogate.engine.request.EdgeRequest;
import io.surrogate.engine.request.Headers;
import io.surrogate.engine.request.RawHttpRequest;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code variable:jwt} end to end in the engine: real keys (a Tink jwt key in a keyring, RSA,
 * EC and Ed25519 keys in a JWKS file beside the rule file), tokens signed with Nimbus, rules
 * compiled from files and evaluated at an injected clock.
 */
class JwtRuleTest {
    static final Instant NOW = TestRules.NOW;
    static final String ISSUER = "https://id.example.com";
    static final String AUDIENCE = "push.example.com";

    @TempDir
    static Path dir;

    static byte[] hsSecret;
    static RSAKey rsa;
    static ECKey ec1;
    static ECKey ec2;
    static OctetKeyPair ed;
    static RuleSet rules;

    @BeforeAll
    static void keysAndRules() throws Exception {
        Path keys = dir.resolve("keys");
        Keyring.write(keys, "api-tokens", TinkKeys.generate(KeyPurpose.JWT));
        Keyring.write(keys, "feed-token", TinkKeys.generate(KeyPurpose.TOKEN));
        Keyring.write(keys, "origin", TinkKeys.generate(KeyPurpose.HMAC));
        Keyring ring = Keyring.open(keys);
        hsSecret = TinkKeys.jwtSecret(ring.find("api-tokens").orElseThrow());
        rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        ec1 = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
        ec2 = new ECKeyGenerator(Curve.P_256).keyID("ec-2").generate();
        ed = new OctetKeyPairGenerator(Curve.Ed25519).keyID("ed-1").generate();
        Files.writeString(dir.resolve("issuer.jwks"), new JWKSet(List.of(rsa, ec1, ec2, ed)).toPublicJWKSet().toString());
        Path file = dir.resolve("rules.xml");
        Files.writeString(file, TestRules.rules("""
                  <match:uri.path value="/feed">
                    <variable:jwt algorithms="HS256 ES256 RS256 EdDSA" jwks="issuer.jwks" keys="api-tokens"
                                  issuer="https://id.example.com" audience="push.example.com" claims="USER=sub TENANT=tenant"/>
                    <edgeservices:event.handle-subscription>
                      <token><key>feed-token</key></token>
                      <user>$(USER)</user>
                      <event-id>feed-$(TENANT)</event-id>
                    </edgeservices:event.handle-subscription>
                  </match:uri.path>
                """));
        CompileResult result = new RuleCompiler(ring).compilePaths(List.of(file));
        assertThat(result.hasErrors()).as(result.render()).isFalse();
        rules = ((CompileResult.Success) result).ruleSet();
    }

    static JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder().subject("alice").claim("tenant", "acme").issuer(ISSUER).audience(AUDIENCE)
                .expirationTime(Date.from(NOW.plusSeconds(300)));
    }

    static String sign(JWSAlgorithm alg, String kid, JWSSigner signer, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).build(), claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    static String es256(ECKey key, String kid, UnaryOperator<JWTClaimsSet.Builder> edit) throws Exception {
        return sign(JWSAlgorithm.ES256, kid, new ECDSASigner(key), edit.apply(claims()).build());
    }

    static EdgeRequest request(String authorization) {
        Headers.Builder h = Headers.builder().add("Host", "push.example.com");
        if (authorization != null) {
            h.add("Authorization", authorization);
        }
        try {
            return RawHttpRequest.build("GET", "/feed", h.build(), new byte[0], InetAddress.getByName("127.0.0.1"), 40000);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static Evaluation at(Instant now, String authorization) {
        EdgeEnvironment env = new EdgeEnvironment("edge-1", "127.0.0.1:8080", InstantSource.fixed(now));
        Evaluation fast = rules.evaluate(request(authorization), env);
        Evaluation traced = rules.trace(request(authorization), env);
        assertThat(traced.decision()).isEqualTo(fast.decision());
        return traced;
    }

    static Evaluation bearer(String token) {
        return at(NOW, "Bearer " + token);
    }

    static String jwtTrace(Evaluation e) {
        return e.trace().orElseThrow().entries().stream().filter(t -> t.statement().startsWith("<variable:jwt"))
                .map(t -> t.result().label() + ": " + t.detail()).findFirst().orElseThrow();
    }

    static void assertSubscribed(Evaluation e, String user) {
        assertThat(e.decision().outcome()).as(jwtTrace(e)).isInstanceOf(Decision.Subscribe.class);
        assertThat(e.variables()).containsEntry("USER", user).containsEntry("TENANT", "acme");
    }

    static void assertRefused(Evaluation e, String reason) {
        assertThat(e.decision().outcome()).isInstanceOf(Decision.Respond.class);
        Decision.Respond r = (Decision.Respond) e.decision().outcome();
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.body()).isIn("invalid token\n", "missing token\n");
        assertThat(e.variables()).doesNotContainKeys("USER", "TENANT");
        assertThat(jwtTrace(e)).startsWith("failed: ").contains(reason);
    }

    // ---- every algorithm -------------------------------------------------------------

    @Test
    void hs256WithTheKeyringSecretVerifies() throws Exception {
        Evaluation e = bearer(sign(JWSAlgorithm.HS256, null, new MACSigner(hsSecret), claims().build()));
        assertSubscribed(e, "alice");
        assertThat(jwtTrace(e)).contains("verified by key 'api-tokens' (HS256)");
    }

    @Test
    void es256Rs256AndEdDsaFromTheJwksVerify() throws Exception {
        assertSubscribed(bearer(es256(ec1, "ec-1", b -> b)), "alice");
        assertSubscribed(bearer(sign(JWSAlgorithm.RS256, "rsa-1", new RSASSASigner(rsa), claims().subject("bob").build())), "bob");
        Evaluation eddsa = bearer(sign(JWSAlgorithm.EdDSA, "ed-1", new Ed25519Signer(ed), claims().subject("carol").build()));
        assertSubscribed(eddsa, "carol");
        assertThat(jwtTrace(eddsa)).contains("verified by issuer.jwks kid 'ed-1' (EdDSA)");
    }

    @Test
    void aTokenWithoutKidTriesEveryKeyOfItsAlgorithm() throws Exception {
        assertSubscribed(bearer(es256(ec2, null, b -> b)), "alice");
    }

    @Test
    void theBearerSchemeIsCaseInsensitiveAndTheSubjectReachesTheOrigin() throws Exception {
        Evaluation e = at(NOW, "bearer  " + es256(ec1, "ec-1", b -> b));
        assertSubscribed(e, "alice");
        Decision.Subscribe s = (Decision.Subscribe) e.decision().outcome();
        assertThat(s.plan().toString()).isNotEmpty();
    }

    // ---- keys -------------------------------------------------------------------------

    @Test
    void theKidChoosesTheKey() throws Exception {
        Evaluation right = bearer(es256(ec2, "ec-2", b -> b));
        assertSubscribed(right, "alice");
        assertThat(jwtTrace(right)).contains("kid 'ec-2'");
        assertRefused(bearer(es256(ec2, "ec-1", b -> b)), "bad signature (ES256, tried 1 key)");
        assertRefused(bearer(es256(ec1, "ec-9", b -> b)), "no ES256 key with kid 'ec-9'");
    }

    @Test
    void aKeyTheEdgeDoesNotKnowFails() throws Exception {
        ECKey stranger = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
        assertRefused(bearer(es256(stranger, "ec-1", b -> b)), "bad signature");
        assertRefused(bearer(sign(JWSAlgorithm.HS256, null, new MACSigner(new byte[32]), claims().build())), "bad signature (HS256, tried 1 key)");
        OctetKeyPair otherEd = new OctetKeyPairGenerator(Curve.Ed25519).generate();
        assertRefused(bearer(sign(JWSAlgorithm.EdDSA, null, new Ed25519Signer(otherEd), claims().build())), "bad signature");
    }

    @Test
    void algNoneIsNeverAccepted() throws Exception {
        String header = b64("{\"alg\":\"none\"}");
        String payload = b64(claims().build().toString());
        assertRefused(bearer(header + "." + payload + "."), "malformed token");
        assertRefused(bearer(header + "." + payload + ".AAAA"), "alg 'none' is never accepted");
        assertRefused(bearer(b64("{\"alg\":\"NONE\"}") + "." + payload + ".AAAA"), "alg 'none' is never accepted");
    }

    @Test
    void anHs256TokenMacedWithAPublicKeyDoesNotVerify() throws Exception {
        // the classic confusion: HMAC keyed with the bytes of the RSA (or EC) public key the edge holds
        byte[] rsaPublic = rsa.toRSAPublicKey().getEncoded();
        byte[] rsaJwk = rsa.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8);
        byte[] ecJwk = ec1.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8);
        for (byte[] bytes : List.of(rsaPublic, rsaJwk, ecJwk)) {
            assertRefused(bearer(sign(JWSAlgorithm.HS256, "rsa-1", new MACSigner(bytes), claims().build())), "bad signature (HS256, tried 1 key)");
        }
        // and an RS256 token does not go to the HS256 secret, nor ES256 to the RSA key
        assertRefused(bearer(sign(JWSAlgorithm.RS256, "ec-1", new RSASSASigner(rsa), claims().build())), "no RS256 key with kid 'ec-1'");
    }

    @Test
    void anAlgorithmTheRuleDoesNotAllowIsRefused() throws Exception {
        String hs384 = sign(JWSAlgorithm.HS384, null, new MACSigner(new byte[48]), claims().build());
        assertRefused(bearer(hs384), "alg 'HS384' is not allowed (allowed: HS256 ES256 RS256 EdDSA)");
    }

    @Test
    void anyFlippedCharacterFails() throws Exception {
        String token = sign(JWSAlgorithm.EdDSA, "ed-1", new Ed25519Signer(ed), claims().build());
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for (int i = 0; i < token.length(); i++) {
            int v = alphabet.indexOf(token.charAt(i));
            if (v < 0) {
                continue; // a '.'
            }
            // the top bit of a base64url digit is always data, never padding
            String flipped = token.substring(0, i) + alphabet.charAt(v ^ 32) + token.substring(i + 1);
            Evaluation e = rules.evaluate(request("Bearer " + flipped), TestRules.ENV);
            assertThat(e.decision().outcome()).as("flipped at %d", i).isInstanceOf(Decision.Respond.class);
        }
    }

    // ---- time ---------------------------------------------------------------------------

    @Test
    void expiryHonoursTheSkewToTheSecond() throws Exception {
        String token = es256(ec1, "ec-1", b -> b.expirationTime(Date.from(NOW)));
        assertSubscribed(at(NOW, "Bearer " + token), "alice");
        assertSubscribed(at(NOW.plusSeconds(59), "Bearer " + token), "alice");
        assertRefused(at(NOW.plusSeconds(60), "Bearer " + token), "token expired at 2026-11-29T12:00:00Z");
        assertRefused(at(NOW.plus(Duration.ofDays(1)), "Bearer " + token), "token expired");
    }

    @Test
    void notBeforeHonoursTheSkewToTheSecond() throws Exception {
        String token = es256(ec1, "ec-1", b -> b.notBeforeTime(Date.from(NOW.plusSeconds(60))));
        assertSubscribed(at(NOW, "Bearer " + token), "alice");
        assertRefused(at(NOW.minusSeconds(1), "Bearer " + token), "token not valid before 2026-11-29T12:01:00Z");
    }

    @Test
    void aTokenWithoutExpIsRefused() throws Exception {
        assertRefused(bearer(es256(ec1, "ec-1", b -> b.expirationTime(null))), "token has no exp");
    }

    // ---- issuer, audience, claims ------------------------------------------------------------

    @Test
    void issuerAndAudienceMustMatch() throws Exception {
        assertRefused(bearer(es256(ec1, "ec-1", b -> b.issuer("https://evil.example"))), "issuer 'https://evil.example' is not 'https://id.example.com'");
        assertRefused(bearer(es256(ec1, "ec-1", b -> b.issuer(null))), "token has no iss");
        assertRefused(bearer(es256(ec1, "ec-1", b -> b.audience("other.example.com"))), "audience ['other.example.com'] does not include 'push.example.com'");
        assertRefused(bearer(es256(ec1, "ec-1", b -> b.audience((String) null))), "token has no aud");
        assertSubscribed(bearer(es256(ec1, "ec-1", b -> b.audience(List.of("other.example.com", AUDIENCE)))), "alice");
    }

    @Test
    void aMissingClaimIsARefusalAndANumberIsText() throws Exception {
        assertRefused(bearer(es256(ec1, "ec-1", b -> b.claim("tenant", null))), "verified token has no string, number or boolean claim 'tenant'");
        assertRefused(bearer(es256(ec1, "ec-1", b -> b.claim("tenant", List.of("a")))), "claim 'tenant'");
        Evaluation numeric = bearer(es256(ec1, "ec-1", b -> b.subject(null).claim("sub", 42)));
        assertThat(numeric.decision().outcome()).isInstanceOf(Decision.Subscribe.class);
        assertThat(numeric.variables()).containsEntry("USER", "42");
    }

    // ---- malformed input ---------------------------------------------------------------

    @Test
    void aMissingTokenAsksForOne() {
        Evaluation e = at(NOW, null);
        assertRefused(e, "no token in header 'Authorization'");
        assertThat(((Decision.Respond) e.decision().outcome()).body()).isEqualTo("missing token\n");
        assertThat(e.decision().responseHeaders()).contains(new Decision.HeaderField("WWW-Authenticate", "Bearer"));
        assertThat(bearer("x").decision().responseHeaders())
                .contains(new Decision.HeaderField("WWW-Authenticate", "Bearer error=\"invalid_token\""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"x", "a.b", "a.b.c.d", "a.b.c.d.e", "...", "e30.e30.", "e30.e30.AA", "!!!.e30.AA", "e30=.e30.AA",
            "eyJhbGciOiJFUzI1NiJ9.bm90IGpzb24.AA", "eyJhbGciOiJFUzI1NiJ9.W10.AA", "eyJhbGciOjF9.e30.AA",
            "eyJhbGciOiJFUzI1NiJ9.e30.AA", "eyJhbGciOiJFUzI1NiJ9.eyJleHAiOiJzb29uIn0.AA",
            "eyJhbGciOiJFUzI1NiIsImNyaXQiOlsiYiJdfQ.e30.AA", "eyJhbGciOiJFUzI1NiIsImtpZCI6MX0.e30.AA",
            "eyJhbGciOiJFUzI1NiJ9.e30x.AA", "eyJhbGciOiJFUzI1NiJ9.W1tbW1tbW1tbW1tbW1tbW1tbXV1dXV1dXV1dXV1dXV1dXV1d.AA"})
    void garbageIsRefusedWithAReason(String token) {
        Evaluation e = bearer(token);
        assertThat(e.decision().outcome()).isInstanceOf(Decision.Respond.class);
        assertThat(((Decision.Respond) e.decision().outcome()).status()).isEqualTo(401);
        assertThat(jwtTrace(e)).startsWith("failed: ");
    }

    @Test
    void anOverlongTokenIsRefusedBeforeDecoding() throws Exception {
        String big = es256(ec1, "ec-1", b -> b.claim("pad", "p".repeat(9000)));
        assertRefused(bearer(big), "token longer than 8192 characters");
        String deep = b64("{\"alg\":\"ES256\"}") + "." + b64("{\"a\":" + "[".repeat(40) + "]".repeat(40) + "}") + ".AA";
        assertRefused(bearer(deep), "malformed token claims");
    }

    // ---- dry run ---------------------------------------------------------------------------

    @Test
    void theTraceShowsTheVerifiedClaims() throws Exception {
        Evaluation e = bearer(es256(ec1, "ec-1", b -> b));
        List<TraceEntry> entries = e.trace().orElseThrow().entries();
        TraceEntry jwt = entries.stream().filter(t -> t.statement().startsWith("<variable:jwt")).findFirst().orElseThrow();
        assertThat(jwt.result()).isEqualTo(TraceEntry.Result.SET);
        assertThat(jwt.detail()).isEqualTo("USER = \"alice\", TENANT = \"acme\" (verified by issuer.jwks kid 'ec-1' (ES256); "
                + "claims [aud, exp, iss, sub, tenant], exp 2026-11-29T12:05:00Z)");
        assertThat(jwt.statement()).startsWith("<variable:jwt algorithms=\"HS256 ES256 RS256 EdDSA\" jwks=\"issuer.jwks\" keys=\"api-tokens\"");
    }

    static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
