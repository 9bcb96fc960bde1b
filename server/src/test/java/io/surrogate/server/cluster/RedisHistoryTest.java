package io.surrogate.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.server.metrics.ServerMetrics;
import io.surrogate.server.subscribe.TakeOver;
import io.surrogate.server.transport.EventFrame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The history script and its reading side on a real Redis: one sequence of positions per event
 * key shared by its fan-outs and each subscription's unicasts, stream ids {@code <position>-0},
 * exact trimming by count and by age recorded so that a reader from before it knows its history
 * is lost, and the script sent again when Redis forgot it.
 */
class RedisHistoryTest {
    private static final String EVENT = "origin\u0000mail";
    private static final String SID = "00000000000000aa";
    private static final String OTHER_SID = "00000000000000bb";

    private static EventFrame frame(String body) {
        return new EventFrame("mail", body.getBytes(StandardCharsets.UTF_8), "text/plain");
    }

    private static TakeOver.Shared shared(String sid) {
        return new TakeOver.Shared(sid, "tok", "edge-1", EVENT, "", "B", "mail", null, Long.MAX_VALUE / 2000, "repeatable", "origin", 0);
    }

    private static long get(java.util.concurrent.CompletionStage<Long> s) throws Exception {
        return s.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static TakeOver.Missed after(RedisHistory h, String sid, long p) throws Exception {
        return h.after(shared(sid), p).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static List<String> bodies(TakeOver.Missed m) {
        assertThat(m).isInstanceOf(TakeOver.Events.class);
        List<String> out = new ArrayList<>();
        for (EventFrame f : ((TakeOver.Events) m).frames()) {
            out.add(new String(f.data(), StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void fanOutsAndUnicastsOfOneEventShareOnePositionSequenceAndAreReadBackMergedAfterAPosition() throws Exception {
        try (RedisServer server = RedisServer.start(); Redis redis = Redis.connect(RedisSettings.of(List.of(server.uri())));
                ServerMetrics metrics = new ServerMetrics()) {
            RedisHistory h = new RedisHistory(redis, metrics);
            long p1 = get(h.appendToEvent(EVENT, frame("fan 1")));
            long p2 = get(h.appendToSubscription(SID, EVENT, frame("uni 2")));
            long p3 = get(h.appendToSubscription(OTHER_SID, EVENT, frame("other's 3")));
            long p4 = get(h.appendToEvent(EVENT, frame("fan 4")));
            assertThat(List.of(p1, p2, p3, p4)).isSorted().doesNotHaveDuplicates();
            assertThat(p1).as("a position says when it was given: ms * 1024").isGreaterThan(System.currentTimeMillis() * 1024 - 60_000L * 1024);

            String eh = SharedKeys.eventHash(EVENT);
            assertThat(server.cli("xrange", SharedKeys.uni(eh, SID), "-", "+")).contains(p2 + "-0").contains("uni 2");
            assertThat(server.cli("get", SharedKeys.pos(eh)).strip()).isEqualTo(Long.toString(p4));
            assertThat(Long.parseLong(server.cli("pttl", SharedKeys.fan(eh)).strip())).as("kept for the history's age").isPositive();

            assertThat(bodies(after(h, SID, 0))).containsExactly("fan 1", "uni 2", "fan 4");
            assertThat(bodies(after(h, SID, p1))).containsExactly("uni 2", "fan 4");
            assertThat(bodies(after(h, SID, p2))).containsExactly("fan 4");
            assertThat(bodies(after(h, OTHER_SID, p1))).as("another subscription's unicasts are not mine").containsExactly("other's 3", "fan 4");
            assertThat(bodies(after(h, SID, p4))).isEmpty();
            List<EventFrame> frames = ((TakeOver.Events) after(h, SID, 0)).frames();
            assertThat(frames).extracting(EventFrame::position).containsExactly(p1, p2, p4);
            assertThat(frames).extracting(EventFrame::eventId).containsOnly("mail");
            assertThat(frames).extracting(EventFrame::contentType).containsOnly("text/plain");
        }
    }

    @Test
    void aStreamTrimmedPastTheReadersPositionIsHistoryLostAndNotBeforeIt() throws Exception {
        try (RedisServer server = RedisServer.start();
                Redis redis = Redis.connect(RedisSettings.of(List.of(server.uri())).withHistory(3, Duration.ofMinutes(10)));
                ServerMetrics metrics = new ServerMetrics()) {
            RedisHistory h = new RedisHistory(redis, metrics);
            List<Long> p = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                p.add(get(h.appendToSubscription(SID, EVENT, frame("u" + i))));
            }
            String eh = SharedKeys.eventHash(EVENT);
            assertThat(server.cli("xlen", SharedKeys.uni(eh, SID)).strip()).as("exactly historyCount kept").isEqualTo("3");
            assertThat(server.cli("hget", SharedKeys.trim(eh), "uni:" + SID).strip()).isEqualTo(Long.toString(p.get(1)));

            assertThat(after(h, SID, 0)).isEqualTo(new TakeOver.Lost("trimmed"));
            assertThat(after(h, SID, p.get(0))).as("u2 is gone").isEqualTo(new TakeOver.Lost("trimmed"));
            assertThat(bodies(after(h, SID, p.get(1)))).as("everything after u2 is kept").containsExactly("u3", "u4", "u5");
            assertThat(bodies(after(h, OTHER_SID, 0))).as("another subscription's trim is not its loss").isEmpty();

            // the fan-out stream is trimmed on its own count
            long f1 = get(h.appendToEvent(EVENT, frame("f1")));
            assertThat(bodies(after(h, SID, p.get(4)))).containsExactly("f1");
            for (int i = 2; i <= 4; i++) {
                get(h.appendToEvent(EVENT, frame("f" + i)));
            }
            assertThat(after(h, SID, p.get(4))).as("f1 was trimmed").isEqualTo(new TakeOver.Lost("trimmed"));
            assertThat(bodies(after(h, SID, f1))).containsExactly("f2", "f3", "f4");
        }
    }

    @Test
    void entriesOlderThanTheHistoryAgeAreTrimmedAtTheNextAppendAndThatIsHistoryLost() throws Exception {
        try (RedisServer server = RedisServer.start();
                Redis redis = Redis.connect(RedisSettings.of(List.of(server.uri())).withHistory(100, Duration.ofSeconds(1)));
                ServerMetrics metrics = new ServerMetrics()) {
            RedisHistory h = new RedisHistory(redis, metrics);
            long old = get(h.appendToSubscription(SID, EVENT, frame("old")));
            long before = old - 1;
            // appended until the first one is older than the age (polled: how long that takes is not the point)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            TakeOver.Missed m = after(h, SID, before);
            long last = old;
            while (m instanceof TakeOver.Events && System.nanoTime() < deadline) {
                Thread.sleep(200);
                last = get(h.appendToSubscription(SID, EVENT, frame("new")));
                m = after(h, SID, before);
            }
            assertThat(m).isEqualTo(new TakeOver.Lost("trimmed"));
            assertThat(bodies(after(h, SID, last - 1))).as("the young one is kept").containsExactly("new");
        }
    }

    @Test
    void onARedisClusterTheKeysOfOneEventShareANodeAndTheScriptRunsThere() throws Exception {
        try (RedisServer.Cluster cluster = RedisServer.cluster();
                Redis redis = Redis.connect(RedisSettings.of(cluster.uris()).withHistory(2, Duration.ofMinutes(10)));
                ServerMetrics metrics = new ServerMetrics()) {
            RedisHistory h = new RedisHistory(redis, metrics);
            List<String> events = List.of("origin\u0000a", "origin\u0000b", "origin\u0000c", "origin\u0000d");
            for (String e : events) {
                long f = get(h.appendToEvent(e, frame("fan of " + e)));
                get(h.appendToSubscription(SID, e, frame("uni of " + e)));
                TakeOver.Shared s = new TakeOver.Shared(SID, "tok", "edge-1", e, "", "B", "x", null, Long.MAX_VALUE / 2000,
                        "repeatable", "origin", 0);
                assertThat(bodies(h.after(s, f - 1).toCompletableFuture().get(10, TimeUnit.SECONDS)))
                        .containsExactly("fan of " + e, "uni of " + e);
                get(h.appendToSubscription(SID, e, frame("2")));
                get(h.appendToSubscription(SID, e, frame("3")));
                assertThat(h.after(s, f).toCompletableFuture().get(10, TimeUnit.SECONDS)).isEqualTo(new TakeOver.Lost("trimmed"));
            }
        }
    }

    @Test
    void aRedisThatForgotTheScriptIsSentItAgain() throws Exception {
        try (RedisServer server = RedisServer.start(); Redis redis = Redis.connect(RedisSettings.of(List.of(server.uri())));
                ServerMetrics metrics = new ServerMetrics()) {
            RedisHistory h = new RedisHistory(redis, metrics);
            long p1 = get(h.appendToEvent(EVENT, frame("one")));
            server.cli("script", "flush");
            long p2 = get(h.appendToEvent(EVENT, frame("two")));
            assertThat(p2).isGreaterThan(p1);
            assertThat(bodies(after(h, SID, 0))).containsExactly("one", "two");
        }
    }

    @Test
    void positionsGoOnGrowingWhenRedisRestartedEmpty() throws Exception {
        try (RedisServer server = RedisServer.start();
                Redis redis = Redis.connect(RedisSettings.of(List.of(server.uri())).withCommandTimeout(Duration.ofSeconds(2)));
                ServerMetrics metrics = new ServerMetrics()) {
            RedisHistory h = new RedisHistory(redis, metrics);
            long before = 0;
            for (int i = 0; i < 50; i++) {
                before = get(h.appendToEvent(EVENT, frame("x" + i)));
            }
            server.restart();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            Long after = null;
            while (after == null && System.nanoTime() < deadline) {
                try {
                    after = get(h.appendToEvent(EVENT, frame("after")));
                } catch (Exception e) {
                    Thread.sleep(100); // reconnecting
                }
            }
            assertThat(after).as("a position after the restart").isNotNull().isGreaterThan(before);
        }
    }
}
