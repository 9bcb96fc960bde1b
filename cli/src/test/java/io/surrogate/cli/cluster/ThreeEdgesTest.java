package io.surrogate.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.server.origin.Delivery;
import io.surrogate.server.origin.Outgoing;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 13's "must be true" on real processes: three {@code surrogate serve --redis} edges
 * (child JVMs, one keyring, one rule set) on one real {@code redis-server}, the real sample
 * origin, and SSE clients on raw sockets spread over the edges. One fan-out reaches every
 * subscriber on every edge once; a unicast posted to an edge that does not hold its client is
 * delivered; a delivery replayed at another edge is refused; after kill -9 of an edge its clients
 * come back at the others with their Last-Event-ID and in the end have every event once, in
 * order, without a new origin round trip; with Redis killed and restarted, every edge keeps its
 * clients, takes new ones, and fan-out across edges works again by itself. One set of edges for
 * all (starting three JVMs is most of the run), each case on its own event, in order: the three
 * that break nothing, then Redis killed and restarted (its subscriptions' records rewritten when
 * it is back), then kill -9 of an edge, last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ThreeEdgesTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private ThreeEdges shared;

    @BeforeAll
    void start() throws Exception {
        shared = ThreeEdges.start();
    }

    @AfterAll
    void stop() {
        if (shared != null) {
            shared.close();
        }
    }

    @Test
    @Order(1)
    void oneFanOutReachesEverySubscriberOnEveryEdgeExactlyOnce() throws Exception {
        List<SseClient> clients = shared.subscribe("fan-a", 3);
        shared.awaitFanOutEverywhere("fan-a", clients);
        for (int edge = 0; edge < 3; edge++) {
            String body = "f" + edge;
            Delivery d = shared.deliver(edge, shared.origin.outgoing("", "fan-a", "", bytes(body)));
            assertThat(d.status()).as("fan-out posted to edge %d: %s", edge, d).isEqualTo(200);
            ThreeEdges.await("every subscriber on every edge has " + body, WAIT, () -> clients.stream().allMatch(c -> c.has(body)),
                    () -> ThreeEdges.describe(clients));
        }
        for (SseClient c : clients) {
            assertThat(c.data(s -> s.startsWith("f"))).as("client %s (edge %d)", c.user, c.firstEdge).containsExactly("f0", "f1", "f2");
            assertThat(c.problems()).as("client %s", c.user).isEmpty();
        }
        clients.forEach(SseClient::close);
    }

    @Test
    @Order(2)
    void aUnicastPostedToAnEdgeThatDoesNotHoldItsClientIsDelivered() throws Exception {
        List<SseClient> clients = shared.subscribe("uni-b", 2);
        for (String round : List.of("one", "two")) {
            for (SseClient c : clients) {
                int wrong = (c.firstEdge + (round.equals("one") ? 1 : 2)) % 3;
                Delivery d = shared.deliver(wrong, shared.origin.outgoing(c.token, "uni-b", c.user, bytes(round + "-" + c.user)));
                assertThat(d.status()).as("unicast for %s (held by edge %d) posted to edge %d: %s", c.user, c.firstEdge, wrong, d).isEqualTo(200);
                assertThat(d.word()).isEqualTo("delivered");
            }
        }
        ThreeEdges.await("every client has both of its events", WAIT, () -> clients.stream().allMatch(c -> c.has("two-" + c.user)),
                () -> ThreeEdges.describe(clients));
        for (SseClient c : clients) {
            assertThat(c.data(s -> true)).as("client %s: its own events, once each, in order", c.user)
                    .containsExactly("one-" + c.user, "two-" + c.user);
        }
        clients.forEach(SseClient::close);
    }

    @Test
    @Order(3)
    void aDeliveryReplayedAtAnotherEdgeIsRefused() throws Exception {
        List<SseClient> clients = shared.subscribe("rep-c", 1);
        shared.awaitFanOutEverywhere("rep-c", clients);
        SseClient c = clients.get(2); // held by edge 2
        Outgoing once = shared.origin.outgoing(c.token, "rep-c", c.user, bytes("once"));
        assertThat(shared.deliver(2, once).status()).as("first posting, at the holder").isEqualTo(200);
        for (int edge : List.of(0, 1, 2)) {
            Delivery again = shared.deliver(edge, once);
            assertThat(again.status()).as("the same delivery replayed at edge %d: %s", edge, again).isEqualTo(409);
            assertThat(again.word()).isEqualTo("replay");
        }
        Outgoing fan = shared.origin.outgoing("", "rep-c", "", bytes("fan-once"));
        assertThat(shared.deliver(0, fan).status()).isEqualTo(200);
        Delivery fanAgain = shared.deliver(1, fan);
        assertThat(fanAgain.status()).as("a fan-out replayed at another edge: %s", fanAgain).isEqualTo(409);
        assertThat(shared.deliver(2, shared.origin.outgoing(c.token, "rep-c", c.user, bytes("after"))).status()).isEqualTo(200);
        ThreeEdges.await("the client has the delivery after the replays", WAIT, () -> c.has("after"), () -> ThreeEdges.describe(clients));
        assertThat(c.data(s -> !s.startsWith("warm-"))).containsExactly("once", "fan-once", "after");
        clients.forEach(SseClient::close);
    }

    @Test
    @Order(4)
    void withRedisKilledAndRestartedEveryEdgeKeepsItsClientsTakesNewOnesAndFanOutAcrossEdgesComesBack() throws Exception {
        ThreeEdges edges = shared;
        String event = "room-e";
        List<SseClient> clients = new ArrayList<>(edges.subscribe(event, 2));
        edges.awaitFanOutEverywhere(event, clients);

        edges.redis.kill();
        try {
            Map<SseClient, Integer> heartbeats = new LinkedHashMap<>();
            clients.forEach(c -> heartbeats.put(c, c.heartbeats()));
            ThreeEdges.await("every client is still held: two more heartbeats each with Redis down", WAIT,
                    () -> clients.stream().allMatch(c -> c.heartbeats() >= heartbeats.get(c) + 2), () -> ThreeEdges.describe(clients));
            clients.addAll(edges.subscribe(event, 1)); // each edge holds a new client with Redis down
        } finally {
            edges.redis.restart(); // empty, on the same port; the case after this one needs it too
        }
        String reached = edges.awaitFanOutEverywhere(event, clients);
        assertThat(edges.deliver(1, edges.origin.outgoing("", event, "", bytes("end"))).status()).isEqualTo(200);
        ThreeEdges.await("every client has the closing fan-out", WAIT, () -> clients.stream().allMatch(c -> c.has("end")),
                () -> ThreeEdges.describe(clients));
        for (SseClient c : clients) {
            assertThat(c.data(s -> s.equals(reached))).as("%s has the fan-out that reached everyone once", c.user).hasSize(1);
            assertThat(c.connections()).as("%s was held all along", c.user).isEqualTo(1);
            assertThat(c.problems()).as("client %s", c.user).isEmpty();
        }
        clients.forEach(SseClient::close);
    }

    /**
     * kill -9 of the third edge (index 2) while deliveries flow: every delivery is posted, in turn,
     * to the two that survive, so those for the third edge's clients are passed on to it until it
     * dies, some of them while it dies; its clients then come back at the first edge.
     */
    @Test
    @Order(5)
    void afterKillMinusNineOfOneEdgeItsClientsResumeElsewhereWithEveryEventExactlyOnceInOrder() throws Exception {
        ThreeEdges edges = shared;
        String event = "room-d";
        List<SseClient> clients = edges.subscribe(event, 4);
        edges.awaitFanOutEverywhere(event, clients);
        int subscribes = edges.origin.subscribes().size();
        Map<SseClient, List<String>> expectUnicast = new LinkedHashMap<>();
        clients.forEach(c -> expectUnicast.put(c, new ArrayList<>()));
        List<String> expectFanOut = new ArrayList<>();
        List<Integer> survivors = List.of(0, 1);
        int turn = 0;
        CompletableFuture<Void> crash = null;
        for (int round = 1; round <= 16; round++) {
            if (round == 6) {
                crash = CompletableFuture.runAsync(() -> {
                    try {
                        edges.crash(2);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            for (SseClient c : clients) {
                String body = "u-" + c.user + "#" + round;
                int to = survivors.get(turn++ % survivors.size());
                Delivery d = edges.deliver(to, edges.origin.outgoing(c.token, event, c.user, bytes(body)));
                assertThat(d.status()).as("round %d, unicast for %s posted to edge %d: %s", round, c.user, to, d).isIn(200, 202);
                expectUnicast.get(c).add(body);
            }
            int to = survivors.get(turn++ % survivors.size());
            Delivery d = edges.deliver(to, edges.origin.outgoing("", event, "", bytes("f#" + round)));
            assertThat(d.status()).as("round %d, fan-out posted to edge %d: %s", round, to, d).isEqualTo(200);
            expectFanOut.add("f#" + round);
        }
        crash.get(30, TimeUnit.SECONDS);
        assertThat(edges.edges.get(2).alive()).as("edge 3 was killed").isFalse();
        String last = "f#16";
        ThreeEdges.await("every client has every event, the last fan-out too", Duration.ofSeconds(40),
                () -> clients.stream().allMatch(c -> c.has(last) && c.has("u-" + c.user + "#16")), () -> ThreeEdges.describe(clients));
        // one more fan-out after everything: whatever came twice came before it
        assertThat(edges.deliver(0, edges.origin.outgoing("", event, "", bytes("end"))).status()).isEqualTo(200);
        ThreeEdges.await("every client has the closing fan-out", WAIT, () -> clients.stream().allMatch(c -> c.has("end")),
                () -> ThreeEdges.describe(clients));
        for (SseClient c : clients) {
            assertThat(c.data(s -> s.startsWith("u-"))).as("unicasts of %s (first held by edge %d)", c.user, c.firstEdge)
                    .containsExactlyElementsOf(expectUnicast.get(c));
            assertThat(c.data(s -> s.startsWith("f#"))).as("fan-outs of %s (first held by edge %d)", c.user, c.firstEdge)
                    .containsExactlyElementsOf(expectFanOut);
            assertThat(c.types()).as("no history-lost event for %s", c.user).doesNotContain("history-lost");
            if (c.firstEdge == 2) {
                assertThat(c.edgesSeen()).as("%s came back at another edge", c.user).hasSizeGreaterThan(1);
            } else {
                assertThat(c.connections()).as("%s stayed where it was", c.user).isEqualTo(1);
            }
        }
        assertThat(edges.origin.subscribes()).as("every client resumed without a new origin round trip").hasSize(subscribes);
        clients.forEach(SseClient::close);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
