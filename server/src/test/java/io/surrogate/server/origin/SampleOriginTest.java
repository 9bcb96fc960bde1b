package io.surrogate.server.origin;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.engine.token.OriginSignature;
import io.surrogate.engine.token.ThrowawayKeys;
import io.surrogate.engine.token.TinkKeys;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sample origin against the engine: what the engine signs the origin accepts, what the
 * origin signs the engine verifies, over real HTTP on loopback, with a JDK HttpServer standing
 * in for the edge's origin listener.
 */
class SampleOriginTest {
    static final String TOKEN = "v1.tokens.AAECAwQFBgcICQoLDA0ODw";
    static final byte[] MAIL = "You've got mail!".getBytes(StandardCharsets.UTF_8);

    final NamedKey key = new ThrowawayKeys().get("origin", KeyPurpose.HMAC);
    final byte[] secret = TinkKeys.hmacSecret(key);
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    final BlockingQueue<Captured> atEdge = new LinkedBlockingQueue<>();
    volatile int edgeStatus = 200;
    volatile String edgeBody = "delivered\n1\n";
    HttpServer edge;
    SampleOrigin origin;

    /** A request the stand-in edge received. */
    record Captured(String method, String path, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    @BeforeEach
    void start() throws IOException {
        edge = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        edge.createContext("/", exchange -> {
            atEdge.add(new Captured(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                    Map.copyOf(exchange.getRequestHeaders()), exchange.getRequestBody().readAllBytes()));
            byte[] body = edgeBody.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(edgeStatus, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        edge.start();
        URI edgeUri = URI.create("http://127.0.0.1:" + edge.getAddress().getPort());
        origin = new SampleOrigin(new InetSocketAddress("127.0.0.1", 0), secret, edgeUri).start();
    }

    @AfterEach
    void stop() {
        origin.close();
        edge.stop(0);
    }

    // --- the signature itself ---

    @Test
    void theOriginsSignatureAgreesWithTheEngines() {
        List<OriginSignature.Signed> inputs = List.of(
                new OriginSignature.Signed("POST", "/deliver-event", "2", "B", TOKEN, MAIL),
                new OriginSignature.Signed("POST", "/subscribe-event", "2", "B", TOKEN, new byte[0]),
                new OriginSignature.Signed("POST", "/deliver-event", "quote:BSC", "", "", "BSC: 78.34".getBytes(StandardCharsets.UTF_8)),
                new OriginSignature.Signed("POST", "/api/unsubscribe-event", "caf%C3%A9", "Zo%C3%AB", TOKEN, new byte[0]),
                new OriginSignature.Signed("POST", "/deliver-event", "bin", "u", TOKEN, new byte[] {0, -1, 10, 13, 127}));
        long t = 1_795_953_600L;
        for (OriginSignature.Signed s : inputs) {
            JdkSignature.Signed mine = new JdkSignature.Signed(s.method(), s.path(), s.eventId(), s.eventUser(), s.token(), s.body());
            String nonce = OriginSignature.newNonce();

            assertThat(JdkSignature.canonical(mine, t, nonce)).isEqualTo(OriginSignature.canonical(s, t, nonce));
            assertThat(JdkSignature.sign(secret, mine, t, nonce)).as("%s", s.path())
                    .isEqualTo(OriginSignature.sign(s, key, t, nonce).render());
            assertThat(OriginSignature.verify(JdkSignature.sign(secret, mine, t, nonce), s, key, Instant.ofEpochSecond(t), 300))
                    .isEqualTo(OriginSignature.Check.VALID);
            assertThat(JdkSignature.verify(secret, OriginSignature.sign(s, key, t, nonce).render(), mine, Instant.ofEpochSecond(t + 299)))
                    .isEqualTo(JdkSignature.Check.VALID);
        }
    }

    @Test
    void theEmptyBodyDigestIsTheDocumentedOne() {
        assertThat(JdkSignature.sha256Hex(new byte[0])).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void malformedAndStaleHeadersAreToldApart() {
        JdkSignature.Signed s = new JdkSignature.Signed("POST", "/subscribe-event", "2", "B", TOKEN, new byte[0]);
        Instant now = Instant.ofEpochSecond(1_795_953_600L);
        String good = JdkSignature.sign(secret, s, now.getEpochSecond(), "0123456789abcdef");

        assertThat(JdkSignature.verify(secret, null, s, now)).isEqualTo(JdkSignature.Check.MISSING);
        assertThat(JdkSignature.verify(secret, "t=1;n=short;v1=00", s, now)).isEqualTo(JdkSignature.Check.MALFORMED);
        assertThat(JdkSignature.verify(secret, good.toUpperCase(), s, now)).isEqualTo(JdkSignature.Check.MALFORMED);
        assertThat(JdkSignature.verify(secret, good, s, now.plusSeconds(301))).isEqualTo(JdkSignature.Check.STALE);
        assertThat(JdkSignature.verify(secret, good, s, now.minusSeconds(301))).isEqualTo(JdkSignature.Check.STALE);
        assertThat(JdkSignature.verify(secret, good.replace("t=", "x=1;t="), s, now)).isEqualTo(JdkSignature.Check.VALID);
        assertThat(JdkSignature.verify("another secret".getBytes(StandardCharsets.UTF_8), good, s, now))
                .isEqualTo(JdkSignature.Check.BAD_SIGNATURE);
    }

    // --- subscribe and unsubscribe, signed by the engine ---

    HttpResponse<String> fromEdge(String path, String eventId, String user, String token, long t) throws Exception {
        OriginSignature.Signed s = new OriginSignature.Signed("POST", path, eventId, user, token, new byte[0]);
        return fromEdge(path, eventId, user, token, OriginSignature.sign(s, key, t, OriginSignature.newNonce()).render());
    }

    HttpResponse<String> fromEdge(String path, String eventId, String user, String token, String signature) throws Exception {
        return http.send(request(path, eventId, user, token, signature), HttpResponse.BodyHandlers.ofString());
    }

    HttpRequest request(String path, String eventId, String user, String token, String signature) {
        HttpRequest.Builder b = HttpRequest.newBuilder(origin.baseUri().resolve(path))
                .POST(HttpRequest.BodyPublishers.noBody())
                .header("X-Event-Id", eventId).header("X-Event-User", user).header("X-Event-Token", token);
        if (signature != null) {
            b.header("X-Event-Signature", signature);
        }
        return b.build();
    }

    static long now() {
        return Instant.now().getEpochSecond();
    }

    @Test
    void aSubscribeSignedByTheEngineIsAcceptedAndRemembered() throws Exception {
        HttpResponse<String> r = fromEdge("/subscribe-event", "2", "B", TOKEN, now());

        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(origin.subscribes()).singleElement().satisfies(got -> {
            assertThat(got.signatureVerified()).isTrue();
            assertThat(got.method()).isEqualTo("POST");
            assertThat(got.eventId()).isEqualTo("2");
            assertThat(got.user()).isEqualTo("B");
            assertThat(got.token()).isEqualTo(TOKEN);
            assertThat(got.header("x-event-signature")).startsWith("t=");
        });
        assertThat(origin.subscriptions()).singleElement()
                .satisfies(s -> assertThat(List.of(s.token(), s.eventId(), s.user())).containsExactly(TOKEN, "2", "B"));
    }

    @Test
    void aSubscribeWithAnEmptyUserKeepsTheEmptyHeader() throws Exception {
        assertThat(fromEdge("/subscribe-event", "quote:BSC", "", TOKEN, now()).statusCode()).isEqualTo(202);
        assertThat(origin.subscribes().get(0).user()).isEmpty();
    }

    @Test
    void tamperedSubscribesAre401AndNotRemembered() throws Exception {
        long t = now();
        String signed = OriginSignature.sign(new OriginSignature.Signed("POST", "/subscribe-event", "2", "B", TOKEN, new byte[0]),
                key, t, OriginSignature.newNonce()).render();

        assertThat(fromEdge("/subscribe-event", "2", "C", TOKEN, signed).statusCode()).isEqualTo(401);
        assertThat(fromEdge("/subscribe-event", "3", "B", TOKEN, signed).statusCode()).isEqualTo(401);
        assertThat(fromEdge("/subscribe-event", "2", "B", TOKEN + "x", signed).statusCode()).isEqualTo(401);
        assertThat(fromEdge("/unsubscribe-event", "2", "B", TOKEN, signed).statusCode()).isEqualTo(401);
        assertThat(fromEdge("/subscribe-event", "2", "B", TOKEN, (String) null).statusCode()).isEqualTo(401);
        HttpResponse<String> stale = fromEdge("/subscribe-event", "2", "B", TOKEN, t - 301);
        assertThat(stale.statusCode()).isEqualTo(401);
        assertThat(stale.body()).isEqualTo("stale-signature");
        NamedKey other = new ThrowawayKeys().get("origin", KeyPurpose.HMAC);
        String foreign = OriginSignature.sign(new OriginSignature.Signed("POST", "/subscribe-event", "2", "B", TOKEN, new byte[0]),
                other, t, OriginSignature.newNonce()).render();
        HttpResponse<String> bad = fromEdge("/subscribe-event", "2", "B", TOKEN, foreign);
        assertThat(bad.statusCode()).isEqualTo(401);
        assertThat(bad.body()).isEqualTo("bad-signature");

        assertThat(origin.received()).hasSize(7).noneMatch(Received::signatureVerified);
        assertThat(origin.subscriptions()).isEmpty();
    }

    @Test
    void anUnsubscribeIsAcknowledgedAndForgetsTheToken() throws Exception {
        fromEdge("/subscribe-event", "2", "B", TOKEN, now());
        HttpResponse<String> r = fromEdge("/unsubscribe-event", "2", "B", TOKEN, now());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(origin.unsubscribes()).singleElement().matches(Received::signatureVerified);
        assertThat(origin.subscriptions()).isEmpty();
    }

    @Test
    void otherPathsAndMethodsAreRefused() throws Exception {
        assertThat(fromEdge("/subscribe-eventx", "2", "B", TOKEN, now()).statusCode()).isEqualTo(404);
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(origin.baseUri().resolve("/subscribe-event")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);
    }

    // --- answer policies ---

    @Test
    void thePolicyCanRejectWithABody() throws Exception {
        origin.setSubscribeAnswer(r -> new Answer(403, "application/json", "{\"error\":\"mailbox closed\"}", 0));
        HttpResponse<String> r = fromEdge("/subscribe-event", "2", "B", TOKEN, now());

        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(r.body()).isEqualTo("{\"error\":\"mailbox closed\"}");
        assertThat(origin.subscriptions()).isEmpty();
    }

    @Test
    void thePolicyCanFailOrAnswerTheWrong2xx() throws Exception {
        origin.setSubscribeAnswer(r -> r.user().equals("broken") ? Answer.text(500, "down") : Answer.ok());
        origin.setUnsubscribeAnswer(r -> Answer.text(503, "busy"));

        assertThat(fromEdge("/subscribe-event", "2", "broken", TOKEN, now()).statusCode()).isEqualTo(500);
        assertThat(fromEdge("/subscribe-event", "2", "B", TOKEN, now()).statusCode()).isEqualTo(200);
        assertThat(fromEdge("/unsubscribe-event", "2", "B", TOKEN, now()).statusCode()).isEqualTo(503);
        assertThat(origin.subscriptions()).isEmpty();
        assertThat(origin.received()).hasSize(3).allMatch(Received::signatureVerified);
    }

    @Test
    void aSlowAnswerDoesNotHoldUpTheOthers() throws Exception {
        origin.setSubscribeAnswer(r -> r.user().equals("slow") ? Answer.accepted().delayedBy(Duration.ofSeconds(3)) : Answer.accepted());
        OriginSignature.Signed s = new OriginSignature.Signed("POST", "/subscribe-event", "2", "slow", TOKEN, new byte[0]);
        CompletableFuture<HttpResponse<String>> slow = http.sendAsync(
                request("/subscribe-event", "2", "slow", TOKEN, OriginSignature.sign(s, key, now(), OriginSignature.newNonce()).render()),
                HttpResponse.BodyHandlers.ofString());
        assertThat(origin.awaitReceived("/subscribe-event", 1, Duration.ofSeconds(10))).hasSize(1);

        for (int i = 0; i < 10; i++) {
            assertThat(fromEdge("/subscribe-event", "2", "fast" + i, TOKEN + i, now()).statusCode()).isEqualTo(202);
        }
        assertThat(slow).isNotDone();
        assertThat(slow.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(202);
    }

    // --- deliveries ---

    @Test
    void aDeliveryReachesTheEdgeSignedSoTheEngineVerifiesIt() throws Exception {
        Delivery d = origin.deliver(TOKEN, "2", "B", MAIL);

        assertThat(d.status()).isEqualTo(200);
        assertThat(d.word()).isEqualTo("delivered");
        Captured c = atEdge.poll(10, TimeUnit.SECONDS);
        assertThat(c).isNotNull();
        assertThat(c.method()).isEqualTo("POST");
        assertThat(c.path()).isEqualTo("/deliver-event");
        assertThat(c.header("X-Event-Id")).isEqualTo("2");
        assertThat(c.header("X-Event-User")).isEqualTo("B");
        assertThat(c.header("X-Event-Token")).isEqualTo(TOKEN);
        assertThat(c.header("Content-Type")).isEqualTo("text/plain; charset=utf-8");
        assertThat(c.body()).isEqualTo(MAIL);
        assertThat(engineVerifies(c)).isEqualTo(OriginSignature.Check.VALID);
    }

    OriginSignature.Check engineVerifies(Captured c) {
        return OriginSignature.verify(c.header("X-Event-Signature"), new OriginSignature.Signed(c.method(), c.path(),
                c.header("X-Event-Id"), c.header("X-Event-User"), c.header("X-Event-Token"), c.body()), key, Instant.now(), 300);
    }

    @Test
    void aFanOutSendsEmptyUserAndToken() throws Exception {
        origin.fanOut("quote:BSC", "BSC: 78.34".getBytes(StandardCharsets.UTF_8));

        Captured c = atEdge.poll(10, TimeUnit.SECONDS);
        assertThat(c.header("X-Event-User")).isEmpty();
        assertThat(c.header("X-Event-Token")).isEmpty();
        assertThat(engineVerifies(c)).isEqualTo(OriginSignature.Check.VALID);
    }

    @Test
    void anEdgeUnderAPathGetsThePathSignedAsSent() throws Exception {
        origin.setEdge(URI.create("http://127.0.0.1:" + edge.getAddress().getPort() + "/edge/"));
        origin.deliver(TOKEN, "2", "B", MAIL);

        Captured c = atEdge.poll(10, TimeUnit.SECONDS);
        assertThat(c.path()).isEqualTo("/edge/deliver-event");
        assertThat(engineVerifies(c)).isEqualTo(OriginSignature.Check.VALID);
    }

    @Test
    void forgedDeliveriesFailTheEnginesCheck() throws Exception {
        Outgoing good = origin.outgoing(TOKEN, "2", "B", MAIL);
        origin.send(good.withSecret("not the secret".getBytes(StandardCharsets.UTF_8)));
        origin.send(good.withSentBody("You've got spam!".getBytes(StandardCharsets.UTF_8)));
        origin.send(good.withTimestamp(good.timestamp() - 3600));
        origin.send(good.withSignature("t=1;n=x;v1=y"));
        origin.send(good.withSignature(""));

        assertThat(engineVerifies(atEdge.take())).isEqualTo(OriginSignature.Check.BAD_SIGNATURE);
        assertThat(engineVerifies(atEdge.take())).isEqualTo(OriginSignature.Check.BAD_SIGNATURE);
        assertThat(engineVerifies(atEdge.take())).isEqualTo(OriginSignature.Check.STALE);
        assertThat(engineVerifies(atEdge.take())).isEqualTo(OriginSignature.Check.MALFORMED);
        assertThat(atEdge.take().header("X-Event-Signature")).isNull();
    }

    @Test
    void sendingTheSameOutgoingTwiceReplaysItsNonce() throws Exception {
        Outgoing once = origin.outgoing(TOKEN, "2", "B", MAIL);
        origin.send(once);
        origin.send(once);

        Captured first = atEdge.take();
        Captured second = atEdge.take();
        assertThat(second.header("X-Event-Signature")).isEqualTo(first.header("X-Event-Signature"));
        assertThat(engineVerifies(second)).isEqualTo(OriginSignature.Check.VALID);
        assertThat(origin.outgoing(TOKEN, "2", "B", MAIL).nonce()).isNotEqualTo(once.nonce());
    }

    @Test
    void aTokenIsForgottenWhenTheEdgeHasNoSubscriberOrItExpired() throws Exception {
        fromEdge("/subscribe-event", "2", "B", TOKEN, now());
        fromEdge("/subscribe-event", "2", "B", TOKEN + "2", now());
        fromEdge("/subscribe-event", "2", "B", TOKEN + "3", now());

        origin.deliver(TOKEN, "2", "B", MAIL);
        edgeStatus = 404;
        edgeBody = "no-subscriber\n";
        origin.deliver(TOKEN + "2", "2", "B", MAIL);
        edgeStatus = 410;
        edgeBody = "expired-token\n";
        origin.deliver(TOKEN + "3", "2", "B", MAIL);

        assertThat(origin.subscriptions()).extracting(Subscription::token).containsExactly(TOKEN);
    }

    @Test
    void aRepeatableTokenIsKeptAfterItsDelivery() throws Exception {
        fromEdge("/subscribe-event", "2", "B", TOKEN, now());

        assertThat(origin.deliverTo("2", "B", MAIL)).extracting(Delivery::status).containsExactly(200);
        assertThat(origin.deliverTo("2", "B", MAIL)).extracting(Delivery::status).containsExactly(200);
        assertThat(origin.subscriptions()).extracting(Subscription::token).containsExactly(TOKEN);
    }

    @Test
    void aOneShotTokenIsForgottenOnceDeliveredOrQueuedAndTheNextSubscribeIsLearnt() throws Exception {
        origin.setOneShot(true);
        fromEdge("/subscribe-event", "2", "B", TOKEN, now());

        assertThat(origin.deliverTo("2", "B", MAIL)).extracting(Delivery::status).containsExactly(200);
        assertThat(atEdge.take().header("X-Event-Token")).isEqualTo(TOKEN);
        assertThat(origin.subscriptions()).as("a delivered one-shot token is spent").isEmpty();
        // a second mail before the client subscribes again reaches nobody, and no spent token goes to the edge (it would answer 404)
        assertThat(origin.deliverTo("2", "B", MAIL)).isEmpty();
        assertThat(atEdge).isEmpty();

        fromEdge("/subscribe-event", "2", "B", TOKEN + "2", now());
        edgeStatus = 202;
        edgeBody = "queued\n";
        assertThat(origin.deliverTo("2", "B", MAIL)).extracting(Delivery::status).containsExactly(202);
        assertThat(atEdge.take().header("X-Event-Token")).isEqualTo(TOKEN + "2");
        assertThat(origin.subscriptions()).as("a queued one-shot token is spent too").isEmpty();
    }

    @Test
    void deliverToReachesEveryLiveSubscriptionOfThatUserAndEvent() throws Exception {
        fromEdge("/subscribe-event", "2", "B", TOKEN, now());
        fromEdge("/subscribe-event", "2", "B", TOKEN + "2", now());
        fromEdge("/subscribe-event", "2", "C", TOKEN + "3", now());

        assertThat(origin.deliverTo("2", "B", MAIL)).hasSize(2).allMatch(d -> d.status() == 200);
        assertThat(List.of(atEdge.take().header("X-Event-Token"), atEdge.take().header("X-Event-Token")))
                .containsExactlyInAnyOrder(TOKEN, TOKEN + "2");
    }

    @Test
    void theMailTimerWritesToEveryLiveSubscriptionAndStops() throws Exception {
        fromEdge("/subscribe-event", "2", "B", TOKEN, now());
        origin.startMailTimer(Duration.ofMillis(50));

        Captured c = atEdge.poll(10, TimeUnit.SECONDS);
        assertThat(c).isNotNull();
        // rounds 50 ms apart send asynchronously: under load round 2's mail may arrive first
        assertThat(new String(c.body(), StandardCharsets.UTF_8)).matches("You've got mail! #\\d+ at \\d\\d:\\d\\d(:\\d\\d)?"); // LocalTime leaves out :00
        assertThat(engineVerifies(c)).isEqualTo(OriginSignature.Check.VALID);
        origin.stopMailTimer();
    }

    @Test
    void closeLeavesNoThreadBehind() throws Exception {
        origin.startMailTimer(Duration.ofMillis(10));
        origin.close();
        new SampleOrigin(new InetSocketAddress("127.0.0.1", 0), secret, null).close();

        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("sample-origin") && t.isAlive());
    }
}
