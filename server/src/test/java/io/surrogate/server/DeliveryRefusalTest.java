package io.surrogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.token.TinkTokenCodec;
import io.surrogate.engine.token.TokenClaims;
import io.surrogate.server.origin.Delivery;
import io.surrogate.server.origin.JdkSignature;
import io.surrogate.server.origin.Outgoing;
import io.surrogate.server.origin.Received;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * Every refusal of {@code /deliver-event} in docs/protocol.md ("Answers to /deliver-event"),
 * each with its own status and body word, against a client held over SSE and one parked
 * over long-poll. None of them reaches a client: after all of them, one good delivery
 * arrives, and it is the first event each client sees (its id ends in {@code -1}).
 */
class DeliveryRefusalTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * {@code /sub}: repeatable over SSE, 1 s heartbeats (a client that leaves is unsubscribed
     * one heartbeat later); {@code /poll}: one-shot over long-poll, with a poll long enough to
     * stay parked through every refusal. Both for a user, with the default origin key.
     */
    static final String RULES = """
            <rules xmlns="urn:surrogate:rules:1" xmlns:match="urn:surrogate:match:1"
                   xmlns:variable="urn:surrogate:variable:1" xmlns:edgeservices="urn:surrogate:edgeservices:1">
              <match:uri.path value="/sub">
                <variable:extract from="query" key="e" name="EVENT" required="true"/>
                <variable:extract from="query" key="u" name="USER" required="true"/>
                <edgeservices:event.handle-subscription>
                  <token><key>tok</key></token>
                  <user>$(USER)</user>
                  <event-id>$(EVENT)</event-id>
                  <subscription-type>repeatable</subscription-type>
                  <transport>sse</transport>
                  <heartbeat>1s</heartbeat>
                </edgeservices:event.handle-subscription>
              </match:uri.path>
              <match:uri.path value="/poll">
                <variable:extract from="query" key="e" name="EVENT" required="true"/>
                <variable:extract from="query" key="u" name="USER" required="true"/>
                <edgeservices:event.handle-subscription>
                  <token><key>tok</key></token>
                  <user>$(USER)</user>
                  <event-id>$(EVENT)</event-id>
                  <subscription-type>one-shot</subscription-type>
                  <transport>long-poll</transport>
                  <heartbeat>60s</heartbeat>
                </edgeservices:event.handle-subscription>
              </match:uri.path>
            </rules>
            """;

    /** A held subscription as the origin knows it. */
    record Target(String token, String eventId, String user) {}

    /** One way to spoil a delivery to {@code target}, and the answer the contract gives it. */
    record Refusal(String name, Function<Target, Outgoing> delivery, int status, String word) {}

    @Test
    void everyRefusalHasItsOwnStatusAndWordAndReachesNoClient() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(RULES)) {
            RawClient sse = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            assertThat(sse.status).isEqualTo(200);
            CompletableFuture<RawClient> poll = CompletableFuture.supplyAsync(() -> open(f, "/poll?e=2&u=P"));
            List<Received> subscribes = f.origin.awaitReceived("/subscribe-event", 2, WAIT);
            assertThat(subscribes).hasSize(2);
            assertThat(EdgeFixture.eventually(WAIT, () -> f.edge.heldConnections() == 2)).isTrue();
            Target sseTarget = target(subscribes, "B");
            Target pollTarget = target(subscribes, "P");

            SoftAssertions softly = new SoftAssertions();
            for (Target t : List.of(sseTarget, pollTarget)) {
                for (Refusal r : refusals(f)) {
                    Delivery d = f.origin.send(r.delivery().apply(t));
                    softly.assertThat(d.status()).as("%s (user %s): status of %s", r.name(), t.user(), d.body()).isEqualTo(r.status());
                    softly.assertThat(d.word()).as("%s (user %s): word", r.name(), t.user()).isEqualTo(r.word());
                    softly.assertThat(d.header("Content-Type")).as("%s: content type", r.name()).startsWith("text/plain");
                    if (r.status() == 421) {
                        softly.assertThat(d.header("X-Event-Edge")).as("%s: where the token's edge is", r.name())
                                .isEqualTo("10.0.0.2:9090");
                    }
                    if (r.status() == 405) {
                        softly.assertThat(d.header("Allow")).as("%s: Allow", r.name()).isEqualTo("POST");
                    }
                }
            }
            // a fan-out signed with a key that no subscriber's rule names reaches nobody
            Delivery fan = f.origin.send(f.origin.outgoing("", "2", "", bytes("to all")).withSecret(f.otherSecret));
            softly.assertThat(fan.status()).as("fan-out signed with other-origin").isEqualTo(404);
            softly.assertThat(fan.word()).isEqualTo("no-subscriber");
            softly.assertAll();
            assertThat(f.edge.heldConnections()).as("every refusal left both clients held").isEqualTo(2);
            assertThat(poll).as("the long-poll is still parked").isNotDone();

            // the first event each client sees is the good one, numbered 1
            Outgoing good = f.origin.outgoing(sseTarget.token(), "2", "B", bytes("good"));
            Delivery delivered = f.origin.send(good);
            assertThat(delivered.status()).isEqualTo(200);
            assertThat(delivered.body()).isEqualTo("delivered\n1\n");
            RawClient.Event first = sse.nextEvent(WAIT);
            assertThat(first).isNotNull();
            assertThat(first.data()).isEqualTo("good");
            assertThat(first.id()).endsWith("-1");

            Outgoing goodPoll = f.origin.outgoing(pollTarget.token(), "2", "P", bytes("good poll"));
            assertThat(f.origin.send(goodPoll).status()).isEqualTo(200);
            RawClient answer = poll.get();
            assertThat(answer.status).isEqualTo(200);
            assertThat(answer.header("Last-Event-ID")).endsWith("-1");
            assertThat(answer.nextLine(WAIT)).isEqualTo("good poll");

            // the same request again is a replay: refused, and it reaches nobody
            Delivery replay = f.origin.send(good);
            assertThat(replay.status()).isEqualTo(409);
            assertThat(replay.word()).isEqualTo("replay");
            assertThat(f.origin.send(goodPoll).word()).isEqualTo("replay");
            assertThat(f.origin.deliver(sseTarget.token(), "2", "B", bytes("next")).status()).isEqualTo(200);
            RawClient.Event second = sse.nextEvent(WAIT);
            assertThat(second.data()).as("the replay was not written").isEqualTo("next");
            assertThat(second.id()).endsWith("-2");

            answer.close();
            sse.close();
            f.assertQuiet(WAIT);
        }
    }

    /**
     * The list, in the order of the protocol's table. Each one is sent for both held clients;
     * tokens minted here are real (the edge's own token key) but not held by anyone.
     */
    private static List<Refusal> refusals(EdgeFixture f) throws IOException {
        long now = f.clock.instant().getEpochSecond();
        String otherEvent = mint(f, "edge-1", "B", "3", now, now + 3600);
        String nobodys = mint(f, "edge-1", "B", "2", now, now + 3600);
        String expired = mint(f, "edge-1", "B", "2", now - 7200, now - 3600);
        String foreign = mint(f, "edge-2", "B", "2", now, now + 3600);
        byte[] wrongSecret = new byte[32];
        RANDOM.nextBytes(wrongSecret);
        byte[] randomTag = new byte[32];
        RANDOM.nextBytes(randomTag);
        List<Refusal> list = new ArrayList<>();
        list.add(new Refusal("GET", t -> good(f, t).withMethod("GET"), 405, "method-not-allowed"));
        list.add(new Refusal("body over 64 KiB", t -> f.origin.outgoing(t.token(), t.eventId(), t.user(), new byte[64 * 1024 + 1]),
                413, "too-large"));
        list.add(new Refusal("no X-Event-Signature", t -> good(f, t).withSignature(" "), 400, "malformed"));
        list.add(new Refusal("no X-Event-Id", t -> f.origin.outgoing(t.token(), null, t.user(), bytes("x")), 400, "malformed"));
        list.add(new Refusal("a user without a token", t -> f.origin.outgoing(null, t.eventId(), t.user(), bytes("x")),
                400, "malformed"));
        list.add(new Refusal("signed with a secret the edge does not have", t -> good(f, t).withSecret(wrongSecret),
                401, "bad-signature"));
        list.add(new Refusal("random bytes for a signature", t -> {
            Outgoing o = good(f, t);
            return o.withSignature("t=" + o.timestamp() + ";n=" + o.nonce() + ";v1=" + HexFormat.of().formatHex(randomTag));
        }, 401, "bad-signature"));
        list.add(new Refusal("body changed after signing", t -> good(f, t).withSentBody(bytes("changed")), 401, "bad-signature"));
        list.add(new Refusal("X-Event-Id changed after signing", t -> resent(good(f, t), "3", t.user(), t.token()),
                401, "bad-signature"));
        list.add(new Refusal("X-Event-User changed after signing", t -> resent(good(f, t), t.eventId(), "C", t.token()),
                401, "bad-signature"));
        list.add(new Refusal("X-Event-Token changed after signing", t -> resent(good(f, t), t.eventId(), t.user(), nobodys),
                401, "bad-signature"));
        list.add(new Refusal("malformed signature header", t -> good(f, t).withSignature("t=now;n=short;v1=xyz"),
                401, "bad-signature"));
        list.add(new Refusal("signature without v1", t -> {
            Outgoing o = good(f, t);
            return o.withSignature("t=" + o.timestamp() + ";n=" + o.nonce());
        }, 401, "bad-signature"));
        list.add(new Refusal("timestamp 301 s old", t -> good(f, t).withTimestamp(f.clock.instant().getEpochSecond() - 301),
                401, "stale-signature"));
        list.add(new Refusal("wrong secret and 301 s old: the signature is checked before its time", t -> good(f, t)
                .withSecret(wrongSecret).withTimestamp(f.clock.instant().getEpochSecond() - 301), 401, "bad-signature"));
        list.add(new Refusal("timestamp 301 s ahead", t -> good(f, t).withTimestamp(f.clock.instant().getEpochSecond() + 301),
                401, "stale-signature"));
        list.add(new Refusal("garbage token", t -> f.origin.outgoing("v1.tok.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", t.eventId(),
                t.user(), bytes("x")), 403, "bad-token"));
        list.add(new Refusal("not a token at all", t -> f.origin.outgoing("hello", t.eventId(), t.user(), bytes("x")),
                403, "bad-token"));
        list.add(new Refusal("token under a key the edge lacks", t -> f.origin.outgoing(t.token().replace("v1.tok.", "v1.nokey."),
                t.eventId(), t.user(), bytes("x")), 403, "bad-token"));
        list.add(new Refusal("token of another edge", t -> f.origin.outgoing(foreign, "2", "B", bytes("x")), 421, "foreign-token"));
        list.add(new Refusal("expired token", t -> f.origin.outgoing(expired, "2", "B", bytes("x")), 410, "expired-token"));
        list.add(new Refusal("token of another event", t -> f.origin.outgoing(otherEvent, "2", "B", bytes("x")), 403, "bad-token"));
        list.add(new Refusal("X-Event-Id not the token's, signed", t -> f.origin.outgoing(t.token(), "3", t.user(), bytes("x")),
                403, "bad-token"));
        list.add(new Refusal("X-Event-User not the token's, signed", t -> f.origin.outgoing(t.token(), t.eventId(), "C", bytes("x")),
                403, "bad-token"));
        list.add(new Refusal("a user's token with an empty X-Event-User", t -> f.origin.outgoing(t.token(), t.eventId(), "",
                bytes("x")), 403, "bad-token"));
        list.add(new Refusal("signed with other-origin, not the rule's origin key", t -> good(f, t).withSecret(f.otherSecret),
                403, "bad-token"));
        list.add(new Refusal("a token nobody holds", t -> f.origin.outgoing(nobodys, "2", "B", bytes("x")), 404, "no-subscriber"));
        return list;
    }

    /**
     * A repeated X-Event- header, or an empty X-Event-Id or X-Event-Signature, is malformed
     * (400), not a signature to check: nothing in it was signed as sent.
     */
    @Test
    void aRepeatedOrEmptyHeaderIsMalformed() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(RULES)) {
            RawClient sse = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            String token = f.origin.awaitReceived("/subscribe-event", 1, WAIT).get(0).token();
            assertThat(EdgeFixture.eventually(WAIT, () -> f.edge.heldConnections() == 1)).isTrue();
            byte[] body = bytes("refused");
            for (String spoiled : List.of("X-Event-Id twice", "X-Event-Signature twice", "X-Event-User twice",
                    "X-Event-Token twice", "X-Event-Id empty", "X-Event-Signature empty")) {
                String eventId = spoiled.equals("X-Event-Id empty") ? "" : "2";
                String signature = spoiled.equals("X-Event-Signature empty") ? "" : JdkSignature.sign(f.secret,
                        new JdkSignature.Signed("POST", "/deliver-event", eventId, "B", token, body),
                        f.clock.instant().getEpochSecond(), JdkSignature.newNonce());
                HttpRequest.Builder b = HttpRequest.newBuilder(f.originSide().resolve("/deliver-event")).timeout(WAIT)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .header("X-Event-Id", eventId).header("X-Event-User", "B").header("X-Event-Token", token)
                        .header("X-Event-Signature", signature);
                switch (spoiled) {
                    case "X-Event-Id twice" -> b.header("X-Event-Id", "2");
                    case "X-Event-Signature twice" -> b.header("X-Event-Signature", signature);
                    case "X-Event-User twice" -> b.header("X-Event-User", "B");
                    case "X-Event-Token twice" -> b.header("X-Event-Token", token);
                    default -> { }
                }
                HttpResponse<String> r = f.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(spoiled + ": " + r.body()).isEqualTo(400);
                assertThat(r.body()).startsWith("malformed\n");
            }
            assertThat(f.origin.deliver(token, "2", "B", bytes("good")).status()).isEqualTo(200);
            RawClient.Event first = sse.nextEvent(WAIT);
            assertThat(first.data()).isEqualTo("good");
            assertThat(first.id()).endsWith("-1");
            sse.close();
            f.assertQuiet(WAIT);
        }
    }

    /**
     * The replay set fails closed: full, it refuses a good delivery with 503 and Retry-After,
     * and that delivery reaches nobody. Two deliveries to nobody fill it (capacity 2); they
     * are signed 298 s ago, so their nonces leave the window two seconds from now, and a
     * retry then gets through.
     */
    @Test
    void aFullReplaySetRefusesWithRetryAfter() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(RULES, c -> c.withReplayCapacity(2))) {
            RawClient sse = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            String token = f.origin.awaitReceived("/subscribe-event", 1, WAIT).get(0).token();
            assertThat(EdgeFixture.eventually(WAIT, () -> f.edge.heldConnections() == 1)).isTrue();
            long old = f.clock.instant().getEpochSecond() - 298;
            for (int i = 0; i < 2; i++) {
                Delivery filler = f.origin.send(f.origin.outgoing("", "nobody-waits", "", bytes("x")).withTimestamp(old));
                assertThat(filler.word()).isEqualTo("no-subscriber");
            }
            Delivery full = f.origin.deliver(token, "2", "B", bytes("refused"));
            assertThat(full.status()).isEqualTo(503);
            assertThat(full.word()).isEqualTo("replay-set-full");
            assertThat(full.header("Retry-After")).isEqualTo("1");
            // the token is checked before the replay set: a delivery that may never succeed is not told to retry
            Delivery wrongKey = f.origin.send(f.origin.outgoing(token, "2", "B", bytes("refused")).withSecret(f.otherSecret));
            assertThat(wrongKey.status()).as(wrongKey.body()).isEqualTo(403);
            assertThat(wrongKey.word()).isEqualTo("bad-token");

            // as the contract says: wait, sign again with a new nonce, send again; the fillers' nonces
            // leave the window once the edge's clock has moved three seconds
            f.advance(Duration.ofSeconds(3));
            Delivery retried = f.origin.send(f.origin.outgoing(token, "2", "B", bytes("good"))
                    .withTimestamp(f.clock.instant().getEpochSecond()));
            assertThat(retried.status()).as(retried.body()).isEqualTo(200);
            RawClient.Event first = sse.nextEvent(WAIT);
            assertThat(first.data()).isEqualTo("good");
            assertThat(first.id()).endsWith("-1");
            sse.close();
            f.assertQuiet(WAIT);
        }
    }

    /** A correctly signed delivery for the held client. */
    private static Outgoing good(EdgeFixture f, Target t) {
        return f.origin.outgoing(t.token(), t.eventId(), t.user(), bytes("refused"));
    }

    /** {@code o}'s signature, sent with other header values: headers changed after signing. */
    private static Outgoing resent(Outgoing o, String eventId, String user, String token) {
        return new Outgoing(o.method(), o.path(), eventId, user, token, o.body(), null, o.contentType(), o.timestamp(), o.nonce(),
                o.secret(), o.signatureHeader());
    }

    private static String mint(EdgeFixture f, String edgeId, String user, String event, long issuedAt, long expiresAt)
            throws IOException {
        TokenClaims claims = new TokenClaims(edgeId, edgeId.equals("edge-1") ? f.edge.environment().edgeAddress() : "10.0.0.2:9090",
                "default", user, event, "repeatable", "conn-" + RANDOM.nextInt(1000), issuedAt, expiresAt);
        return TinkTokenCodec.mint(claims, f.tokenKey());
    }

    private static Target target(List<Received> subscribes, String user) {
        Received r = subscribes.stream().filter(s -> user.equals(s.user())).findFirst().orElseThrow();
        return new Target(r.token(), r.eventId(), r.user());
    }

    private static RawClient open(EdgeFixture f, String path) {
        try {
            return RawClient.open(f.clientPort(), "GET", path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
