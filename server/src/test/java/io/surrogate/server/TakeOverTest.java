package io.surrogate.server;

import static io.surrogate.server.EdgeFixture.eventually;
import static io.surrogate.server.HeldClients.WAIT;
import static io.surrogate.server.HeldClients.bytes;
import static io.surrogate.server.HeldClients.event;
import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.TinkKeys;
import io.surrogate.server.cluster.Redis;
import io.surrogate.server.cluster.RedisHistory;
import io.surrogate.server.cluster.RedisServer;
import io.surrogate.server.cluster.RedisSettings;
import io.surrogate.server.cluster.SharedKeys;
import io.surrogate.server.metrics.ServerMetrics;
import io.surrogate.server.origin.Delivery;
import io.surrogate.server.origin.Received;
import io.surrogate.server.origin.SampleOrigin;
import io.surrogate.server.subscribe.SubscriptionRegistry;
import io.surrogate.server.transport.EventFrame;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, "history that survives an edge": two real edges on one real Redis, one keyring and
 * one rule file, the real sample origin. A client subscribes at edge A; A dies ({@link
 * EdgeServer#halt}: its listeners and its Redis connection stop, nothing is unsubscribed, no
 * record deleted, as a killed process leaves them); the client comes back at edge B with its
 * {@code Last-Event-ID} and B takes the subscription over from its records in Redis, without the
 * origin, sending what the history kept after the client's last position. When it cannot (the
 * history was trimmed past that position, or the id is another user's), the client gets one
 * {@code history-lost} event and a fresh subscription.
 */
class TakeOverTest {
    private static final String SUBSCRIBE = SampleOrigin.SUBSCRIBE_PATH;
    private static final String UNSUBSCRIBE = SampleOrigin.UNSUBSCRIBE_PATH;
    /** a client's wait for its return at A: long, so that A still holds the subscription when it dies */
    private static final String RULES = EdgeFixture.rule("repeatable", "sse", "30s", "");
    private static final String EVENT_KEY = SubscriptionRegistry.eventKey("origin", "2");

    private Path dir;
    private Path rulesDir;
    private Path keys;
    private RedisServer redis;
    private SampleOrigin origin;
    private final List<EdgeServer> edges = new ArrayList<>();
    private final List<RawClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("surrogate-takeover-test-");
        keys = Files.createDirectory(dir.resolve("keys"));
        rulesDir = Files.createDirectory(dir.resolve("rules"));
        Files.writeString(rulesDir.resolve("test.xml"), RULES);
        Keyring.write(keys, EdgeFixture.TOKEN_KEY, TinkKeys.generate(KeyPurpose.TOKEN));
        Keyring.write(keys, EdgeFixture.ORIGIN_KEY, TinkKeys.generate(KeyPurpose.HMAC));
        byte[] secret = TinkKeys.hmacSecret(Keyring.open(keys).find(EdgeFixture.ORIGIN_KEY).orElseThrow());
        redis = RedisServer.start();
        origin = new SampleOrigin(new InetSocketAddress("127.0.0.1", 0), secret, null).start();
    }

    @AfterEach
    void stop() throws IOException {
        for (RawClient c : clients) {
            c.close();
        }
        for (EdgeServer e : edges) {
            e.close();
        }
        origin.close();
        redis.close();
    }

    private EdgeServer edge(String id, UnaryOperator<RedisSettings> tune) throws Exception {
        EdgeServer e = EdgeServer.start(ServerConfig.loopback(List.of(rulesDir), keys, Optional.of(origin.baseUri())).withEdgeId(id)
                .withRedis(tune.apply(RedisSettings.of(List.of(redis.uri())))));
        edges.add(e);
        return e;
    }

    private RawClient open(EdgeServer e, String path, String... headers) throws IOException {
        RawClient c = RawClient.open(e.clientAddress().getPort(), "GET", path, headers);
        clients.add(c);
        return c;
    }

    private void deliverAt(EdgeServer e) {
        origin.setEdge(URI.create("http://127.0.0.1:" + e.originAddress().getPort()));
    }

    /** A dies: gone from the edges' list, so that the test does not close it again. */
    private void halt(EdgeServer e) {
        edges.remove(e);
        e.halt();
    }

    private String cli(String... args) throws IOException {
        return redis.cli(args).strip();
    }

    /** Waits until client handle {@code handle}'s record names {@code edge} (the records are written after the answer). */
    private void awaitHolder(String handle, String edge) throws Exception {
        assertThat(eventually(WAIT, () -> {
            try {
                String ref = cli("get", SharedKeys.client(handle));
                if (!ref.contains(":")) {
                    return false;
                }
                String[] r = ref.split(":", 2);
                return edge.equals(cli("hget", SharedKeys.sub(r[0], r[1]), "edge"));
            } catch (IOException e) {
                return false;
            }
        })).as("the record of %s names %s", handle, edge).isTrue();
    }

    @Test
    void aClientWhoseEdgeDiedResumesAtAnotherEdgeWithExactlyWhatItMissedAndNoOriginCall() throws Exception {
        EdgeServer a = edge("edge-a", s -> s);
        EdgeServer b = edge("edge-b", s -> s);
        deliverAt(a);
        RawClient client = open(a, "/sub?e=2&u=B");
        assertThat(client.status).isEqualTo(200);
        String token = origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
        assertThat(origin.deliver(token, "2", "B", bytes("one")).status()).isEqualTo(200);
        RawClient.Event one = event(client);
        String handle = one.id().substring(0, 16);
        assertThat(one.id()).as("with Redis an id carries the event's history position").matches(handle + "-1\\.\\d+");
        assertThat(origin.fanOut("2", bytes("two")).status()).isEqualTo(200);
        RawClient.Event two = event(client);
        assertThat(two.data()).isEqualTo("two");
        assertThat(two.id()).matches(handle + "-2\\.\\d+");
        long p1 = Long.parseLong(one.id().substring(one.id().indexOf('.') + 1));
        long p2 = Long.parseLong(two.id().substring(two.id().indexOf('.') + 1));
        assertThat(p2).as("unicasts and fan-outs of one event share one sequence of positions").isGreaterThan(p1);
        awaitHolder(handle, "edge-a");

        client.close();
        assertThat(eventually(WAIT, () -> a.heldConnections() == 0)).isTrue();
        // missed at A: a unicast and a fan-out while the client is between connections, kept in the history
        assertThat(origin.deliver(token, "2", "B", bytes("three")).word()).isEqualTo("queued");
        assertThat(origin.fanOut("2", bytes("four")).word()).isEqualTo("queued");
        halt(a);
        // and one appended after A died, as an edge that takes a unicast for a dead holder does
        try (Redis r = Redis.connect(RedisSettings.of(List.of(redis.uri()))); ServerMetrics m = new ServerMetrics()) {
            new RedisHistory(r, m).appendToSubscription(handle, EVENT_KEY,
                    new EventFrame("2", "five".getBytes(StandardCharsets.UTF_8), "text/plain")).toCompletableFuture().get(10, TimeUnit.SECONDS);
        }

        RawClient back = open(b, "/sub?e=2&u=B", "Last-Event-ID: " + two.id());

        assertThat(back.status).isEqualTo(200);
        assertThat(HeldClients.preambleId(back)).as("it goes on from where it was").isEqualTo(two.id());
        List<RawClient.Event> missed = List.of(event(back), event(back), event(back));
        assertThat(missed).extracting(RawClient.Event::data).containsExactly("three", "four", "five");
        assertThat(missed.get(0).id()).matches(handle + "-3\\.\\d+");
        assertThat(missed.get(1).id()).matches(handle + "-4\\.\\d+");
        assertThat(missed.get(2).id()).matches(handle + "-5\\.\\d+");
        assertThat(missed).extracting(e -> Long.parseLong(e.id().substring(e.id().indexOf('.') + 1))).isSorted()
                .allMatch(p -> p > p2);
        assertThat(back.nextEvent(Duration.ofMillis(300))).as("nothing more").isNull();
        assertThat(origin.subscribes()).as("no new /subscribe-event").hasSize(1);
        assertThat(origin.unsubscribes()).as("the origin keeps its token").isEmpty();
        assertThat(b.subscriptions()).isEqualTo(1);
        awaitHolder(handle, "edge-b");
        assertThat(cli("sismember", SharedKeys.edgeSubs("edge-a"), SharedKeys.eventHash(EVENT_KEY) + ":" + handle)).isEqualTo("0");

        // B holds it now: a fan-out posted at B reaches it, numbered on
        deliverAt(b);
        assertThat(origin.fanOut("2", bytes("six")).status()).isEqualTo(200);
        RawClient.Event six = event(back);
        assertThat(six.data()).isEqualTo("six");
        assertThat(six.id()).matches(handle + "-6\\.\\d+");
        Delivery seven = origin.deliver(token, "2", "B", bytes("seven"));
        assertThat(seven.status()).as("the origin's token, as it was, reaches the client at B").isEqualTo(200);
        assertThat(event(back).data()).isEqualTo("seven");

        // it ends at B: B tells the origin with the token it took over, and the records go
        back.close();
        b.close();
        edges.remove(b);
        assertThat(origin.awaitReceived(UNSUBSCRIBE, 1, WAIT)).extracting(Received::token).containsExactly(token);
        assertThat(eventually(WAIT, () -> {
            try {
                return cli("exists", SharedKeys.client(handle)).equals("0");
            } catch (IOException e) {
                return false;
            }
        })).as("the records of an ended subscription are deleted").isTrue();
    }

    @Test
    void aClientThatHadSeenNothingIsTakenOverFromTheStartOfItsSubscriptionsHistory() throws Exception {
        EdgeServer a = edge("edge-a", s -> s);
        EdgeServer b = edge("edge-b", s -> s);
        deliverAt(a);
        // a fan-out before the subscription (no subscriber: 404, but kept): not its history
        origin.fanOut("2", bytes("before"));
        RawClient client = open(a, "/sub?e=2&u=B");
        String start = HeldClients.preambleId(client);
        assertThat(start).as("nothing seen: no position").matches("[0-9a-f]{16}-0");
        String handle = start.substring(0, 16);
        String token = origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
        awaitHolder(handle, "edge-a");
        client.close();
        assertThat(eventually(WAIT, () -> a.heldConnections() == 0)).isTrue();
        assertThat(origin.deliver(token, "2", "B", bytes("first")).word()).isEqualTo("queued");
        halt(a);

        RawClient back = open(b, "/sub?e=2&u=B", "Last-Event-ID: " + start);

        assertThat(back.status).isEqualTo(200);
        assertThat(HeldClients.preambleId(back)).isEqualTo(start);
        RawClient.Event first = event(back);
        assertThat(first.data()).isEqualTo("first");
        assertThat(first.id()).matches(handle + "-1\\.\\d+");
        assertThat(back.nextEvent(Duration.ofMillis(300))).as("nothing from before it began").isNull();
        assertThat(origin.subscribes()).hasSize(1);
    }

    @Test
    void aLastEventIdPastTheHistoryGetsHistoryLostThenAFreshSubscription() throws Exception {
        EdgeServer a = edge("edge-a", s -> s.withHistory(2, Duration.ofMinutes(10)));
        EdgeServer b = edge("edge-b", s -> s.withHistory(2, Duration.ofMinutes(10)));
        deliverAt(a);
        RawClient client = open(a, "/sub?e=2&u=B");
        String token = origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
        assertThat(origin.deliver(token, "2", "B", bytes("one")).status()).isEqualTo(200);
        RawClient.Event one = event(client);
        String handle = one.id().substring(0, 16);
        awaitHolder(handle, "edge-a");
        client.close();
        assertThat(eventually(WAIT, () -> a.heldConnections() == 0)).isTrue();
        for (String away : List.of("two", "three", "four")) {
            assertThat(origin.deliver(token, "2", "B", bytes(away)).word()).isEqualTo("queued");
        }
        halt(a);

        RawClient back = open(b, "/sub?e=2&u=B", "Last-Event-ID: " + one.id());

        assertThat(back.status).isEqualTo(200);
        String fresh = HeldClients.preambleId(back);
        assertThat(fresh).as("a new subscription").doesNotStartWith(handle).matches("[0-9a-f]{16}-0");
        RawClient.Event lost = event(back);
        assertThat(lost.name()).isEqualTo("history-lost");
        assertThat(lost.data()).isEqualTo("{\"reason\":\"trimmed\"}");
        assertThat(lost.id()).as("the notice has no id line: the client's last id stays the preamble's").isNull();
        List<Received> subscribes = origin.awaitReceived(SUBSCRIBE, 2, WAIT);
        assertThat(subscribes).as("subscribed afresh at the origin").hasSize(2);
        String newToken = subscribes.get(1).token();
        assertThat(newToken).isNotEqualTo(token);
        assertThat(origin.awaitReceived(UNSUBSCRIBE, 1, WAIT)).as("the old token, which nobody holds now, is ended")
                .extracting(Received::token).containsExactly(token);

        deliverAt(b);
        assertThat(origin.deliver(newToken, "2", "B", bytes("new")).status()).isEqualTo(200);
        RawClient.Event next = event(back);
        assertThat(next.data()).isEqualTo("new");
        assertThat(next.id()).startsWith(fresh.substring(0, 16) + "-1.");
    }

    @Test
    void theLastEventIdOfAnotherUsersSubscriptionIsNotTakenOver() throws Exception {
        EdgeServer a = edge("edge-a", s -> s);
        EdgeServer b = edge("edge-b", s -> s);
        deliverAt(a);
        RawClient alice = open(a, "/sub?e=2&u=A");
        String aliceToken = origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
        assertThat(origin.deliver(aliceToken, "2", "A", bytes("for A")).status()).isEqualTo(200);
        String aliceId = event(alice).id();
        String aliceHandle = aliceId.substring(0, 16);
        awaitHolder(aliceHandle, "edge-a");
        alice.close();
        assertThat(eventually(WAIT, () -> a.heldConnections() == 0)).isTrue();
        assertThat(origin.deliver(aliceToken, "2", "A", bytes("private to A")).word()).isEqualTo("queued");
        halt(a);

        RawClient bob = open(b, "/sub?e=2&u=B", "Last-Event-ID: " + aliceId);

        assertThat(bob.status).isEqualTo(200);
        assertThat(HeldClients.preambleId(bob)).doesNotStartWith(aliceHandle);
        RawClient.Event lost = event(bob);
        assertThat(lost.name()).isEqualTo("history-lost");
        assertThat(lost.data()).as("the same answer as for no subscription at all").isEqualTo("{\"reason\":\"unknown\"}");
        List<Received> subscribes = origin.awaitReceived(SUBSCRIBE, 2, WAIT);
        assertThat(subscribes).hasSize(2);
        assertThat(subscribes.get(1).user()).as("Bob is subscribed as himself").isEqualTo("B");
        deliverAt(b);
        assertThat(origin.deliver(subscribes.get(1).token(), "2", "B", bytes("for B")).status()).isEqualTo(200);
        assertThat(event(bob).data()).as("Bob's first event is his own, not Alice's queued one").isEqualTo("for B");
        awaitHolder(aliceHandle, "edge-a");
        assertThat(origin.unsubscribes()).as("Alice's subscription is left to her, or to the reaper").isEmpty();
    }

    @Test
    void anEdgeWhoseSubscriptionWasTakenOverWhileItLivedDoesNotUnsubscribeItAtTheOrigin() throws Exception {
        // a client's wait for its return at A is one heartbeat: 1 s
        Files.writeString(rulesDir.resolve("test.xml"), EdgeFixture.rule("repeatable", "sse", "1s", ""));
        EdgeServer a = edge("edge-a", s -> s);
        EdgeServer b = edge("edge-b", s -> s);
        deliverAt(a);
        RawClient client = open(a, "/sub?e=2&u=B");
        String token = origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
        assertThat(origin.deliver(token, "2", "B", bytes("one")).status()).isEqualTo(200);
        RawClient.Event one = event(client);
        String handle = one.id().substring(0, 16);
        awaitHolder(handle, "edge-a");
        client.close();

        // the client comes back at B while A still waits for it (a load balancer that chose another edge)
        RawClient back = open(b, "/sub?e=2&u=B", "Last-Event-ID: " + one.id());
        assertThat(back.status).isEqualTo(200);
        assertThat(HeldClients.preambleId(back)).isEqualTo(one.id());
        awaitHolder(handle, "edge-b");
        // A's wait runs out: its subscription ends there, but B holds it now
        assertThat(eventually(WAIT, () -> a.subscriptions() == 0)).isTrue();
        String ref = SharedKeys.eventHash(EVENT_KEY) + ":" + handle;
        assertThat(eventually(WAIT, () -> {
            try {
                return cli("sismember", SharedKeys.edgeSubs("edge-a"), ref).equals("0");
            } catch (IOException e) {
                return false;
            }
        })).as("A has seen that B holds it").isTrue();
        awaitHolder(handle, "edge-b");
        assertThat(origin.subscribes()).hasSize(1);

        deliverAt(b);
        assertThat(origin.fanOut("2", bytes("two")).status()).isEqualTo(200);
        assertThat(event(back).data()).isEqualTo("two");

        // the one notice the origin gets is B's, a heartbeat after its client left
        back.close();
        assertThat(origin.awaitReceived(UNSUBSCRIBE, 1, WAIT)).extracting(Received::token).containsExactly(token);
        assertThat(eventually(WAIT, () -> b.subscriptions() == 0 && b.pendingOriginCalls() == 0)).isTrue();
        assertThat(origin.unsubscribes()).as("A did not end at the origin what B held").hasSize(1);
    }

    @Test
    void afterRedisRestartedEmptyTheHeldSubscriptionsAreWrittenAgainAndAnOlderPositionIsHistoryLost() throws Exception {
        EdgeServer a = edge("edge-a", s -> s);
        EdgeServer b = edge("edge-b", s -> s);
        deliverAt(a);
        RawClient client = open(a, "/sub?e=2&u=B");
        String token = origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
        assertThat(origin.deliver(token, "2", "B", bytes("one")).status()).isEqualTo(200);
        RawClient.Event one = event(client);
        String handle = one.id().substring(0, 16);
        awaitHolder(handle, "edge-a");

        redis.restart();
        awaitHolder(handle, "edge-a"); // written again by A once its connection is back
        client.close();
        assertThat(eventually(WAIT, () -> a.heldConnections() == 0)).isTrue();
        halt(a);

        RawClient back = open(b, "/sub?e=2&u=B", "Last-Event-ID: " + one.id());

        assertThat(back.status).isEqualTo(200);
        RawClient.Event lost = event(back);
        assertThat(lost.name()).isEqualTo("history-lost");
        assertThat(lost.data()).as("what it saw was kept by the Redis that restarted").isEqualTo("{\"reason\":\"before-history\"}");
        assertThat(origin.awaitReceived(SUBSCRIBE, 2, WAIT)).hasSize(2);
    }
}
