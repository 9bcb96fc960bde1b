package io.surrogate.cli.loadtest;

import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.engine.token.OriginSignature;
import io.surrogate.engine.token.TinkKeys;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Surrogate under load: {@code edges} {@code surrogate serve} child processes (each its own edge
 * id, keys and rules shared; with a Redis URL, all on that Redis with {@code --redis}), a
 * {@link LoadOrigin} in this process that accepts every subscription, and fresh Tink keys in a
 * temporary directory deleted on close. Subscriber {@code i} subscribes through edge
 * {@code i mod edges} with {@code GET /sub?e=CHANNEL&u=uI}; the real subscribe flow runs (token
 * minted, origin asked, client held). A publish is a signed {@code /deliver-event} (a unicast
 * with the token the origin stored) posted where {@link Targets.DeliverTo} says: an edge that
 * does not hold the token passes it on (Redis) or answers {@code 421}, and then the publish
 * follows {@code X-Event-Edge}.
 */
final class SurrogateTarget implements Target {
    private static final String PATH = "/deliver-event";

    private final Path dir;
    private final NamedKey originKey;
    private final LoadOrigin origin;
    private final List<EdgeProcess> edges = new ArrayList<>();
    private final List<InetSocketAddress> originSides = new ArrayList<>();
    private final String flags;
    private final String redis;
    private final List<Long> redisPids;
    private final Targets.DeliverTo deliverTo;
    /** deliveries posted so far, for {@link Targets.DeliverTo#ROUND_ROBIN} */
    private final AtomicLong posted = new AtomicLong();

    private SurrogateTarget(Path dir, NamedKey originKey, LoadOrigin origin, String flags, String redis, List<Long> redisPids,
            Targets.DeliverTo deliverTo) {
        this.dir = dir;
        this.originKey = originKey;
        this.origin = origin;
        this.flags = flags;
        this.redis = redis;
        this.redisPids = List.copyOf(redisPids);
        this.deliverTo = deliverTo;
    }

    static SurrogateTarget start(int edges, Path jar, List<String> jvmFlags, String heartbeat, int replayBuffer, List<String> serveOptions)
            throws Exception {
        return start(edges, jar, jvmFlags, heartbeat, replayBuffer, serveOptions, null, Targets.DeliverTo.FIRST);
    }

    /** {@code edges} edges on the Redis at {@code redis} (null: each alone), deliveries posted as {@code deliverTo} says. */
    static SurrogateTarget start(int edges, Path jar, List<String> jvmFlags, String heartbeat, int replayBuffer, String redis,
            Targets.DeliverTo deliverTo) throws Exception {
        return start(edges, jar, jvmFlags, heartbeat, replayBuffer, List.of(), redis, deliverTo);
    }

    /** The same, each edge also given {@code serveOptions}. */
    static SurrogateTarget start(int edges, Path jar, List<String> jvmFlags, String heartbeat, int replayBuffer,
            List<String> serveOptions, String redis, Targets.DeliverTo deliverTo) throws Exception {
        List<Long> redisPids = redis == null ? List.of() : LocalRedis.pids(redis);
        Path dir = Files.createTempDirectory("surrogate-loadtest-");
        Path keys = Files.createDirectory(dir.resolve("keys"));
        Keyring.write(keys, "tok", TinkKeys.generate(KeyPurpose.TOKEN));
        Keyring.write(keys, "origin", TinkKeys.generate(KeyPurpose.HMAC));
        NamedKey key = Keyring.open(keys).find("origin").orElseThrow();
        Path rules = dir.resolve("loadtest.xml");
        Files.writeString(rules, rules(heartbeat, replayBuffer));
        SurrogateTarget t = new SurrogateTarget(dir, key, new LoadOrigin(key), jvmFlags.isEmpty() ? "(the JVM's defaults)" : String.join(" ", jvmFlags),
                redis, redisPids, deliverTo);
        try {
            for (int e = 0; e < edges; e++) {
                List<String> options = new ArrayList<>(List.of("--edge-id", "edge-" + (e + 1), "--log-level", "WARNING"));
                if (redis != null) {
                    options.addAll(List.of("--redis", redis));
                }
                options.addAll(serveOptions);
                List<String> command = EdgeProcess.command(jvmFlags, jar, rules, keys, t.origin.uri(), options.toArray(String[]::new));
                EdgeProcess edge = EdgeProcess.start(command, dir.resolve("edge-" + (e + 1) + ".log"), Duration.ofSeconds(90));
                t.edges.add(edge);
                t.originSides.add(new InetSocketAddress(edge.originSide.getHost(), edge.originSide.getPort()));
            }
        } catch (Exception | Error e) {
            t.close();
            throw e;
        }
        return t;
    }

    LoadOrigin origin() {
        return origin;
    }

    List<EdgeProcess> edges() {
        return edges;
    }

    @Override
    public String name() {
        return "surrogate";
    }

    @Override
    public String describe() {
        return edges.size() + " edge process(es)" + (redis == null ? "" : " on Redis " + redis + " (redis-server pids " + redisPids + ")")
                + (edges.size() > 1 ? ", deliveries to " + deliverTo.label() : "") + ", JVM flags: " + flags;
    }

