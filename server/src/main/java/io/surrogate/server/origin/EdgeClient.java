package io.surrogate.server.origin;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** Sends {@link Outgoing} requests to the edge's origin listener with the JDK's HttpClient. */
final class EdgeClient implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final ExecutorService executor;
    private final HttpClient client;

    EdgeClient() {
        this.executor = Executors.newCachedThreadPool(new DaemonThreads("sample-origin-client"));
        // HTTP/1.1: no h2c upgrade attempt, the plainest request an origin could send.
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(TIMEOUT).executor(executor).build();
    }

    CompletableFuture<Delivery> sendAsync(URI edge, Outgoing o) {
        return client.sendAsync(request(edge, o), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .thenApply(r -> new Delivery(r.statusCode(), r.body(), r.headers().map()));
    }

    Delivery send(URI edge, Outgoing o) {
        try {
            HttpResponse<String> r = client.send(request(edge, o), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Delivery(r.statusCode(), r.body(), r.headers().map());
        } catch (IOException e) {
            throw new UncheckedIOException(o.method() + " " + edge.resolve(o.path()) + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new InterruptedIOException("interrupted while sending " + o));
        }
    }

    private static HttpRequest request(URI edge, Outgoing o) {
        HttpRequest.Builder b = HttpRequest.newBuilder(edge.resolve(o.path())).timeout(TIMEOUT)
                .method(o.method(), HttpRequest.BodyPublishers.ofByteArray(o.wireBody()));
        header(b, "X-Event-Id", o.eventId());
        header(b, "X-Event-User", o.user());
        header(b, "X-Event-Token", o.token());
        header(b, "X-Event-Signature", o.signatureHeader());
        header(b, "Content-Type", o.contentType());
        return b.build();
    }

    private static void header(HttpRequest.Builder b, String name, String value) {
        if (value != null) {
            b.header(name, value);
        }
    }

    void awaitTermination(Duration timeout) throws InterruptedException {
        executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops the client's threads; on a JDK where HttpClient is closeable (21+) it is closed too. */
    @Override
    public void close() {
        executor.shutdownNow();
        if (client instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                // nothing left to do: the client is going away
            }
        }
    }
}
