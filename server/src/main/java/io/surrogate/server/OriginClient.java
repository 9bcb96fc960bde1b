package io.surrogate.server;

import io.surrogate.engine.Decision;
import io.surrogate.engine.OriginRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Sends the engine's signed requests to the origin without blocking anyone: the JDK's
 * asynchronous HTTP client, a per-request timeout, and the answer (or the failure) as a
 * future. The JDK client is enough here: HTTP/1.1 with keep-alive, non-blocking, no extra
 * library; it sets Host and Content-Length itself, which the signature does not cover.
 */
final class OriginClient implements AutoCloseable {
    /** What the origin said, or how reaching it failed. */
    record Answer(int status, String contentType, byte[] body, Failure failure) {
        boolean accepted() {
            return failure == null && status == 202;
        }
    }

    enum Failure { REFUSED, TIMEOUT }

    private static final Set<String> SET_BY_CLIENT = Set.of("host", "content-length", "connection");
    /** The most of an origin's answer body the edge keeps (a rejection forwarded to the client); the rest is read and dropped. */
    static final int MAX_ANSWER_BODY = 64 * 1024;
    /** Requests to origins at once, so connections to origins at once: counted in the edge's file budget. */
    static final int MAX_IN_FLIGHT = 64;

    private final java.util.concurrent.ConcurrentLinkedQueue<Pending> waiting = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();

    private final ExecutorService executor;
    private final HttpClient client;
    private final Optional<URI> defaultOrigin;

    OriginClient(Optional<URI> defaultOrigin) {
        this.defaultOrigin = defaultOrigin;
        this.executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "surrogate-origin-client");
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor)
                .build();
    }

    /** The URL a request goes to: the rule's origin, or the server's. Empty when neither is set. */
    Optional<URI> target(OriginRequest request) {
        Optional<URI> base = request.origin().map(URI::create).or(() -> defaultOrigin);
        return base.map(b -> {
            String root = b.getScheme() + "://" + b.getRawAuthority();
            return URI.create(root + request.path());
        });
    }

    /**
     * Sends now if fewer than {@link #MAX_IN_FLIGHT} requests are out, else when one comes back.
     * The bound keeps the edge's connections to the origin (files, like its clients) few: the
     * JDK client opens a connection per concurrent request and has no pool limit of its own.
     */
    CompletableFuture<Answer> send(URI uri, OriginRequest request, Duration timeout) {
        Pending p = new Pending(uri, request, timeout, System.nanoTime());
        waiting.add(p);
        pump();
        return p.result;
    }

    /** Starts waiting requests while there is room; a request that waited past its timeout fails as one. */
    private void pump() {
        while (true) {
            int n = inFlight.get();
            if (n >= MAX_IN_FLIGHT) {
                return;
            }
            if (!inFlight.compareAndSet(n, n + 1)) {
                continue;
            }
            Pending p = waiting.poll();
            if (p == null) {
                inFlight.decrementAndGet();
                if (waiting.isEmpty()) {
                    return;
                }
                continue;
            }
            Duration left = p.timeout.minusNanos(System.nanoTime() - p.queuedAt);
            if (left.isNegative() || left.isZero()) {
                inFlight.decrementAndGet();
                p.result.complete(new Answer(0, null, new byte[0], Failure.TIMEOUT));
                continue;
            }
            start(p.uri, p.request, left).whenComplete((answer, error) -> {
                inFlight.decrementAndGet();
                pump();
                p.result.complete(answer);
            });
        }
    }

    private CompletableFuture<Answer> start(URI uri, OriginRequest request, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout)
                .method(request.method(), HttpRequest.BodyPublishers.ofByteArray(request.body()));
        for (Decision.HeaderField h : request.headers()) {
            if (!SET_BY_CLIENT.contains(h.name().toLowerCase(java.util.Locale.ROOT))) {
                b.header(h.name(), h.value());
            }
        }
        return client.sendAsync(b.build(), info -> new CappedBody(MAX_ANSWER_BODY))
                .handle((response, error) -> {
                    if (error == null) {
                        return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(null),
                                response.body(), null);
                    }
                    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                    boolean timedOut = cause instanceof HttpTimeoutException && !(cause instanceof HttpConnectTimeoutException);
                    return new Answer(0, null, new byte[0], timedOut ? Failure.TIMEOUT : Failure.REFUSED);
                });
    }

    /** A request waiting for room. */
    private record Pending(URI uri, OriginRequest request, Duration timeout, long queuedAt, CompletableFuture<Answer> result) {
        Pending(URI uri, OriginRequest request, Duration timeout, long queuedAt) {
            this(uri, request, timeout, queuedAt, new CompletableFuture<>());
        }
    }

    static String describe(Answer a) {
        if (a.failure() == Failure.TIMEOUT) {
            return "no answer in time";
        }
        if (a.failure() == Failure.REFUSED) {
            return "unreachable";
        }
        return "answered " + a.status();
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Reads a body without blocking, keeping at most {@code cap} bytes. */
    static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final java.io.ByteArrayOutputStream kept = new java.io.ByteArrayOutputStream();
        private final int cap;

        CappedBody(int cap) {
            this.cap = cap;
        }

        @Override
        public java.util.concurrent.CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(java.util.concurrent.Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(java.util.List<java.nio.ByteBuffer> items) {
            for (java.nio.ByteBuffer b : items) {
                int take = Math.min(b.remaining(), cap - kept.size());
                if (take > 0) {
                    byte[] chunk = new byte[take];
                    b.get(chunk);
                    kept.write(chunk, 0, take);
                }
            }
        }

        @Override
        public void onError(Throwable error) {
            result.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            result.complete(kept.toByteArray());
        }
    }
}
