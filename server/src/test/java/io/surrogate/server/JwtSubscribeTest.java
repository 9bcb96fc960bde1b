package io.surrogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.surrogate.server.origin.Received;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real edge and a real origin with a {@code variable:jwt} rule: a verified token's subject is
 * the user the origin is asked to subscribe; a forged, expired (on the edge's manual clock) or
 * missing token is answered 401 by the edge, and the origin never hears of it.
 */
class JwtSubscribeTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    static Path dir;
    static ECKey issuerKey;
    static Path jwks;

    @BeforeAll
    static void issuer() throws Exception {
        issuerKey = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
        jwks = dir.resolve("issuer.jwks");
        Files.writeString(jwks, new JWKSet(issuerKey.toPublicJWK()).toString());
    }

    static String rules() {
        return """
                <rules xmlns="urn:surrogate:rules:1" xmlns:match="urn:surrogate:match:1"
                       xmlns:variable="urn:surrogate:variable:1" xmlns:edgeservices="urn:surrogate:edgeservices:1">
                  <match:uri.path value="/feed">
                    <variable:jwt algorithms="ES256" jwks="%s" audience="push.example.com" claims="USER=sub"/>
                    <edgeservices:event.handle-subscription>
                      <token><key>tok</key></token>
                      <user>$(USER)</user>
                      <event-id>feed-$(USER)</event-id>
                      <transport>long-poll</transport>
                    </edgeservices:event.handle-subscription>
                  </match:uri.path>
                </rules>
                """.formatted(jwks.toAbsolutePath());
    }

    static String token(ECKey key, String subject, Instant expires) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("k1").build(),
                new JWTClaimsSet.Builder().subject(subject).audience("push.example.com").expirationTime(Date.from(expires)).build());
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    @Test
    void aVerifiedSubjectIsTheUserTheOriginSubscribes() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(rules())) {
            String token = token(issuerKey, "alice", f.clock.instant().plusSeconds(600));
            CompletableFuture<HttpResponse<String>> answer = f.http.sendAsync(
                    java.net.http.HttpRequest.newBuilder(f.client("/feed")).header("Authorization", "Bearer " + token).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            Received sub = f.origin.awaitReceived("/subscribe-event", 1, WAIT).get(0);
            assertThat(sub.user()).isEqualTo("alice");
            assertThat(sub.eventId()).isEqualTo("feed-alice");
            assertThat(EdgeFixture.eventually(WAIT, () -> f.edge.heldConnections() == 1)).isTrue();
            assertThat(f.origin.deliver(sub.token(), sub.eventId(), sub.user(), "hello".getBytes(StandardCharsets.UTF_8)).status())
                    .isEqualTo(200);
            assertThat(answer.get().statusCode()).isEqualTo(200);
            assertThat(answer.get().body()).isEqualTo("hello");
        }
    }

    @Test
    void aBadTokenIsRefusedAtTheEdgeAndTheOriginNeverHearsOfIt() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(rules())) {
            ECKey forger = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
            Instant now = f.clock.instant();
            HttpResponse<String> forged = f.get(f.client("/feed"), "Authorization", "Bearer " + token(forger, "alice", now.plusSeconds(600)));
            assertThat(forged.statusCode()).isEqualTo(401);
            assertThat(forged.body()).isEqualTo("invalid token\n");
            assertThat(forged.headers().firstValue("WWW-Authenticate")).hasValue("Bearer error=\"invalid_token\"");

            HttpResponse<String> missing = f.get(f.client("/feed"));
            assertThat(missing.statusCode()).isEqualTo(401);
            assertThat(missing.body()).isEqualTo("missing token\n");
            assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");

            HttpResponse<String> garbage = f.get(f.client("/feed"), "Authorization", "Bearer e30.e30." + "A".repeat(9000));
            assertThat(garbage.statusCode()).isEqualTo(401);

            // valid now; expired once the edge's clock has moved past exp and the 60 s skew
            String shortLived = token(issuerKey, "alice", now.plusSeconds(30));
            f.advance(Duration.ofSeconds(90));
            HttpResponse<String> expired = f.get(f.client("/feed"), "Authorization", "Bearer " + shortLived);
            assertThat(expired.statusCode()).isEqualTo(401);
            assertThat(expired.body()).isEqualTo("invalid token\n");

            assertThat(f.origin.received()).as("requests the origin received").isEmpty();
            assertThat(f.edge.subscriptions()).isZero();
        }
    }
}
