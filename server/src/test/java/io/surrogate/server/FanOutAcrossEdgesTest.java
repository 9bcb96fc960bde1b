package io.surrogate.server;

import static io.surrogate.server.EdgeFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.cluster.SlotHash;
import io.surrogate.server.cluster.FanOutBus;
import io.surrogate.server.cluster.RedisServer;
import io.surrogate.server.cluster.RedisSettings;
import io.surrogate.server.origin.Delivery;
import io.surrogate.server.subscribe.SubscriptionRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, fan-out across edges: three real edges on one real Redis (and on a three-node Redis
 * Cluster), clients spread over them; a fan-out posted to any edge reaches every subscriber of
 * its event on every edge exactly once, and its answer counts the other edges ({@code edges N});
 * an edge listens only to the events it holds; with Redis down each edge still fans out to its
 * own clients and keeps them, and when Redis is back the edges reach each other again by
 * themselves.
 */
class FanOutAcrossEdgesTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** userless repeatable SSE on /fan?e=EVENT, 1 s heartbeats (so a client that left ends its subscription a second later) */
    private static final String RULES = EdgeFixture.rule("repeatable", "sse", "1s", "");

    private static String channel(String event) {
        return FanOutBus.channel(SubscriptionRegistry.eventKey(EdgeFixture.ORIGIN_KEY, event));
    }

    @Test
    void oneFanOutPostedToOneEdgeReachesEverySubscriberOnEveryEdgeOnce() throws Exception {
        try (RedisServer redis = RedisServer.start(); EdgesOnRedis edges = new EdgesOnRedis(3, RULES, RedisSettings.of(List.of(redis.uri())))) {
            List<RawClient> quote = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                quote.add(edges.sse(i, "quote:BSC"));
                quote.add(edges.sse(i, "quote:BSC"));
            }
            RawClient other = edges.sse(2, "quote:XYZ");
            for (int i = 0; i < 3; i++) {
                int edge = i;
                assertThat(eventually(WAIT, () -> edges.edge(edge).heldConnections() == (edge == 2 ? 3 : 2))).isTrue();
            }
            assertThat(eventually(WAIT, () -> EdgesOnRedis.shardSubscribers(List.of(redis), channel("quote:BSC")) == 3))
                    .as("each edge subscribes to the event's channel once, however many clients it holds").isTrue();
            assertThat(EdgesOnRedis.shardSubscribers(List.of(redis), channel("quote:XYZ"))).isEqualTo(1);

            Delivery first = edges.fanOutAt(0, "quote:BSC", "one");
            assertThat(first.status()).isEqualTo(200);
            assertThat(FanOutTest.reached(first)).as("this edge's own subscribers").isEqualTo(2);
            assertThat(first.body()).endsWith("\nedges 2\n");
            Delivery second = edges.fanOutAt(1, "quote:BSC", "two");
            assertThat(second.body()).endsWith("\nedges 2\n");
            for (RawClient c : quote) {
                // once each: the event after the first is the second
                assertThat(HeldClients.event(c).data()).isEqualTo("one");
                assertThat(HeldClients.event(c).data()).isEqualTo("two");
            }

            // the subscriber of another event got neither; its edge alone holds that event
            Delivery own = edges.fanOutAt(0, "quote:XYZ", "own");
            assertThat(own.status()).isEqualTo(200);
            assertThat(own.body()).isEqualTo("delivered\n0\nedges 1\n");
            assertThat(HeldClients.event(other).data()).isEqualTo("own");

            // what another edge posts to the channel unreadably is dropped and counted; the edges go on
            redis.cli("spublish", channel("quote:BSC"), "not a fan-out");
            assertThat(eventually(WAIT, () -> edges.metric(2, "surrogate_redis_fanout_messages_total", "result", "malformed") == 1)).isTrue();
            assertThat(edges.fanOutAt(2, "quote:BSC", "three").body()).endsWith("\nedges 2\n");
            for (RawClient c : quote) {
                assertThat(HeldClients.event(c).data()).isEqualTo("three");
            }
            assertThat(edges.metric(1, "surrogate_redis_fanout_messages_total", "result", "received")).isEqualTo(2);

            // the last subscriber of an event leaves an edge: a heartbeat later, the edge stops listening to it
            quote.remove(5).close();
            quote.remove(4).close();
            assertThat(eventually(WAIT, () -> EdgesOnRedis.shardSubscribers(List.of(redis), channel("quote:BSC")) == 2)).isTrue();
            assertThat(eventually(WAIT, () -> edges.metric(2, "surrogate_redis_fanout_channels", null, null) == 1)).isTrue();
            double before = edges.metric(2, "surrogate_redis_fanout_messages_total", "result", "received");
            assertThat(edges.fanOutAt(0, "quote:BSC", "four").body()).endsWith("\nedges 1\n");
            for (RawClient c : quote) {
                assertThat(HeldClients.event(c).data()).isEqualTo("four");
            }
            assertThat(edges.metric(2, "surrogate_redis_fanout_messages_total", "result", "received")).isEqualTo(before);

            for (RawClient c : quote) {
                c.close();
            }
            other.close();
            for (int i = 0; i < 3; i++) {
                int edge = i;
                assertThat(eventually(WAIT, () -> edges.edge(edge).subscriptions() == 0)).isTrue();
            }
            assertThat(eventually(WAIT, () -> EdgesOnRedis.shardSubscribers(List.of(redis), channel("quote:BSC")) == 0)).isTrue();
        }
    }

    @Test
    void withRedisDownEachEdgeFansOutToItsOwnAndTheEdgesReachEachOtherAgainWhenItIsBack() throws Exception {
        // a delivery's nonce is checked against this edge's own set while Redis is down (the fail-closed default answers 503)
        try (RedisServer redis = RedisServer.start();
                EdgesOnRedis edges = new EdgesOnRedis(3, RULES, RedisSettings.of(List.of(redis.uri())).withReplayFallbackLocal(true))) {
            List<List<RawClient>> byEdge = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                byEdge.add(new ArrayList<>(List.of(edges.sse(i, "quote:BSC"))));
            }
            assertThat(eventually(WAIT, () -> EdgesOnRedis.shardSubscribers(List.of(redis), channel("quote:BSC")) == 3)).isTrue();
            assertThat(edges.fanOutAt(0, "quote:BSC", "before").body()).isEqualTo("delivered\n1\nedges 2\n");
            for (List<RawClient> clients : byEdge) {
                assertThat(HeldClients.event(clients.get(0)).data()).isEqualTo("before");
            }

            redis.kill();
            // each edge still fans out to its own subscribers, and says it reached no other edge
            Delivery alone = edges.fanOutAt(1, "quote:BSC", "alone");
            assertThat(alone.status()).isEqualTo(200);
            assertThat(alone.body()).isEqualTo("delivered\n1\n");
            assertThat(HeldClients.event(byEdge.get(1).get(0)).data()).isEqualTo("alone");
            assertThat(edges.metric(1, "surrogate_redis_failures_total", "use", "publish")).isGreaterThanOrEqualTo(1);
            // new clients are held meanwhile, of an event held already and of a new one
            byEdge.get(2).add(edges.sse(2, "quote:BSC"));
            RawClient fresh = edges.sse(2, "quote:NEW");
            assertThat(eventually(WAIT, () -> edges.edge(2).heldConnections() == 3)).isTrue();
            for (int i = 0; i < 3; i++) {
                assertThat(edges.edge(i).subscriptions()).as("edge %d keeps its clients", i).isEqualTo(i == 2 ? 3 : 1);
            }

            redis.restart();
            // by themselves: Lettuce's resubscription of what Redis had confirmed, and the edge's own of what it could not
            assertThat(eventually(Duration.ofSeconds(60), () -> EdgesOnRedis.shardSubscribers(List.of(redis), channel("quote:BSC")) == 3))
                    .as("every edge listens again to the event it holds").isTrue();
            assertThat(eventually(WAIT, () -> EdgesOnRedis.shardSubscribers(List.of(redis), channel("quote:NEW")) == 1))
                    .as("the event first held while Redis was down").isTrue();
            Delivery back = edges.fanOutAt(0, "quote:BSC", "back");
            assertThat(back.body()).isEqualTo("delivered\n1\nedges 2\n");
            for (List<RawClient> clients : byEdge) {
                for (RawClient c : clients) {
                    // the clients held all along: the one fan-out each missed of another edge is not replayed (there was no history)
                    assertThat(HeldClients.event(c).data()).isEqualTo("back");
                }
            }
            assertThat(edges.fanOutAt(1, "quote:NEW", "new").body()).isEqualTo("delivered\n0\nedges 1\n");
            assertThat(HeldClients.event(fresh).data()).isEqualTo("new");

            for (List<RawClient> clients : byEdge) {
                for (RawClient c : clients) {
                    c.close();
                }
            }
            fresh.close();
            for (int i = 0; i < 3; i++) {
                int edge = i;
                assertThat(eventually(WAIT, () -> edges.edge(edge).subscriptions() == 0)).isTrue();
            }
        }
    }

    /**
     * On a Redis Cluster each event's channel lives on the node that owns its slot; the events
     * chosen here land on all three. A node restarted comes back with its channels subscribed again.
     */
    @Test
    void onARedisClusterTheEventsSpreadOverTheShardsAndEachFanOutReachesEveryEdgeOnce() throws Exception {
        List<String> events = new ArrayList<>();
        Set<Integer> thirds = new TreeSet<>();
        for (int i = 0; events.size() < 6; i++) {
            String e = "quote:" + i;
            if (thirds.add(node(channel(e))) || thirds.size() == 3) {
                events.add(e);
            }
        }
        try (RedisServer.Cluster cluster = RedisServer.cluster();
                EdgesOnRedis edges = new EdgesOnRedis(3, RULES, RedisSettings.of(cluster.uris()).withReplayFallbackLocal(true))) {
            // one client of each event on each edge
            List<List<RawClient>> byEvent = new ArrayList<>();
            for (String e : events) {
                List<RawClient> clients = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    clients.add(edges.sse(i, e));
                }
                byEvent.add(clients);
            }
            for (String e : events) {
                assertThat(eventually(WAIT, () -> EdgesOnRedis.shardSubscribers(cluster.nodes(), channel(e)) == 3)).as(e).isTrue();
            }
            for (RedisServer node : cluster.nodes()) {
                assertThat(node.cli("pubsub", "shardchannels").strip()).as("each node has channels of its own slots").isNotEmpty();
            }

            for (int round = 0; round < 2; round++) {
                for (int k = 0; k < events.size(); k++) {
                    Delivery d = edges.fanOutAt((k + round) % 3, events.get(k), events.get(k) + "/" + round);
                    assertThat(d.body()).as(events.get(k)).isEqualTo("delivered\n1\nedges 2\n");
                }
            }
            for (int k = 0; k < events.size(); k++) {
                for (RawClient c : byEvent.get(k)) {
                    assertThat(HeldClients.event(c).data()).isEqualTo(events.get(k) + "/0");
                    assertThat(HeldClients.event(c).data()).as("once each").isEqualTo(events.get(k) + "/1");
                }
            }

            // the node of the first event's channel restarts: its channels are subscribed again by themselves
            RedisServer node = cluster.nodes().get(node(channel(events.get(0))));
            assertThat(node.cli("pubsub", "shardchannels")).contains(channel(events.get(0)));
            node.restart();
            assertThat(eventually(Duration.ofSeconds(60),
                    () -> EdgesOnRedis.shardSubscribers(cluster.nodes(), channel(events.get(0))) == 3)).isTrue();
            Delivery back = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            do {
                // the command connection to that node may come back after the pub/sub one
                back = edges.fanOutAt(1, events.get(0), "back");
            } while (!back.body().endsWith("edges 2\n") && System.nanoTime() < deadline && sleep());
            assertThat(back.body()).isEqualTo("delivered\n1\nedges 2\n");
            for (RawClient c : byEvent.get(0)) {
                String data;
                do {
                    data = HeldClients.event(c).data();
                } while (!data.equals("back")); // the tries that did not reach every edge reached some
            }

            for (List<RawClient> clients : byEvent) {
                for (RawClient c : clients) {
                    c.close();
                }
            }
            for (int i = 0; i < 3; i++) {
                int edge = i;
                assertThat(eventually(WAIT, () -> edges.edge(edge).subscriptions() == 0)).isTrue();
            }
        }
    }

    /** The node that owns a channel's slot: {@code redis-cli --cluster create} gives three masters a third of the slots each, in order. */
    private static int node(String channel) {
        int slot = SlotHash.getSlot(channel);
        return slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2;
    }

    private static boolean sleep() throws InterruptedException {
        Thread.sleep(200);
        return true;
    }
}
