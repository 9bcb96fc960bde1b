package io.surrogate.server.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.TinkKeys;
import io.surrogate.server.EdgeServer;
import io.surrogate.server.ServerConfig;
import io.surrogate.server.origin.Received;
import io.surrogate.server.origin.SampleOrigin;
import io.surrogate.server.time.ManualClock;
import io.surrogate.server.time.ManualScheduler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A real edge on loopback with the sample origin and real Tink keys, one rule: {@code /sub?e=EVENT&u=USER}
 * held as SSE. {@link #assertServes} is the normal subscribe and delivery every guard test
 * checks after its hostile request.
 */
final class GuardEdge implements AutoCloseable {
    static final String RULES = """
            <rules xmlns="urn:surrogate:rules:1" xmlns:match="urn:surrogate:match:1"
                   xmlns:variable="urn:surrogate:variable:1" xmlns:edgeservices="urn:surrogate:edgeservices:1">
              <match:uri.path value="/sub">
                <variable:extract from="query" key="e" name="EVENT" required="true"/>
                <variable:extract from="query" key="u" name="USER" required="true"/>
                <edgeservices:event.handle-subscription>
                  <token><key>tok</key></token>
                  <user>$(USER)</user>
                  <event-id>$(EVENT)</event-id>
                  <subscription-type>repeatable</subscription-type>
                  <transport>sse</transport>
                  <heartbeat>30s</heartbeat>
                </edgeservices:event.handle-subscription>
              </match:uri.path>
            </rules>
            """;
    private static final Duration WAIT = Duration.ofSeconds(10);

    final Path dir;
    final SampleOrigin origin;
    final ManualClock clock = new ManualClock(Instant.now());
    final ManualScheduler scheduler = new ManualScheduler(clock);
    final EdgeServer edge;
    private final AtomicInteger served = new AtomicInteger();

    private GuardEdge(UnaryOperator<ServerConfig> tune) throws Exception {
        dir = Files.createTempDirectory("surrogate-guard-test-");
        Path keys = Files.createDirectory(dir.resolve("keys"));
        Path rules = Files.createDirectory(dir.resolve("rules"));
        Files.writeString(rules.resolve("test.xml"), RULES);
        Keyring.write(keys, "tok", TinkKeys.generate(KeyPurpose.TOKEN));
        Keyring.write(keys, "origin", TinkKeys.generate(KeyPurpose.HMAC));
        byte[] secret = TinkKeys.hmacSecret(Keyring.open(keys).find("origin").orElseThrow());
        origin = new SampleOrigin(new InetSocketAddress("127.0.0.1", 0), secret, null).start();
        edge = EdgeServer.start(tune.apply(ServerConfig.loopback(List.of(rules), keys, Optional.of(origin.baseUri()))
                .withTime(clock, scheduler)));
        origin.setEdge(java.net.URI.create("http://127.0.0.1:" + edge.originAddress().getPort()));
    }

    static GuardEdge start(UnaryOperator<ServerConfig> tune) throws Exception {
        return new GuardEdge(tune);
    }

    int clientPort() {
        return edge.clientAddress().getPort();
    }

    int originPort() {
        return edge.originAddress().getPort();
    }

    /** A new client subscribes (SSE, held) and the origin's signed delivery reaches it. */
    void assertServes() throws Exception {
        String event = "normal-" + served.incrementAndGet();
        try (Wire client = Wire.connect(clientPort())) {
            client.send("GET /sub?e=" + event + "&u=alice HTTP/1.1\r\nHost: edge\r\nAccept: text/event-stream\r\n\r\n");
            assertThat(client.head().status()).as("a normal subscribe is held").isEqualTo(200);
            String token = subscribeOf(event).token();
            assertThat(origin.deliver(token, event, "alice", "hello".getBytes(StandardCharsets.UTF_8)).status())
                    .as("a normal delivery is taken").isEqualTo(200);
            assertThat(client.nextData()).as("the delivery reaches the client").isEqualTo("hello");
        }
    }

    /** The origin's /subscribe-event for this event (waits for it). */
    Received subscribeOf(String event) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            for (Received r : origin.awaitReceived(SampleOrigin.SUBSCRIBE_PATH, 1, WAIT)) {
                if (event.equals(r.eventId())) {
                    return r;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the origin never got a subscribe for " + event);
    }

    /** True when the origin was ever asked to subscribe this event. */
    boolean originSaw(String event) {
        return origin.subscribes().stream().anyMatch(r -> event.equals(r.eventId()));
    }

    /**
     * Checks that nothing is left, as every server fixture does: no subscription, no held
     * connection, no timer, no origin request, once the edge's own waits (a client's return,
     * the unsubscribe) have run out on the manual clock; then stops the edge and the origin.
     */
    @Override
    public void close() throws Exception {
        try {
            long deadline = System.nanoTime() + WAIT.toNanos();
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
        } finally {
            closeQuietly();
        }
    }

    private boolean quiet() {
        return edge.subscriptions() == 0 && edge.heldConnections() == 0 && edge.pendingTimers() == 0 && edge.pendingOriginCalls() == 0;
    }

    private void closeQuietly() throws Exception {
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
