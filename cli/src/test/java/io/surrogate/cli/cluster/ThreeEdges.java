package io.surrogate.cli.cluster;

import io.surrogate.cli.loadtest.EdgeProcess;
import io.surrogate.cli.loadtest.Targets;
import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.TinkKeys;
import io.surrogate.server.cluster.RedisServer;
import io.surrogate.server.origin.Delivery;
import io.surrogate.server.origin.Outgoing;
import io.surrogate.server.origin.SampleOrigin;
import io.surrogate.server.origin.Subscription;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Three {@code surrogate serve --redis} child processes (this class path, small JVMs, edge ids
 * {@code edge-1} to {@code edge-3}, one keyring, one rule set, logs in a temporary directory) on
 * one real {@link RedisServer}, with the real {@link SampleOrigin} behind them and the
 * {@link SseClient}s a test opens; {@link #close} stops them all and deletes the directory.
 * The rule: {@code GET /sub?e=EVENT&u=USER}, repeatable, heartbeat 1 s.
 */
final class ThreeEdges implements AutoCloseable {
    private static final List<String> SMALL_EDGE = List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    static final Duration WAIT = Duration.ofSeconds(20);

    final Path dir;
    final RedisServer redis;
    final SampleOrigin origin;
    final List<EdgeProcess> edges = new ArrayList<>();
    private final Set<Integer> dead = ConcurrentHashMap.newKeySet();
    private final List<SseClient> clients = new ArrayList<>();
    private int warmUps;

    private ThreeEdges(Path dir, RedisServer redis, SampleOrigin origin) {
        this.dir = dir;
        this.redis = redis;
        this.origin = origin;
    }

    static ThreeEdges start() throws Exception {
        Path dir = Files.createTempDirectory("surrogate-three-edges-");
        Path keys = Files.createDirectory(dir.resolve("keys"));
        Keyring.write(keys, "tok", TinkKeys.generate(KeyPurpose.TOKEN));
        Keyring.write(keys, "origin", TinkKeys.generate(KeyPurpose.HMAC));
        byte[] secret = TinkKeys.hmacSecret(Keyring.open(keys).find("origin").orElseThrow());
        Path rules = dir.resolve("rules.xml");
        Files.writeString(rules, Targets.surrogateRules("1s", 16));
        RedisServer redis = RedisServer.start();
        ThreeEdges t = new ThreeEdges(dir, redis, new SampleOrigin(new InetSocketAddress("127.0.0.1", 0), secret, null).start());
        try {
            List<CompletableFuture<EdgeProcess>> starting = new ArrayList<>();
            for (int k = 1; k <= 3; k++) {
                List<String> command = EdgeProcess.command(SMALL_EDGE, Path.of("classes"), rules, keys, t.origin.baseUri(), "--edge-id",
                        "edge-" + k, "--redis", redis.url(), "--no-watch",
                        // the first connection to Redis must be made within this too: three JVMs starting at once on a busy machine
                        "--redis-timeout", "3000");
                Path log = dir.resolve("edge-" + k + ".log");
                starting.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return EdgeProcess.start(command, log, Duration.ofSeconds(90));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                }));
            }
            ExecutionException failed = null;
            for (CompletableFuture<EdgeProcess> f : starting) {
                try {
                    t.edges.add(f.get());
                } catch (ExecutionException e) {
                    failed = e;
                }
            }
            if (failed != null) {
                throw new IOException("an edge did not start", failed.getCause());
            }
            t.origin.setEdge(t.edges.get(0).originSide); // every edge's /deliver-event has the same path: deliver() picks the edge
        } catch (Exception | Error e) {
            t.close();
            throw e;
        }
        return t;
    }

    /**
     * {@code perEdge} clients of {@code event} on each edge (users {@code EVENT-0}...; client
     * {@code k} on edge {@code k / perEdge}), returned once all are held, each with the token
     * the origin was given.
     */
    List<SseClient> subscribe(String event, int perEdge) {
        List<InetSocketAddress> addresses = edges.stream().map(e -> e.clients).toList();
        List<SseClient> opened = new ArrayList<>();
        int first = (int) clients.stream().filter(c -> c.event.equals(event)).count();
        for (int edge = 0; edge < edges.size(); edge++) {
            for (int j = 0; j < perEdge; j++) {
                SseClient c = new SseClient(event, event + "-" + (first + opened.size()), edge, addresses, dead);
                opened.add(c);
                clients.add(c);
            }
        }
        await("every client of " + event + " is held", WAIT, () -> opened.stream().allMatch(SseClient::held), () -> describe(opened));
        for (SseClient c : opened) {
            c.token = origin.subscriptions().stream().filter(s -> s.eventId().equals(event) && s.user().equals(c.user))
                    .map(Subscription::token).findFirst().orElseThrow(() -> new AssertionError("the origin has no token for " + c.user));
        }
        return opened;
    }

    /**
     * Fan-outs of {@code event} ({@code warm-N}), posted to the first edge alive, until one
     * reaches every client (the edges subscribe to an event's channel once they hold a client of
     * it, which a test cannot see): returns that one's body. Fails after 20 s.
     */
    String awaitFanOutEverywhere(String event, List<SseClient> all) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<String> answers = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            String body = "warm-" + ++warmUps;
            int to = firstAlive();
            Delivery d = deliver(to, origin.outgoing("", event, "", body.getBytes(StandardCharsets.UTF_8)));
            answers.add(body + " at edge " + to + ": " + d.status() + " " + d.body().strip().replace('\n', ' '));
            long wait = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < wait) {
                if (all.stream().allMatch(c -> c.has(body))) {
                    return body;
                }
                Thread.sleep(20); // polls the clients
            }
        }
        throw new AssertionError("no fan-out of " + event + " reached every client within " + WAIT.toSeconds() + " s; answers " + answers.subList(
                Math.max(0, answers.size() - 5), answers.size()) + "\n" + describe(all) + "\n" + logs());
    }

    private int firstAlive() {
        for (int k = 0; k < edges.size(); k++) {
            if (!dead.contains(k)) {
                return k;
            }
        }
        throw new IllegalStateException("no edge alive");
    }

    /** Posts {@code o} to edge {@code edge}'s origin side (one delivery at a time: the origin's target is set for each). */
    synchronized Delivery deliver(int edge, Outgoing o) {
        origin.setEdge(edges.get(edge).originSide);
        return origin.send(o);
    }

    /** kill -9 of edge {@code edge}; its clients then come back at the next edge alive. */
    void crash(int edge) throws InterruptedException {
        dead.add(edge);
        edges.get(edge).crash();
    }

    /** Polls {@code condition} every 20 ms until it holds; an AssertionError with {@code detail} after {@code timeout}. */
    static void await(String what, Duration timeout, BooleanSupplier condition, Supplier<String> detail) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout.toSeconds() + " s: " + what + "\n" + detail.get());
            }
            try {
                Thread.sleep(20); // polls
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting until " + what);
            }
        }
    }

    static String describe(List<SseClient> clients) {
        return clients.stream().map(SseClient::toString).collect(Collectors.joining("\n  ", "  ", ""));
    }

    /** The edges' last log lines, for a failure's message. */
    String logs() {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < edges.size(); k++) {
            String tail = edges.get(k).logTail(15).lines().collect(Collectors.joining("\n    "));
            b.append("edge-").append(k + 1).append(dead.contains(k) ? " (killed)" : "").append(":\n    ").append(tail).append('\n');
        }
        return b.toString();
    }

    @Override
    public void close() {
        clients.forEach(SseClient::close);
        edges.forEach(EdgeProcess::close);
        origin.close();
        redis.close();
        // KEEP_EDGE_LOGS=DIR keeps the three edges' logs there, to read after a failure
        String keep = System.getenv("KEEP_EDGE_LOGS");
        if (keep != null) {
            for (int k = 1; k <= 3; k++) {
                try {
                    Files.copy(dir.resolve("edge-" + k + ".log"), Path.of(keep, "edge-" + k + ".log"),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException e) {
                    // none
                }
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException e) {
            // a temporary directory left behind
        }
    }
}
