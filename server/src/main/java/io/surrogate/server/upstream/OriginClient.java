package io.surrogate.server.upstream;

import io.surrogate.engine.OriginRequest;
import io.surrogate.server.LogLine;
import io.undertow.server.DefaultByteBufferPool;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;

/**
 * Sends the engine's signed requests to the origin without blocking anyone and without a thread
 * of its own: Undertow's HTTP/1.1 client on the edge's XNIO IO threads, keep-alive connections
 * pooled per origin (scheme, host, port), one request at a time on each, at most
 * {@link #MAX_IN_FLIGHT} connections in all (opening ones included: they are files of the edge's
 * budget), at most {@link #MAX_CONNECTS_PER_ORIGIN} of them opening to one origin; past that, up to {@link #MAX_WAITING} requests wait their turn first come first
 * served, and more fail at once as {@link Failure#BUSY}. Each request has a timer for its whole
 * life, waiting included, and its answer (or failure) completes a future on whichever thread saw
 * it; callers hop to their own thread.
 *
 * <p>The parts: {@link ConnectionPool} (the books: idle connections, the count, the queue),
 * {@link Connector} (opening a connection, with its connect timeout), {@link Exchange} (one
 * request on one connection, and the one resend after a reused connection failed),
 * {@link OutgoingHeaders} (what may be sent, and how).
 *
 * <p>Threads: a request starts on the calling IO thread (a caller that is not one gets the next
 * IO thread of the worker), takes an idle connection of the same IO thread when there is one,
 * and otherwise an idle one of another IO thread (one hop) or a new connection opened on its
 * own. Everything a connection does runs on the IO thread it belongs to.
 */
