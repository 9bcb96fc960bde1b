package io.surrogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.engine.token.TinkKeys;
import io.surrogate.server.origin.SampleOrigin;
import io.surrogate.server.subscribe.OriginCalls;
import io.surrogate.server.time.ManualClock;
import io.surrogate.server.time.ManualScheduler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A real edge on loopback with a real origin (the contract-only {@link SampleOrigin}, on the
 * JDK's own HTTP server) and real Tink keys in a temporary keyring. The rule file is written
 * per test. Time is a {@link ManualClock} and {@link ManualScheduler} (starting at the system's
 * time, so that the origin's signatures are within the window): a test moves it with
 * {@link #advance}. {@link #close} checks that nothing is left: no subscription, no held
 * connection, no timer, no origin request; letting the edge's own waits (a client's return,
 * unsubscribe retries) run out on the manual clock first.
 */
final class EdgeFixture implements AutoCloseable {
    static final String TOKEN_KEY = "tok";
    /** the token key the design's mail rules name */
    static final String SEED_TOKEN_KEY = "ywewu238347i3u";
    static final String ORIGIN_KEY = "origin";
    static final String OTHER_ORIGIN_KEY = "other-origin";

    final Path dir;
    final Path rulesFile;
    final Path keys;
    final byte[] secret;
    final byte[] otherSecret;
    final SampleOrigin origin;
    final ManualClock clock = new ManualClock(Instant.now());
    final ManualScheduler scheduler = new ManualScheduler(clock);
    final EdgeServer edge;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private EdgeFixture(String rules, UnaryOperator<ServerConfig> tune, UnaryOperator<OriginCalls> originCalls) throws Exception {
        dir = Files.createTempDirectory("surrogate-edge-test-");
        keys = Files.createDirectory(dir.resolve("keys"));
        Path rulesDir = Files.createDirectory(dir.resolve("rules"));
        rulesFile = rulesDir.resolve("test.xml");
        Files.writeString(rulesFile, rules);
        Keyring.write(keys, TOKEN_KEY, TinkKeys.generate(KeyPurpose.TOKEN));
        Keyring.write(keys, SEED_TOKEN_KEY, TinkKeys.generate(KeyPurpose.TOKEN));
        Keyring.write(keys, ORIGIN_KEY, TinkKeys.generate(KeyPurpose.HMAC));
        Keyring.write(keys, OTHER_ORIGIN_KEY, TinkKeys.generate(KeyPurpose.HMAC));
        Keyring ring = Keyring.open(keys);
        secret = TinkKeys.hmacSecret(ring.find(ORIGIN_KEY).orElseThrow());
        otherSecret = TinkKeys.hmacSecret(ring.find(OTHER_ORIGIN_KEY).orElseThrow());
        origin = new SampleOrigin(new InetSocketAddress("127.0.0.1", 0), secret, null).start();
        ServerConfig config = tune.apply(ServerConfig.loopback(List.of(rulesDir), keys, Optional.of(origin.baseUri()))
                .withTime(clock, scheduler));
        edge = EdgeServer.start(config, originCalls);
        origin.setEdge(originSide());
    }

    static EdgeFixture start(String rules) throws Exception {
        return new EdgeFixture(rules, c -> c, c -> c);
    }

    /** With the edge's origin calls passed through {@code originCalls}, to inject a failure. */
    static EdgeFixture start(String rules, UnaryOperator<ServerConfig> tune, UnaryOperator<OriginCalls> originCalls)
            throws Exception {
        return new EdgeFixture(rules, tune, originCalls);
    }

    static EdgeFixture start(String rules, UnaryOperator<ServerConfig> tune) throws Exception {
        return new EdgeFixture(rules, tune, c -> c);
    }

    /**
     * One rule on {@code /sub?e=EVENT&u=USER} (and {@code /fan?e=EVENT} without a user), with
     * the given type, transport and heartbeat, and any extra settings.
     */
    static String rule(String type, String transport, String heartbeat, String extra) {
        return """
                <rules xmlns="urn:surrogate:rules:1" xmlns:match="urn:surrogate:match:1"
                       xmlns:variable="urn:surrogate:variable:1" xmlns:edgeservices="urn:surrogate:edgeservices:1">
                  <match:uri.path value="/sub">
                    <variable:extract from="query" key="e" name="EVENT" required="true"/>
                    <variable:extract from="query" key="u" name="USER" required="true"/>
                    <edgeservices:event.handle-subscription>
                      <token><key>tok</key></token>
                      <user>$(USER)</user>
                      <event-id>$(EVENT)</event-id>
                      <subscription-type>%1$s</subscription-type>
                      <transport>%2$s</transport>
                      <heartbeat>%3$s</heartbeat>
                      %4$s
                    </edgeservices:event.handle-subscription>
                  </match:uri.path>
                  <match:uri.path value="/fan">
                    <variable:extract from="query" key="e" name="EVENT" required="true"/>
                    <edgeservices:event.handle-subscription>
                      <token><key>tok</key></token>
                      <event-id>$(EVENT)</event-id>
                      <subscription-type>%1$s</subscription-type>
                      <transport>%2$s</transport>
                      <heartbeat>%3$s</heartbeat>
                      %4$s
                    </edgeservices:event.handle-subscription>
                  </match:uri.path>
                </rules>
                """.formatted(type, transport, heartbeat, extra);
    }

    URI client(String pathAndQuery) {
        InetSocketAddress a = edge.clientAddress();
        return URI.create("http://127.0.0.1:" + a.getPort() + pathAndQuery);
    }

    URI originSide() {
        return URI.create("http://127.0.0.1:" + edge.originAddress().getPort());
    }

    int clientPort() {
        return edge.clientAddress().getPort();
    }

    NamedKey tokenKey() throws IOException {
        return Keyring.open(keys).find(TOKEN_KEY).orElseThrow();
    }

    HttpResponse<String> get(URI uri, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    HttpResponse<String> post(URI uri, String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** Waits until the condition holds, up to {@code timeout}; false if it never did. */
    static boolean eventually(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }

    /** Moves the edge's time: heartbeats, poll waits, waits for a client's return and retries that fall due run. */
    void advance(Duration d) {
        scheduler.advance(d);
    }

    /**
     * Moves the edge's time from one of its timers to the next until {@code condition} holds
     * (never while a request to the origin is out); false if it does not within {@code within},
     * which bounds the wait for the IO threads and the origin, not the edge's time.
     */
    boolean runUntil(Duration within, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            Duration next = scheduler.untilNext();
            if (edge.pendingOriginCalls() == 0 && next != null) {
                scheduler.advance(next);
            } else {
                Thread.sleep(10); // the IO threads and the origin are working
            }
        }
        return true;
    }

    /** Lets the edge's time run until the origin has received {@code n} unsubscribe notices; those notices. */
    List<io.surrogate.server.origin.Received> awaitUnsubscribes(int n) throws InterruptedException {
        runUntil(HeldClients.WAIT, () -> origin.unsubscribes().size() >= n);
        return origin.awaitReceived(SampleOrigin.UNSUBSCRIBE_PATH, n, HeldClients.WAIT);
    }

    private boolean quiet() {
        return edge.subscriptions() == 0 && edge.heldConnections() == 0 && edge.pendingTimers() == 0
                && edge.pendingOriginCalls() == 0;
    }

    /**
     * Nothing left behind: every subscription ended, every connection released, every timer
     * done, no request to the origin out. Once no client is held, what remains is the edge's own
     * waits, so the manual clock is moved to the next one until none is left; {@code within}
     * bounds the wait for the IO threads and the origin, not the edge's time.
     */
    void assertQuiet(Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!quiet() && System.nanoTime() < deadline) {
            Duration next = scheduler.untilNext();
            if (edge.heldConnections() == 0 && edge.pendingOriginCalls() == 0 && next != null) {
                scheduler.advance(next);
            } else {
                Thread.sleep(10); // the IO threads and the origin are working
            }
        }
        assertThat(edge.subscriptions()).as("subscriptions left in the registry").isZero();
        assertThat(edge.heldConnections()).as("held connections left").isZero();
        assertThat(edge.pendingTimers()).as("timers and unsubscribe notices left").isZero();
        assertThat(edge.pendingOriginCalls()).as("origin requests left").isZero();
    }

    /** Checks that nothing is left ({@link #assertQuiet}), then stops the edge and the origin. */
    @Override
    public void close() throws Exception {
        try {
            assertQuiet(HeldClients.WAIT);
        } finally {
            closeQuietly();
        }
    }

    private void closeQuietly() throws IOException {
        try {
            edge.close();
        } finally {
            origin.close();
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