    Report.Setup setup() {
        return new Report.Setup(edges.size(), redis, deliverTo.label());
    }

    @Override
    public List<Long> redisPids() {
        return redisPids;
    }

    @Override
    public Long redisUsedKiB() throws IOException {
        return redis == null ? null : LocalRedis.usedMemoryKiB(redis);
    }

    @Override
    public InetSocketAddress clientAddress(int i) {
        return edges.get(Math.floorMod(i, edges.size())).clients;
    }

    @Override
    public String subscribePath(int i, String channel) {
        return "/sub?e=" + channel + "&u=u" + i;
    }

    @Override
    public List<InetSocketAddress> clientAddresses() {
        return edges.stream().map(e -> e.clients).toList();
    }

    @Override
    public String subscribeTemplate() {
        return "/sub?e=c{i}&u=u{i}";
    }

    @Override
    public InetSocketAddress publishAddress(int subscriber) {
        int k = originSides.size();
        return switch (deliverTo) {
            case FIRST -> originSides.get(0);
            case HOLDER -> originSides.get(subscriber < 0 ? 0 : subscriber % k);
            case ROUND_ROBIN -> {
                long c = posted.getAndIncrement();
                yield originSides.get((int) ((c + c / k) % k));
            }
        };
    }

    @Override
    public byte[] publishRequest(Publish p) {
        String user = p.subscriber < 0 ? "" : "u" + p.subscriber;
        String token = "";
        if (p.subscriber >= 0) {
            token = origin.token(p.channel, user);
            if (token == null) {
                token = "";
                user = ""; // a fan-out then; the edge refuses it for a channel nobody shares: counted as refused
            }
        }
        byte[] body = p.body().getBytes(StandardCharsets.US_ASCII);
        String signature = OriginSignature.sign(new OriginSignature.Signed("POST", PATH, p.channel, user, token, body), originKey,
                Instant.now().getEpochSecond(), OriginSignature.newNonce()).render();
        String head = "POST " + PATH + " HTTP/1.1\r\nHost: " + p.to.getAddress().getHostAddress() + ":" + p.to.getPort()
                + "\r\nX-Event-Id: " + p.channel + "\r\nX-Event-User: " + user + "\r\nX-Event-Token: " + token
                + "\r\nX-Event-Signature: " + signature + "\r\nContent-Type: text/plain\r\nContent-Length: " + body.length + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[h.length + body.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    @Override
    public int delivered(int status, String body) {
        if (status == 202) {
            return 0;
        }
        if (status != 200) {
            return -1;
        }
        String[] lines = body.strip().split("\n");
        return lines.length > 1 ? Integer.parseInt(lines[1].strip()) : -1;
    }

    private double sum(String prefix) throws Exception {
        double sum = 0;
        for (EdgeProcess e : edges) {
            for (Map.Entry<String, Double> m : e.metrics().entrySet()) {
                if (m.getKey().startsWith(prefix)) {
                    sum += m.getValue();
                }
            }
        }
        return sum;
    }

    @Override
    public long heldOnServer() throws Exception {
        return (long) sum("surrogate_connections_held");
    }

    @Override
    public boolean settled() throws Exception {
        return sum("surrogate_subscriptions") == 0 && sum("surrogate_client_connections") == 0 && origin.stored() == 0;
    }

    @Override
    public List<Long> pids() {
        return edges.stream().map(EdgeProcess::pid).toList();
    }

    /** Log lines of the edges at WARNING and above (the load test runs them at that level). */
    String edgeLogs(int lines) {
        StringBuilder b = new StringBuilder();
        for (EdgeProcess e : edges) {
            String tail = e.logTail(lines);
            if (!tail.isBlank()) {
                b.append(tail).append('\n');
            }
        }
        return b.toString();
    }

    @Override
    public void close() {
        for (EdgeProcess e : edges) {
            e.close();
        }
        origin.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException e) {
            // already gone
        }
    }

    /** The load test's rule: {@code GET /sub?e=EVENT&u=USER} subscribes (repeatable, transport by the client's Accept). */
    static String rules(String heartbeat, int replayBuffer) {
        return RULES.replace("HEARTBEAT", heartbeat).replace("REPLAY", Integer.toString(replayBuffer));
    }

    private static final String RULES = """
            <rules xmlns="urn:surrogate:rules:1"
                   xmlns:match="urn:surrogate:match:1"
                   xmlns:variable="urn:surrogate:variable:1"
                   xmlns:edgeservices="urn:surrogate:edgeservices:1">
              <match:uri.path value="/sub">
                <variable:extract from="query" key="e" name="EVENT" required="true"/>
                <variable:extract from="query" key="u" name="USER" required="true"/>
                <edgeservices:event.handle-subscription>
                  <token>
                    <key>tok</key>
                    <nonce-source>CONNECTION</nonce-source>
                    <lifetime>12h</lifetime>
                  </token>
                  <user>$(USER)</user>
                  <event-id>$(EVENT)</event-id>
                  <subscription-type>repeatable</subscription-type>
                  <transport>auto</transport>
                  <heartbeat>HEARTBEAT</heartbeat>
                  <replay-buffer>REPLAY</replay-buffer>
                </edgeservices:event.handle-subscription>
              </match:uri.path>
            </rules>
            """;
}
