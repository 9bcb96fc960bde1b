package io.surrogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.TinkKeys;
import io.surrogate.server.cluster.Redis;
import io.surrogate.server.cluster.RedisServer;
import io.surrogate.server.cluster.RedisSettings;
import io.surrogate.server.origin.Delivery;
import io.surrogate.server.origin.JdkSignature;
import io.surrogate.server.origin.Received;
import io.surrogate.server.origin.SampleOrigin;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Several real edges on one real Redis (issue 13), sharing their keyring and rules, with the
 * real sample origin: a unicast posted to an edge that does not hold its subscription is passed
 * on to the one that does (on one Redis and on a three-node Redis Cluster); {@code /admin/edges} lists the edges; an edge killed with SIGKILL
 * turns dead in the directory, a unicast for its client is kept (202), and a surviving edge
 * unsubscribes its subscription at the origin.
 *
 * <p>The subscriptions' records on Redis ({@code t:<tk>}, {@code {e:<eh>}:sub:<sid>},
 * {@code edge:<id>:subs}) are written here, as the holding edge writes them once the registry's
 * events are wired to Redis (the keys of docs/operations.md, "Several edges").
 */
class ManyEdgesTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration TTL = Duration.ofSeconds(1);
    private static final Duration GRACE = Duration.ofSeconds(3);
    private static final String RULES = EdgeFixture.rule("repeatable", "sse", "1s", "");

    private Path dir;
    private Path keys;
    private Path rules;
    private byte[] secret;
    private RedisServer redisServer;
    private RedisServer.Cluster redisCluster;
    private List<URI> seeds;
    private Redis redis;
    private SampleOrigin origin;
    private final List<EdgeServer> edges = new ArrayList<>();
    private final List<Process> children = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("surrogate-many-edges-");
        keys = Files.createDirectory(dir.resolve("keys"));
        rules = Files.createDirectory(dir.resolve("rules"));
        Files.writeString(rules.resolve("test.xml"), RULES);
        Keyring.write(keys, EdgeFixture.TOKEN_KEY, TinkKeys.generate(KeyPurpose.TOKEN));
        Keyring.write(keys, EdgeFixture.ORIGIN_KEY, TinkKeys.generate(KeyPurpose.HMAC));
        secret = TinkKeys.hmacSecret(Keyring.open(keys).find(EdgeFixture.ORIGIN_KEY).orElseThrow());
        origin = new SampleOrigin(new InetSocketAddress("127.0.0.1", 0), secret, null).start();
    }

    @AfterEach
    void stop() throws IOException {
        for (Process p : children) {
            p.destroyForcibly();
        }
        for (EdgeServer e : edges) {
            e.close();
        }
        origin.close();
        if (redis != null) {
            redis.close();
        }
        if (redisServer != null) {
            redisServer.close();
        }
        if (redisCluster != null) {
            redisCluster.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** An edge's configuration on loopback: its id, this Redis, the shared rules and keyring. */
    static ServerConfig config(Path rules, Path keys, URI origin, String edgeId, RedisSettings redis) {
        InetSocketAddress any = new InetSocketAddress("127.0.0.1", 0);
        return new ServerConfig(any, any, Optional.of(origin), List.of(rules), keys, edgeId, Optional.empty(),
                ServerConfig.DEFAULT_MAX_BODY, ServerConfig.DEFAULT_MAX_EVENT_SIZE, ServerConfig.DEFAULT_MAX_QUEUED_BYTES,
                ServerConfig.DEFAULT_SIGNATURE_WINDOW, ServerConfig.DEFAULT_REPLAY_CAPACITY, false, 0, Optional.empty())
                .withRedis(redis);
    }

    /** One Redis, or a three-node Redis Cluster (the edges get every node as a seed). */
    private void redis(boolean cluster) throws Exception {
        if (cluster) {
            redisCluster = RedisServer.cluster();
            seeds = redisCluster.uris();
        } else {
            redisServer = RedisServer.start();
            seeds = List.of(redisServer.uri());
        }
        redis = Redis.connect(RedisSettings.of(seeds));
        assertThat(redis.isCluster()).isEqualTo(cluster);
    }

    private RedisSettings settings() {
        return RedisSettings.of(seeds).withDirectory(TTL, GRACE);
    }

    private EdgeServer edge(String id, RedisSettings settings) throws Exception {
        EdgeServer e = EdgeServer.start(config(rules, keys, origin.baseUri(), id, settings));
        edges.add(e);
        return e;
    }

    private static URI originSide(EdgeServer e) {
        return URI.create("http://127.0.0.1:" + e.originAddress().getPort());
    }

    private Delivery deliverAt(EdgeServer e, String token, String body) {
        origin.setEdge(originSide(e));
        return origin.deliver(token, "7", "B", body.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "cluster: {0}")
    @ValueSource(booleans = {false, true})
    void aUnicastPostedToAnyEdgeReachesItsClientOnce(boolean cluster) throws Exception {
        redis(cluster);
        EdgeServer e1 = edge("edge-1", settings());
        EdgeServer e2 = edge("edge-2", settings());
        EdgeServer e3 = edge("edge-3", settings());
        EdgeServer redirecting = edge("edge-4", settings().withRedirectForeign(true));
        try (RawClient client = RawClient.open(e1.clientAddress().getPort(), "GET", "/sub?e=7&u=B", "Accept: text/event-stream")) {
            assertThat(client.status).isEqualTo(200);
            String token = origin.awaitReceived(SampleOrigin.SUBSCRIBE_PATH, 1, WAIT).get(0).token();
            record(token, "edge-1");
            assertThat(EdgeFixture.eventually(WAIT, () -> aliveIn(e2).size() == 4)).as("edge-2 sees the four edges alive").isTrue();
            assertThat(edgesOf(e2)).containsEntry("edge-1", "127.0.0.1:" + e1.originAddress().getPort());
            HttpResponse<String> fromABrowser = http.send(HttpRequest.newBuilder(originSide(e2).resolve("/admin/edges"))
                    .header("Origin", "https://example.com").timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(fromABrowser.statusCode()).as("an operators' endpoint, never for a browser").isEqualTo(403);

            // posted to an edge that does not hold it: passed on, and the answer is the holder's
            Delivery relayed = deliverAt(e2, token, "hello");
            assertThat(relayed.status()).as(relayed.body()).isEqualTo(200);
            assertThat(relayed.body()).isEqualTo("delivered\n1\n");
            RawClient.Event first = client.nextEvent(WAIT);
            assertThat(first).isNotNull();
            assertThat(first.data()).isEqualTo("hello");

            // the operator kept the 421 redirect on this edge: the origin is sent to the holder
            Delivery redirected = deliverAt(redirecting, token, "not here");
            assertThat(redirected.status()).isEqualTo(421);
            assertThat(redirected.word()).isEqualTo("foreign-token");
            assertThat(redirected.header("X-Event-Edge")).isEqualTo("127.0.0.1:" + e1.originAddress().getPort());

            // a relay whose MAC is not the edges' own: refused, delivered to nobody
            HttpResponse<String> forged = forgedRelay(e1, token, "forged");
            assertThat(forged.statusCode()).isEqualTo(401);
            assertThat(forged.body()).startsWith("bad-relay\n");

            // the next event the client sees is the next one: "hello" came once, the forgery never
            Delivery second = deliverAt(e3, token, "second");
            assertThat(second.status()).as(second.body()).isEqualTo(200);
            RawClient.Event next = client.nextEvent(WAIT);
            assertThat(next.data()).isEqualTo("second");
            // HANDLE-SEQ.P: the same client, the next sequence number, a later position
            assertThat(next.id()).startsWith(first.id().substring(0, first.id().indexOf('-')) + "-2.");

            // at the holder: a delivery posted there directly still works as before
            assertThat(deliverAt(e1, token, "third").status()).isEqualTo(200);
            assertThat(client.nextEvent(WAIT).data()).isEqualTo("third");

            assertThat(e2.metricsText()).contains("surrogate_relays_total{result=\"answered\"} 1.0")
                    .contains("surrogate_deliveries_total{result=\"relayed\"} 1.0").contains("surrogate_redis_edges 4.0");
            assertThat(e1.metricsText()).contains("surrogate_relays_total{result=\"received\"} 2.0")
                    .contains("surrogate_deliveries_total{result=\"bad-relay\"} 1.0");
        }
    }

    @Test
    void aKilledEdgeTurnsDeadAndASurvivorUnsubscribesItsSubscriptions() throws Exception {
        redis(false);
        EdgeServer e1 = edge("edge-1", settings());
        EdgeServer e2 = edge("edge-2", settings());
        int[] ports = child("edge-3");
        RawClient client = RawClient.open(ports[0], "GET", "/sub?e=7&u=B", "Accept: text/event-stream");
        assertThat(client.status).isEqualTo(200);
        String token = origin.awaitReceived(SampleOrigin.SUBSCRIBE_PATH, 1, WAIT).get(0).token();
        String ref = record(token, "edge-3");
        assertThat(EdgeFixture.eventually(WAIT, () -> aliveIn(e1).equals(List.of("edge-1", "edge-2", "edge-3"))))
                .as("edge-1 lists the three edges alive").isTrue();
        assertThat(edgesOf(e1)).containsEntry("edge-3", "127.0.0.1:" + ports[1]);

        long killed = System.nanoTime();
        children.get(0).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        client.close();

        // its client's event is kept for its return, whether the holder looks alive still (unanswered) or dead already
        Delivery kept = deliverAt(e1, token, "while you were out");
        assertThat(kept.status()).as(kept.body()).isEqualTo(202);
        assertThat(kept.word()).isEqualTo("queued");

        assertThat(EdgeFixture.eventually(WAIT, () -> Boolean.FALSE.equals(describe(e2).get("edge-3"))))
                .as("edge-2 lists edge-3 dead once its entry expired").isTrue();

        // a survivor tells the origin: the token no edge holds is unsubscribed
        List<Received> unsubscribed = origin.awaitReceived(SampleOrigin.UNSUBSCRIBE_PATH, 1, WAIT);
        long reapedAfterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
        assertThat(unsubscribed).hasSize(1);
        assertThat(unsubscribed.get(0).token()).isEqualTo(token);
        assertThat(unsubscribed.get(0).signatureVerified()).isTrue();
        assertThat(unsubscribed.get(0).eventId()).isEqualTo("7");
        assertThat(unsubscribed.get(0).user()).isEqualTo("B");
        System.out.println("reaped " + reapedAfterMillis + " ms after the kill; bound ttl + grace + ttl/3 = "
                + (TTL.toMillis() + GRACE.toMillis() + TTL.toMillis() / 3) + " ms plus the polling");

        // its records and its directory entry are gone; a clean stop leaves the directory at once
        assertThat(EdgeFixture.eventually(WAIT, () -> !describe(e1).containsKey("edge-3") && !describe(e2).containsKey("edge-3")))
                .isTrue();
        assertThat(redis.commands().exists(subKey(ref), "surrogate:t:" + sha256(token).substring(0, 32)).get(5, TimeUnit.SECONDS))
                .isZero();
        assertThat(redis.commands().smembers("surrogate:edge:edge-3:subs").get(5, TimeUnit.SECONDS)).isEmpty();
        edges.remove(e2);
        e2.close();
        assertThat(EdgeFixture.eventually(WAIT, () -> describe(e1).keySet().equals(java.util.Set.of("edge-1")))).isTrue();
        assertThat(origin.unsubscribes()).as("nobody else was unsubscribed").hasSize(1);
    }

    /** Starts an edge in a child process; its client and origin-side ports. */
    private int[] child(String id) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path err = dir.resolve(id + ".err");
        Process p = new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), ChildEdge.class.getName(),
                rules.toString(), keys.toString(), origin.baseUri().toString(), seeds.get(0).toString(), id,
                Long.toString(TTL.toMillis()), Long.toString(GRACE.toMillis())).redirectError(err.toFile()).start();
        children.add(p);
        String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertThat(line).as("the child edge's first line; stderr:%n%s", Files.exists(err) ? Files.readString(err) : "")
                .startsWith("listening ");
        String[] parts = line.split(" ");
        return new int[] {Integer.parseInt(parts[1]), Integer.parseInt(parts[2])};
    }

    /**
     * Writes the records of the subscription of {@code token} held by {@code edge}, as a holding
     * edge does; returns its {@code <eh>:<sid>}.
     */
    /** The record the holder wrote of the token's subscription (SubscriptionRecords), once it names {@code edge}; its ref. */
    private String record(String token, String edge) throws Exception {
        String tk = "surrogate:t:" + sha256(token).substring(0, 32);
        String[] ref = new String[1];
        assertThat(EdgeFixture.eventually(WAIT, () -> {
            try {
                byte[] r = redis.commands().get(tk).get(5, TimeUnit.SECONDS);
                if (r == null) {
                    return false;
                }
                ref[0] = new String(r, StandardCharsets.UTF_8);
                byte[] holder = redis.commands().hget(subKey(ref[0]), "edge").get(5, TimeUnit.SECONDS);
                return holder != null && edge.equals(new String(holder, StandardCharsets.UTF_8));
            } catch (Exception e) {
                return false;
            }
        })).as("the holder's record of the subscription names %s", edge).isTrue();
        return ref[0];
    }

    private static String subKey(String ref) {
        return "surrogate:{e:" + ref.substring(0, 16) + "}:sub:" + ref.substring(17);
    }

    /** A delivery signed by the origin, with an {@code X-Surrogate-Relay} whose MAC no edge made. */
    private HttpResponse<String> forgedRelay(EdgeServer e, String token, String body) throws Exception {
        long now = System.currentTimeMillis() / 1000;
        String nonce = JdkSignature.newNonce();
        byte[] b = bytes(body);
        String signature = JdkSignature.sign(secret, new JdkSignature.Signed("POST", "/deliver-event", "7", "B", token, b), now, nonce);
        HttpRequest request = HttpRequest.newBuilder(originSide(e).resolve("/deliver-event")).timeout(WAIT)
                .header("X-Event-Id", "7").header("X-Event-User", "B").header("X-Event-Token", token)
                .header("X-Event-Signature", signature).header("X-Surrogate-Relay", "5;" + "0".repeat(64))
                .POST(HttpRequest.BodyPublishers.ofByteArray(b)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** {@code GET /admin/edges}: each edge's id and whether it is alive. */
    private Map<String, Boolean> describe(EdgeServer e) {
        Map<String, Boolean> out = new LinkedHashMap<>();
        for (JsonElement x : adminEdges(e).getAsJsonArray("edges")) {
            JsonObject o = x.getAsJsonObject();
            out.put(o.get("id").getAsString(), o.get("alive").getAsBoolean());
        }
        return out;
    }

    private List<String> aliveIn(EdgeServer e) {
        return describe(e).entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).sorted().toList();
    }

    private Map<String, String> edgesOf(EdgeServer e) {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonElement x : adminEdges(e).getAsJsonArray("edges")) {
            JsonObject o = x.getAsJsonObject();
            out.put(o.get("id").getAsString(), o.get("address").getAsString());
        }
        return out;
    }

    private JsonObject adminEdges(EdgeServer e) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(originSide(e).resolve("/admin/edges")).timeout(WAIT).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
            assertThat(o.get("self").getAsString()).isEqualTo(e.environment().edgeId());
            return o;
        } catch (IOException | InterruptedException x) {
            throw new AssertionError(x);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes(s)));
    }
}
