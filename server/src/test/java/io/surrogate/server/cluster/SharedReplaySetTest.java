package io.surrogate.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.TinkKeys;
import io.surrogate.server.EdgeServer;
import io.surrogate.server.ServerConfig;
import io.surrogate.server.origin.Delivery;
import io.surrogate.server.origin.Outgoing;
import io.surrogate.server.origin.SampleOrigin;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The replay set the edges share (issue 13, "One replay set", "Redis faults"), on real edges, a
 * real sample origin and a real redis-server: a delivery accepted at one edge is refused at the
 * others; while Redis is down deliveries fail closed with a retryable 503 (or, with the local
 * fallback, are checked against the edge's own nonces) and held clients stay held; when Redis is
 * back the edges take deliveries again by themselves.
 */
class SharedReplaySetTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** {@code /fan?e=EVENT}: userless, repeatable, SSE, 1 s heartbeats. */
    private static final String RULES = """
            <rules xmlns="urn:surrogate:rules:1" xmlns:match="urn:surrogate:match:1"
                   xmlns:variable="urn:surrogate:variable:1" xmlns:edgeservices="urn:surrogate:edgeservices:1">
              <match:uri.path value="/fan">
                <variable:extract from="query" key="e" name="EVENT" required="true"/>
                <edgeservices:event.handle-subscription>
                  <token><key>tok</key></token>
                  <event-id>$(EVENT)</event-id>
                  <subscription-type>repeatable</subscription-type>
                  <transport>sse</transport>
                  <heartbeat>1s</heartbeat>
                </edgeservices:event.handle-subscription>
              </match:uri.path>
            </rules>
            """;

    @Test
    void aDeliveryAcceptedAtOneEdgeIsRefusedAtTheOthers() throws Exception {
        try (RedisServer redis = RedisServer.start(); Edges edges = Edges.start(3, List.of(redis.uri()), s -> s)) {
            Sse client = Sse.open(edges.edge(0), "/fan?e=news");
            assertThat(eventually(() -> edges.edge(0).heldConnections() == 1)).isTrue();

            Outgoing first = edges.fanOut(0, "news", "one");
            assertThat(edges.send(0, first).word()).isEqualTo("delivered");
            assertThat(client.nextData()).isEqualTo("one");
            for (int other : new int[] {1, 2}) {
                Delivery replayed = edges.send(other, first);
                assertThat(replayed.status()).as("the same signed delivery at edge %d", other).isEqualTo(409);
                assertThat(replayed.word()).isEqualTo("replay");
            }
            assertThat(edges.send(0, first).word()).as("and at the edge that took it").isEqualTo("replay");

            // one key per nonce, living the rest of the signature window (5 min, and the last second)
            long ttl = Long.parseLong(redis.cli("pttl", RedisReplayStore.PREFIX + first.nonce()).strip());
            assertThat(ttl).isBetween(1_000L, (ServerConfig.DEFAULT_SIGNATURE_WINDOW.toSeconds() + 1) * 1000);

            // another nonce at another edge is not a replay
            Outgoing second = edges.fanOut(1, "news", "two");
            assertThat(edges.send(1, second).word()).isNotIn("replay", "replay-set-unavailable");

            // a nonce longer than the signature's 64 characters never reaches Redis
            Delivery longNonce = edges.send(2, edges.fanOut(2, "news", "three").withNonce("n".repeat(65)));
            assertThat(longNonce.status()).isEqualTo(401);
            assertThat(scan(redis))
                    .containsExactlyInAnyOrder(RedisReplayStore.PREFIX + first.nonce(), RedisReplayStore.PREFIX + second.nonce());
            assertThat(sample(edges.edge(0), "surrogate_redis_connected")).isEqualTo(1);
            client.close();
        }
    }

    @Test
    void withRedisDownDeliveriesFailClosedClientsStayHeldAndEdgesRecoverByThemselves() throws Exception {
        try (RedisServer redis = RedisServer.start(); Edges edges = Edges.start(2, List.of(redis.uri()), s -> s)) {
            Sse held = Sse.open(edges.edge(0), "/fan?e=news");
            assertThat(eventually(() -> edges.edge(0).heldConnections() == 1)).isTrue();
            Outgoing before = edges.fanOut(0, "news", "before");
            assertThat(edges.send(0, before).word()).isEqualTo("delivered");
            assertThat(held.nextData()).isEqualTo("before");

            redis.kill();
            Delivery refused = awaitDelivery(edges, 0, "during", d -> d.status() == 503);
            assertThat(refused.word()).isEqualTo("replay-set-unavailable");
            assertThat(refused.header("Retry-After")).isEqualTo("1");
            assertThat(eventually(() -> sample(edges.edge(0), "surrogate_redis_connected") == 0))
                    .as("the connected gauge says 0").isTrue();
            assertThat(sample(edges.edge(0), "surrogate_redis_failures_total{use=\"replay\"}")).isPositive();

            // the held client stays held: heartbeats go on
            int beats = held.heartbeats();
            assertThat(eventually(() -> held.heartbeats() >= beats + 2)).as("heartbeats while Redis is down").isTrue();
            assertThat(edges.edge(0).heldConnections()).isEqualTo(1);
            // a new client subscribes (its origin round trip needs no Redis) and is held; its delivery is refused
            int subscribes = edges.origin.subscribes().size();
            Sse late = Sse.open(edges.edge(1), "/fan?e=news");
            assertThat(eventually(() -> edges.edge(1).heldConnections() == 1)).isTrue();
            assertThat(edges.origin.subscribes()).hasSize(subscribes + 1);
            assertThat(edges.send(1, edges.fanOut(1, "news", "refused")).status()).isEqualTo(503);

            redis.restart();
            Delivery back = awaitDelivery(edges, 0, "after", d -> d.status() == 200);
            assertThat(back.word()).isEqualTo("delivered");
            assertThat(held.nextData()).as("the first event the held client gets is the one after Redis came back")
                    .isEqualTo("after");
            Outgoing toLate = edges.fanOut(1, "news", "late");
            assertThat(edges.send(1, toLate).word()).isEqualTo("delivered");
            assertThat(late.awaitData("late")).as("the client that came while Redis was down gets its event").isTrue();
            assertThat(edges.send(0, toLate).word()).as("replays are refused across edges again").isEqualTo("replay");
            assertThat(eventually(() -> sample(edges.edge(0), "surrogate_redis_connected") == 1)).isTrue();
            assertThat(sample(edges.edge(0), "surrogate_redis_reconnects_total")).isPositive();
            assertThat(sample(edges.edge(0), "surrogate_deliveries_total{result=\"replay-set-unavailable\"}")).isPositive();
            held.close();
            late.close();
        }
    }

    @Test
    void withTheLocalFallbackAnEdgeChecksItsOwnNoncesWhileRedisIsDown() throws Exception {
        try (RedisServer redis = RedisServer.start();
                Edges edges = Edges.start(2, List.of(redis.uri()), s -> s.withReplayFallbackLocal(true))) {
            Sse held = Sse.open(edges.edge(0), "/fan?e=news");
            assertThat(eventually(() -> edges.edge(0).heldConnections() == 1)).isTrue();
            Outgoing before = edges.fanOut(0, "news", "before");
            assertThat(edges.send(0, before).word()).isEqualTo("delivered");
            assertThat(held.nextData()).isEqualTo("before");

            redis.kill();
            assertThat(eventually(() -> {
                edges.send(0, edges.fanOut(0, "news", "probe"));
                return sample(edges.edge(0), "surrogate_redis_failures_total{use=\"replay\"}") > 0;
            })).as("the edge finds Redis gone").isTrue();
            Outgoing during = edges.fanOut(0, "news", "during");
            assertThat(edges.send(0, during).word()).as("accepted on this edge's own set").isEqualTo("delivered");
            assertThat(edges.send(0, during).word()).isEqualTo("replay");
            assertThat(edges.send(0, before).word()).as("a nonce Redis took before the outage").isEqualTo("replay");
            // the documented risk: another edge does not know this edge's nonces meanwhile
            assertThat(edges.send(1, during).word()).isNotIn("replay", "replay-set-unavailable");

            redis.restart();
            assertThat(eventually(() -> {
                edges.send(0, edges.fanOut(0, "news", "probe"));
                return !scan(redis).isEmpty();
            })).as("the edge's nonces go to Redis again").isTrue();
            assertThat(edges.send(0, during).word()).as("Redis restarted empty; the edge still knows").isEqualTo("replay");
            // the other edge falls back to its own set until its own connection is back: wait for it
            assertThat(eventually(() -> sample(edges.edge(1), "surrogate_redis_connected") == 1)).isTrue();
            Outgoing after = edges.fanOut(0, "news", "after");
            assertThat(edges.send(0, after).word()).isEqualTo("delivered");
            assertThat(edges.send(1, after).word()).as("refused at the other edge by Redis again").isEqualTo("replay");
            held.close();
        }
    }

    @Test
    void aReplayIsRefusedAcrossEdgesOnARedisCluster() throws Exception {
        try (RedisServer.Cluster cluster = RedisServer.cluster(); Edges edges = Edges.start(2, cluster.uris(), s -> s)) {
            Sse client = Sse.open(edges.edge(0), "/fan?e=news");
            assertThat(eventually(() -> edges.edge(0).heldConnections() == 1)).isTrue();
            // until every node holds a nonce's key (random nonces: a third of them on each node)
            for (int i = 0; i < 60 && !cluster.nodes().stream().allMatch(SharedReplaySetTest::holdsKeys); i++) {
                Outgoing o = edges.fanOut(0, "news", "n" + i);
                assertThat(edges.send(0, o).word()).isEqualTo("delivered");
                assertThat(client.nextData()).isEqualTo("n" + i);
                assertThat(edges.send(1, o).word()).as("replayed at the other edge").isEqualTo("replay");
            }
            assertThat(cluster.nodes()).allMatch(SharedReplaySetTest::holdsKeys);
            client.close();
        }
    }

    @Test
    void aSlowRedisHoldsOnlyTheDeliveriesThatWaitForIt() throws Exception {
        try (RedisServer redis = RedisServer.start();
                Edges edges = Edges.start(1, List.of(redis.uri()), s -> s.withCommandTimeout(Duration.ofSeconds(60)))) {
            Sse held = Sse.open(edges.edge(0), "/fan?e=news");
            assertThat(eventually(() -> edges.edge(0).heldConnections() == 1)).isTrue();
            redis.cli("client", "pause", "60000", "write");
            List<CompletableFuture<Delivery>> waiting = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                waiting.add(edges.sendAsync(0, edges.fanOut(0, "news", "slow" + i)));
            }
            // while they wait for Redis, the edge's IO threads serve everything else
            int beats = held.heartbeats();
            assertThat(eventually(() -> held.heartbeats() >= beats + 2)).as("heartbeats while Redis is paused").isTrue();
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + edges.edge(0).originAddress().getPort() + "/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            Sse late = Sse.open(edges.edge(0), "/fan?e=news");
            assertThat(eventually(() -> edges.edge(0).heldConnections() == 2)).as("a new client is held").isTrue();
            assertThat(waiting).as("the deliveries still wait for Redis").noneMatch(CompletableFuture::isDone);
            assertThat(sample(edges.edge(0), "surrogate_redis_connected")).isEqualTo(1);

            redis.cli("client", "unpause");
            for (var w : waiting) {
                assertThat(w.get(WAIT.toSeconds(), TimeUnit.SECONDS).word()).isEqualTo("delivered");
            }
            held.close();
            late.close();
        }
    }

    @Test
    void aRedisSlowerThanTheCommandTimeoutIsUnavailable() throws Exception {
        try (RedisServer redis = RedisServer.start();
                Edges edges = Edges.start(1, List.of(redis.uri()), s -> s.withCommandTimeout(Duration.ofMillis(300)))) {
            redis.cli("client", "pause", "30000", "write");
            Delivery refused = edges.send(0, edges.fanOut(0, "news", "slow"));
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.word()).isEqualTo("replay-set-unavailable");
            assertThat(sample(edges.edge(0), "surrogate_redis_failures_total{use=\"replay\"}")).isPositive();
            assertThat(sample(edges.edge(0), "surrogate_redis_connected")).as("slow is not disconnected").isEqualTo(1);
            redis.cli("client", "unpause");
            assertThat(edges.send(0, edges.fanOut(0, "news", "fast")).word()).isEqualTo("no-subscriber");
        }
    }

    /** Sends fresh fan-outs of {@code data} to edge {@code i} until one is answered as {@code done} says; that answer. */
    private static Delivery awaitDelivery(Edges edges, int i, String data, Predicate<Delivery> done)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Delivery last = null;
        while (System.nanoTime() < deadline) {
            last = edges.send(i, edges.fanOut(i, "news", data));
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no delivery answered as expected within " + WAIT + "; the last: " + last);
    }

    private static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }

    private static boolean holdsKeys(RedisServer node) {
        try {
            return Long.parseLong(node.cli("dbsize").strip()) > 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The nonce keys in Redis. */
    private static List<String> scan(RedisServer redis) {
        try {
            return redis.cli("--scan", "--pattern", RedisReplayStore.PREFIX + "*").lines().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A sample of the edge's /metrics text by its full name and labels; 0 when absent. */
    private static double sample(EdgeServer edge, String sample) {
        for (String line : edge.metricsText().split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    /**
     * Edges on one Redis, sharing one keyring and one rule file, each with its own id, and one
     * sample origin that subscribes for all of them and posts to whichever edge a test names.
     */
    private static final class Edges implements AutoCloseable {
        final Path dir;
        final SampleOrigin origin;
        final List<EdgeServer> servers = new ArrayList<>();

        private Edges(Path dir, SampleOrigin origin) {
            this.dir = dir;
            this.origin = origin;
        }

        static Edges start(int n, List<URI> seeds, UnaryOperator<RedisSettings> tune) throws Exception {
            Path dir = Files.createTempDirectory("surrogate-replay-test-");
            Path keys = Files.createDirectory(dir.resolve("keys"));
            Path rules = Files.createDirectory(dir.resolve("rules"));
            Files.writeString(rules.resolve("test.xml"), RULES);
            Keyring.write(keys, "tok", TinkKeys.generate(KeyPurpose.TOKEN));
            Keyring.write(keys, "origin", TinkKeys.generate(KeyPurpose.HMAC));
            byte[] secret = TinkKeys.hmacSecret(Keyring.open(keys).find("origin").orElseThrow());
            Edges edges = new Edges(dir, new SampleOrigin(new InetSocketAddress("127.0.0.1", 0), secret, null).start());
            try {
                RedisSettings settings = tune.apply(RedisSettings.of(seeds));
                for (int i = 0; i < n; i++) {
                    ServerConfig c = ServerConfig.loopback(List.of(rules), keys, Optional.of(edges.origin.baseUri()))
                            .withWatchRules(false).withRedis(settings);
                    edges.servers.add(EdgeServer.start(new ServerConfig(c.clientListen(), c.originListen(), c.origin(), c.rules(),
                            c.keys(), "edge-" + (i + 1), c.advertisedAddress(), c.maxBody(), c.maxEventSize(), c.maxQueuedBytes(),
                            c.signatureWindow(), c.replayCapacity(), c.watchRules(), c.maxClients(), c.fallback(), c.clock(),
                            c.scheduler(), c.replayBudget(), c.bodyDeadline(), c.tls(), c.proxies(), c.admin(), c.redis())));
                }
            } catch (Exception | Error e) {
                edges.close();
                throw e;
            }
            return edges;
        }

        EdgeServer edge(int i) {
            return servers.get(i);
        }

        /** A correctly signed fan-out of {@code data} to {@code event}, addressed to edge {@code i}. */
        Outgoing fanOut(int i, String event, String data) {
            origin.setEdge(URI.create("http://127.0.0.1:" + edge(i).originAddress().getPort()));
            return origin.outgoing("", event, "", data.getBytes(StandardCharsets.UTF_8));
        }

        /** Posts {@code o} to edge {@code i} (again, for a replay). */
        Delivery send(int i, Outgoing o) {
            origin.setEdge(URI.create("http://127.0.0.1:" + edge(i).originAddress().getPort()));
            return origin.send(o);
        }

        CompletableFuture<Delivery> sendAsync(int i, Outgoing o) {
            origin.setEdge(URI.create("http://127.0.0.1:" + edge(i).originAddress().getPort()));
            return origin.sendAsync(o);
        }

        @Override
        public void close() throws IOException {
            for (EdgeServer e : servers) {
                e.close();
            }
            origin.close();
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** An SSE client on a plain socket: its data lines and heartbeats as they arrive (chunked decoding by hand). */
    private static final class Sse implements AutoCloseable {
        private final Socket socket;
        private final BlockingQueue<String> data = new LinkedBlockingQueue<>();
        private volatile int heartbeats;

        private Sse(Socket socket) {
            this.socket = socket;
        }

        static Sse open(EdgeServer edge, String path) throws IOException {
            Socket s = new Socket();
            int port = edge.clientAddress().getPort();
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String status = line(in);
            assertThat(status).as("the status line").startsWith("HTTP/1.1 200");
            String header;
            boolean chunked = false;
            while ((header = line(in)) != null && !header.isEmpty()) {
                chunked |= header.equalsIgnoreCase("transfer-encoding: chunked");
            }
            assertThat(chunked).as("a chunked, held response").isTrue();
            Sse sse = new Sse(s);
            Thread reader = new Thread(() -> sse.read(in), "sse-reader");
            reader.setDaemon(true);
            reader.start();
            return sse;
        }

        private void read(InputStream in) {
            try {
                ByteArrayOutputStream pending = new ByteArrayOutputStream();
                String size;
                while ((size = line(in)) != null) {
                    int n = Integer.parseInt(size.strip(), 16);
                    if (n == 0) {
                        return;
                    }
                    for (byte b : in.readNBytes(n)) {
                        if (b != '\n') {
                            pending.write(b);
                            continue;
                        }
                        String l = pending.toString(StandardCharsets.UTF_8);
                        pending.reset();
                        if (l.startsWith("data: ")) {
                            data.add(l.substring("data: ".length()));
                        } else if (l.equals(":")) {
                            heartbeats++;
                        }
                    }
                    line(in);
                }
            } catch (IOException e) {
                // the connection ended
            }
        }

        /** The next data line, which must come. */
        String nextData() throws InterruptedException {
            String d = data.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(d).as("an event").isNotNull();
            return d;
        }

        /** Whether the data line {@code expected} comes (after any others). */
        boolean awaitData(String expected) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            String d;
            while ((d = data.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) != null) {
                if (d.equals(expected)) {
                    return true;
                }
            }
            return false;
        }

        int heartbeats() {
            return heartbeats;
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != -1) {
                if (c == '\n') {
                    String s = b.toString(StandardCharsets.US_ASCII);
                    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
                }
                b.write(c);
            }
            return b.size() == 0 ? null : b.toString(StandardCharsets.US_ASCII);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
