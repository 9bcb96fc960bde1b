package io.surrogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.server.origin.Received;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Small client-side steps the life-cycle tests share, on top of {@link RawClient}. */
final class HeldClients {
    static final Duration WAIT = Duration.ofSeconds(10);

    private HeldClients() {}

    /** A request sent on a plain socket that nobody reads: the client of a test that drops it at a chosen moment. */
    static Socket send(int port, String path, String... headers) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n");
        for (String h : headers) {
            req.append(h).append("\r\n");
        }
        req.append("\r\n");
        s.getOutputStream().write(req.toString().getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return s;
    }

    /** Opens a request whose answer comes later (a parked long-poll): the status line is read on another thread. */
    static CompletableFuture<RawClient> openLater(int port, String path, String... headers) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return RawClient.open(port, "GET", path, headers);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The id a held SSE response starts with ({@code id: HANDLE-SEQ} in its preamble). */
    static String preambleId(RawClient client) throws InterruptedException {
        String line;
        do {
            line = client.nextLine(WAIT);
            assertThat(line).as("the SSE preamble's id line").isNotNull();
        } while (!line.startsWith("id: "));
        return line.substring("id: ".length());
    }

    /** The next SSE event with data, which must come. */
    static RawClient.Event event(RawClient client) throws InterruptedException {
        RawClient.Event e = client.nextEvent(WAIT);
        assertThat(e).as("an SSE event").isNotNull();
        return e;
    }

    /** The nonce of an edge-signed request's X-Event-Signature. */
    static String nonce(Received r) {
        for (String part : r.header("X-Event-Signature").split(";")) {
            if (part.startsWith("n=")) {
                return part.substring(2);
            }
        }
        throw new AssertionError("no nonce in " + r.header("X-Event-Signature"));
    }

    /** A counter of the edge's /metrics text, e.g. {@code surrogate_subscribe_total{outcome="held"}}; 0 when absent. */
    static double counter(EdgeFixture f, String name, String tag, String value) {
        String prefix = name + "{" + tag + "=\"" + value + "\"";
        for (String line : f.edge.metricsText().split("\n")) {
            if (line.startsWith(prefix)) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    /** A gauge without labels of the edge's /metrics text, e.g. {@code surrogate_client_connections}; -1 when absent. */
    static double gauge(EdgeFixture f, String name) {
        for (String line : f.edge.metricsText().split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return -1;
    }

    /**
     * An origin answer policy that holds its request until {@code release} is counted down (the
     * test decides when the origin answers; no clock is waited on), then answers {@code answer}.
     */
    static io.surrogate.server.origin.Answer after(java.util.concurrent.CountDownLatch release, io.surrogate.server.origin.Answer answer) {
        try {
            if (!release.await(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the test never released the origin's answer");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return answer;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
