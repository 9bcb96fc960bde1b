package io.surrogate.cli.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.surrogate.cli.SurrogateCommand;
import io.surrogate.server.cluster.RedisServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code surrogate loadtest} against real edges (child JVMs running {@code serve} from this
 * class path) with the built-in origin, at sizes a test can afford: every scenario runs, and a
 * run where events go astray or deliveries are refused says so.
 */
class LoadTestTest {
    private static final String SMALL_EDGE = "-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1";

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err, JsonObject json) {}

    private Run loadtest(String... args) throws Exception {
        Path json = dir.resolve("runs.jsonl");
        Files.deleteIfExists(json);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 5];
        all[0] = "loadtest";
        System.arraycopy(args, 0, all, 1, args.length);
        System.arraycopy(new String[] {"--edge-jvm-flags", SMALL_EDGE, "--json", json.toString()}, 0, all, args.length + 1, 4);
        int exit = SurrogateCommand.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
        JsonObject parsed = Files.exists(json) ? JsonParser.parseString(Files.readAllLines(json).get(0)).getAsJsonObject() : null;
        return new Run(exit, out.toString(), err.toString(), parsed);
    }

    @Test
    void unicastDeliversEverySignedEventAndMeasuresIt() throws Exception {
        Run r = loadtest("unicast", "-n", "200", "--rate", "400", "--seconds", "2", "--warmup", "1", "--idle", "0");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        JsonObject j = r.json();
        assertThat(j.get("pass").getAsBoolean()).isTrue();
        assertThat(j.get("published").getAsLong()).isEqualTo(1200);
        assertThat(j.get("received").getAsLong()).isEqualTo(1200);
        assertThat(j.get("lost").getAsLong()).isZero();
        assertThat(j.getAsJsonObject("answers").get("200").getAsLong()).isEqualTo(1200);
        assertThat(j.get("serverSaysDelivered").getAsLong()).as("the edge's answers count one client per delivery").isEqualTo(1200);
        // recorded by schedule: exactly the publishes after the 1 s warm-up at 400/s, however fast either side ran
        assertThat(j.get("recordedFromSeq").getAsLong()).isEqualTo(400);
        assertThat(j.getAsJsonObject("latencyMs").get("count").getAsLong()).isEqualTo(1200 - 400);
        assertThat(j.getAsJsonObject("cpu").get("serverCpuSeconds").getAsDouble()).isPositive();
        assertThat(r.out()).contains("surrogate unicast to 200 held at 400/s: 1,200 published, 1,200 accepted");
    }

    @Test
    void fanOutReachesEverySubscriberEveryRound() throws Exception {
        Run r = loadtest("fanout", "-n", "300", "--rounds", "3", "--warmup", "1", "--threads", "2", "--idle", "0");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        JsonObject j = r.json();
        assertThat(j.get("received").getAsLong()).isEqualTo(900);
        assertThat(j.get("lost").getAsLong()).isZero();
        assertThat(j.get("serverSaysDelivered").getAsLong()).as("the edge's answers: 300 clients in each of 4 rounds, the warm-up's too")
                .isEqualTo(1200);
        assertThat(j.getAsJsonArray("rounds")).hasSize(3).allSatisfy(round -> {
            JsonObject o = round.getAsJsonObject();
            assertThat(o.get("received").getAsLong()).isEqualTo(300);
            assertThat(o.get("count").getAsLong()).as("one receipt per subscriber").isEqualTo(300);
            // the round lasts until its last receipt: the slowest receipt, never less than the p99 over receipts
            assertThat(o.get("lastReceiptMs").getAsDouble()).isEqualTo(o.get("max").getAsDouble())
                    .isGreaterThanOrEqualTo(o.get("p99").getAsDouble());
        });
        assertThat(j.getAsJsonObject("latencyMs").get("count").getAsLong()).isEqualTo(900);
        assertThat(j.getAsJsonObject("lastReceiptMs").get("max").getAsDouble())
                .isGreaterThanOrEqualTo(j.getAsJsonObject("lastReceiptMs").get("median").getAsDouble());
        assertThat(r.out()).contains("surrogate fan-out round 3: 300 of 300 received; the last after ");
    }

    @Test
    void heldMeasuresTheEdgesMemoryPerSubscriber() throws Exception {
        Run r = loadtest("held", "--steps", "200,400", "--warmup-clients", "50", "--heartbeat", "1s", "--idle", "1");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.json().getAsJsonArray("steps")).hasSize(2);
        assertThat(r.json().getAsJsonArray("steps").get(1).getAsJsonObject().get("rssKiB").getAsLong()).isGreaterThan(10_000);
    }

    @Test
    void subscribeCountsRoundTripsAndTheEdgeTellsTheOriginOfEveryLeaver() throws Exception {
        Run r = loadtest("subscribe", "--seconds", "2", "--concurrency", "20", "--heartbeat", "1s");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        JsonObject j = r.json();
        assertThat(j.get("subscribed").getAsLong()).isPositive();
        assertThat(j.get("settled").getAsBoolean()).isTrue();
        assertThat(j.get("originSubscribes").getAsLong()).as("one origin round trip per held subscriber").isEqualTo(j.get("subscribed").getAsLong());
        assertThat(j.get("originUnsubscribes").getAsLong()).isEqualTo(j.get("originSubscribes").getAsLong());
    }

    @Test
    void soakChurnsAndEndsWithNothingHeld() throws Exception {
        Run r = loadtest("soak", "--rate", "100", "--seconds", "3", "--concurrency", "50", "--heartbeat", "1s");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        JsonObject j = r.json();
        // every subscriber opened was held and got its one event, however many the run managed to open
        assertThat(j.get("received").getAsLong()).isEqualTo(j.get("held").getAsLong()).isEqualTo(j.get("opened").getAsLong()).isPositive();
        assertThat(j.get("serverSaysDelivered").getAsLong()).isEqualTo(j.get("received").getAsLong());
        assertThat(j.get("lost").getAsLong()).isZero();
        assertThat(j.get("originSubscribes").getAsLong()).isEqualTo(j.get("held").getAsLong());
        assertThat(j.get("originUnsubscribes").getAsLong()).as("each leaver of a repeatable subscription unsubscribed").isEqualTo(j.get("held").getAsLong());
        assertThat(j.get("settled").getAsBoolean()).isTrue();
    }

    @Test
    void workerProcessesHoldForSeveralEdgesAndDeliveriesFollow421ToTheirEdge() throws Exception {
        Run r = loadtest("held", "-n", "300", "--processes", "2", "--edges", "3", "--idle", "0");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        JsonObject routed = r.json().getAsJsonObject("routed");
        assertThat(routed.get("received").getAsLong()).isEqualTo(300);
        assertThat(routed.get("redirected421").getAsLong()).isEqualTo(200);
        assertThat(r.json().getAsJsonArray("rssPerProcessKiB")).hasSize(3);
    }

    @Test
    void deliveriesPostedRoundRobinOverThreeEdgesReachTheirSubscribers() throws Exception {
        Run r = loadtest("unicast", "-n", "30", "--rate", "60", "--seconds", "1", "--warmup", "1", "--idle", "0", "--edges", "3",
                "--deliver-to", "round-robin");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        JsonObject j = r.json();
        assertThat(j.get("edges").getAsInt()).isEqualTo(3);
        assertThat(j.get("deliverTo").getAsString()).isEqualTo("round-robin");
        assertThat(j.has("redis")).isFalse();
        assertThat(j.get("received").getAsLong()).isEqualTo(120);
        assertThat(j.get("serverCpuUsPerDelivery").getAsDouble()).isPositive();
        assertThat(j.get("server").getAsString()).contains("3 edge process(es), deliveries to round-robin");
    }

    @Test
    void withRedisItsServerProcessIsMeasuredBesideTheEdges() throws Exception {
        try (RedisServer redis = RedisServer.start();
                SurrogateTarget edge = SurrogateTarget.start(1, Path.of("classes"), List.of(SMALL_EDGE.split(" ")), "30s", 16,
                        List.of("--redis-timeout", "3000"), redis.url(), Targets.DeliverTo.FIRST)) {
            assertThat(edge.redisPids()).as("redis-server's pid, from INFO server").hasSize(1);
            StringWriter out = new StringWriter();
            var o = new LoadTest.Options("unicast", 20, List.of(20), true, false, 40, 1, 1, 1, 20, 4, 1, 0, 0, 1, null);
            LoadTest test = new LoadTest(o, edge, new PrintWriter(out, true));
            assertThat(test.run()).as(out.toString()).isTrue();
            JsonObject j = JsonParser.parseString(test.json()).getAsJsonObject();
            assertThat(j.get("redis").getAsString()).isEqualTo(redis.url());
            assertThat(j.getAsJsonObject("cpu").get("redisCpuSeconds").getAsDouble()).isNotNegative();
            assertThat(j.get("redisCpuUsPerDelivery").getAsDouble()).isNotNegative();
            assertThat(out.toString()).contains(", redis ");
            assertThat(edge.redisUsedKiB()).as("INFO memory's used_memory").isPositive();
        }
    }

    @Test
    void eventsThatReachTheWrongSubscriberAreCountedLost() throws Exception {
        try (SurrogateTarget edge = SurrogateTarget.start(1, Path.of("classes"), List.of(SMALL_EDGE.split(" ")), "30s", 16, List.of())) {
            // every publish claims to be for subscriber i but carries subscriber i+1's channel and token
            Target astray = new Redirecting(edge);
            StringWriter out = new StringWriter();
            var o = new LoadTest.Options("unicast", 20, List.of(20), true, false, 100, 1, 0, 1, 20, 4, 1, 0, 0, 1, null);
            boolean ok = new LoadTest(o, astray, new PrintWriter(out, true)).run();
            assertThat(ok).isFalse();
            assertThat(out.toString()).contains(" 0 refused").doesNotContain(" 0 lost");
        }
    }

    @Test
    void refusedDeliveriesFailTheRun() throws Exception {
        try (SurrogateTarget edge = SurrogateTarget.start(1, Path.of("classes"), List.of(SMALL_EDGE.split(" ")), "30s", 16, List.of())) {
            Target unsigned = new Redirecting(edge) {
                @Override
                public byte[] publishRequest(Publish p) {
                    return new String(edge.publishRequest(p), java.nio.charset.StandardCharsets.ISO_8859_1).replaceFirst("v1=[0-9a-f]{4}", "v1=0000")
                            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
                }
            };
            StringWriter out = new StringWriter();
            var o = new LoadTest.Options("unicast", 10, List.of(10), true, false, 50, 1, 0, 1, 10, 2, 1, 0, 0, 1, null);
            assertThat(new LoadTest(o, unsigned, new PrintWriter(out, true)).run()).isFalse();
            assertThat(out.toString()).contains("0 accepted").contains("\"answers\":{\"401\":");
        }
    }

    /** The edge, with each unicast publish sent to the next subscriber's channel. */
    private static class Redirecting implements Target {
        final SurrogateTarget edge;

        Redirecting(SurrogateTarget edge) {
            this.edge = edge;
        }

        @Override
        public byte[] publishRequest(Publish p) {
            int next = (p.subscriber + 1) % 20;
            Publish other = new Publish(p.seq, p.scheduledNanos, next, "c" + next, p.to);
            return edge.publishRequest(other);
        }

        @Override public String name() { return edge.name(); }
        @Override public String describe() { return edge.describe(); }
        @Override public InetSocketAddress clientAddress(int i) { return edge.clientAddress(i); }
        @Override public String subscribePath(int i, String channel) { return edge.subscribePath(i, channel); }
        @Override public List<InetSocketAddress> clientAddresses() { return edge.clientAddresses(); }
        @Override public String subscribeTemplate() { return edge.subscribeTemplate(); }
        @Override public InetSocketAddress publishAddress(int subscriber) { return edge.publishAddress(subscriber); }
        @Override public int delivered(int status, String body) { return edge.delivered(status, body); }
        @Override public long heldOnServer() throws Exception { return edge.heldOnServer(); }
        @Override public boolean settled() throws Exception { return edge.settled(); }
        @Override public List<Long> pids() { return edge.pids(); }
        @Override public void close() { }
    }
}