public final class OriginClient implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("surrogate.origin");

    /** What the origin said, or how reaching it failed. */
    public record Answer(int status, String contentType, byte[] body, Failure failure, String retryAfter) {
        public Answer(int status, String contentType, byte[] body, Failure failure) {
            this(status, contentType, body, failure, null);
        }

        public boolean accepted() {
            return failure == null && status == 202;
        }
    }

    /** Why there is no answer: the origin cannot be reached, did not answer in time, or the edge has too many requests waiting for it. */
    public enum Failure { REFUSED, TIMEOUT, BUSY }

    /** Connections to origins at once (open or opening), so requests in flight: counted in the edge's file budget. */
    public static final int MAX_IN_FLIGHT = 64;
    /** Requests waiting for a connection at once; one more fails at once as {@link Failure#BUSY}. */
    public static final int MAX_WAITING = 1024;
    /** The longest a new connection may take to open (shorter when the request's own timeout is). */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    /**
     * Connects given up at their timeout whose sockets the kernel still holds (Undertow's client
     * cannot cancel a connect): their places are freed for new connections; past this many, a
     * connect given up keeps its place (and its count against its origin's
     * {@link #MAX_CONNECTS_PER_ORIGIN}) until its socket closes or an abandoned place frees.
     * Files within the edge's own reserve.
     */
    public static final int MAX_ABANDONED_CONNECTS = 8;
    /**
     * Connects to one origin (scheme, host, port) that hold a place at once: under way, or given
     * up with no abandoned place free. Once a connect to an origin was given up at its timeout,
     * only one at a time is under way to it (the rest of this many are given-up ones keeping
     * their places) until one connects. A request for an origin with no room for another connect
     * waits in the queue without a place, its timeout running, while requests for other origins
     * pass it; so an origin whose connects hang holds at most this many of the
     * {@link #MAX_IN_FLIGHT} places.
     */
    public static final int MAX_CONNECTS_PER_ORIGIN = 8;
    /** The most of an origin's answer body the edge keeps (a rejection forwarded to the client); the rest is read and dropped. */
    public static final int MAX_ANSWER_BODY = 64 * 1024;
    /** Past {@link #MAX_ANSWER_BODY}, how much more is read and dropped to keep the connection; a longer body closes it instead. */
    public static final int MAX_DRAINED = 1024 * 1024;

    private static final byte[] NONE = new byte[0];
    static final Answer TIMED_OUT = new Answer(0, null, NONE, Failure.TIMEOUT);
    static final Answer UNREACHABLE = new Answer(0, null, NONE, Failure.REFUSED);
    static final Answer BUSY = new Answer(0, null, NONE, Failure.BUSY);

    private final Optional<URI> defaultOrigin;
    private final OriginScheduler scheduler;
    private final Connector connector;
    private final ConnectionPool pool;
    private volatile XnioWorker worker;

    public OriginClient(Optional<URI> defaultOrigin) {
        this(defaultOrigin, null, OriginScheduler.ioThreads(), CONNECT_TIMEOUT, MAX_WAITING);
    }

    /**
     * @param tls the TLS context for {@code https} origins; null for the JVM's default (looked up at the first one)
     * @param scheduler the timers of request and connect timeouts
     * @param connectTimeout the longest a new connection may take to open
     * @param maxWaiting the most requests waiting for a connection at once
     */
    public OriginClient(Optional<URI> defaultOrigin, SSLContext tls, OriginScheduler scheduler, Duration connectTimeout, int maxWaiting) {
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive, was " + connectTimeout);
        }
        if (maxWaiting < 0) {
            throw new IllegalArgumentException("maxWaiting must not be negative, was " + maxWaiting);
        }
        this.defaultOrigin = defaultOrigin;
        this.scheduler = scheduler;
        this.connector = new Connector(tls, scheduler, connectTimeout);
        this.pool = new ConnectionPool(connector, maxWaiting);
        connector.pool(pool);
    }

    /**
     * Runs on this worker's IO threads from now on (the edge's, once it listens). Requests sent
     * before are refused.
     */
    public void start(XnioWorker worker) {
        connector.start(worker, new DefaultByteBufferPool(true, 8 * 1024, -1, 4));
        this.worker = worker;
    }

    /** The URL a request goes to: the rule's origin, or the server's. Empty when neither is set. */
    public Optional<URI> target(OriginRequest request) {
        Optional<URI> base = request.origin().map(URI::create).or(() -> defaultOrigin);
        return base.map(b -> {
            String root = b.getScheme() + "://" + b.getRawAuthority();
            return URI.create(root + request.path());
        });
    }

    /**
     * Sends {@code request}; a resend after a reused connection failed (see {@link Exchange})
     * sends the same request again, same nonce and all. Callers that can sign again use
     * {@link #send(URI, OriginRequest, Supplier, Duration)}.
     */
    public CompletableFuture<Answer> send(URI uri, OriginRequest request, Duration timeout) {
        return send(uri, request, null, timeout);
    }

    /**
     * Sends on an idle connection to the origin, or a new one if fewer than
     * {@link #MAX_IN_FLIGHT} are open, else when one is free; a request still waiting when its
     * timeout passes fails as {@link Failure#TIMEOUT}, like one the origin is slow to answer.
     *
     * @param resign signs the request again (a new timestamp and nonce) for the one resend on a
     *     new connection after a reused one failed; null to send the same request again
     */
    public CompletableFuture<Answer> send(URI uri, OriginRequest request, Supplier<OriginRequest> resign, Duration timeout) {
        XnioWorker w = worker;
        String refusal = w == null ? "the origin client is not started" : OutgoingHeaders.refusal(uri, request);
        if (refusal != null) {
            LOG.warning(() -> LogLine.of("origin-request-refused").with("uri", uri).with("reason", refusal).toString());
            return CompletableFuture.completedFuture(UNREACHABLE);
        }
        XnioIoThread here = XnioIoThread.currentThread();
        if (here == null || here.getWorker() != w) {
            here = w.getIoThread();
        }
        OriginCall call = new OriginCall(uri, request, resign, timeout, here, pool);
        try {
            call.timer = scheduler.after(timeout, here, call);
        } catch (RejectedExecutionException stopped) {
            return CompletableFuture.completedFuture(UNREACHABLE);
        }
        pool.dispatch(call, false, false);
        return call.result;
    }

    public static String describe(Answer a) {
        if (a.failure() == Failure.TIMEOUT) {
            return "no answer in time";
        }
        if (a.failure() == Failure.REFUSED) {
            return "unreachable";
        }
        if (a.failure() == Failure.BUSY) {
            return "too many requests waiting for the origin";
        }
        return "answered " + a.status();
    }

    /** Connections open or opening. */
    public int openConnections() {
        return pool.open();
    }

    /** Requests waiting for a connection. */
    public int waitingRequests() {
        return pool.waiting();
    }

    /** Connects given up at their timeout whose sockets the kernel has not closed yet. */
    public int abandonedConnects() {
        return pool.abandoned();
    }

    /** Closes every connection and fails every request still out; the worker is the edge's and keeps running. */
    @Override
    public void close() {
        pool.close();
    }
}
