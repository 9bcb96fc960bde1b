package io.surrogate.server.upstream;

import io.surrogate.engine.Decision;
import io.surrogate.engine.OriginRequest;
import io.surrogate.server.LogLine;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.logging.Logger;
import org.xnio.XnioIoThread;

/**
 * A request from {@link OriginClient#send} until its answer. Its timeout timer runs from the
 * start to the answer, waiting included; when it fires the call fails as
 * {@link OriginClient.Failure#TIMEOUT} wherever it is (waiting: taken out of the queue; on a
 * connection: that connection is closed, its answer would come too late).
 */
final class OriginCall implements Runnable {
    private static final Logger LOG = Logger.getLogger("surrogate.origin");

    final URI uri;
    /** scheme://host:port, what a connection is opened to */
    final URI origin;
    final String key;
    final String path;
    final String host;
    final XnioIoThread home;
    /** The whole time the call may take. */
    final Duration timeout;
    final CompletableFuture<OriginClient.Answer> result = new CompletableFuture<>();
    private final ConnectionPool pool;
    /** Signs the request again for a resend; null: the same request is sent again. */
    private final Supplier<OriginRequest> resign;
    private volatile OriginRequest request;
    private volatile byte[] body;
    volatile OriginScheduler.Scheduled timer;
    /** The connection it is being sent on; read by the timer. */
    volatile PooledConnection conn;
    /** Sent once more already (on the connection's thread). */
    boolean retried;
    /** Only a new connection (or one that has just answered) will do: the retry after a reused one failed. */
    boolean fresh;
    /** Its connect was given up at its timeout and still holds a place (no abandoned place was free). Under the pool's lock. */
    boolean placeKept;

    OriginCall(URI uri, OriginRequest request, Supplier<OriginRequest> resign, Duration timeout, XnioIoThread home,
            ConnectionPool pool) {
        this.uri = uri;
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        int defaultPort = scheme.equals("https") ? 443 : 80;
        int port = uri.getPort() == -1 ? defaultPort : uri.getPort();
        this.origin = URI.create(scheme + "://" + uri.getHost() + ":" + port);
        this.key = origin.toString();
        this.host = port == defaultPort ? uri.getHost() : uri.getHost() + ":" + port;
        String p = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        this.path = uri.getRawQuery() == null ? p : p + "?" + uri.getRawQuery();
        this.request = request;
        this.body = request.body();
        this.resign = resign;
        this.home = home;
        this.timeout = timeout;
        this.pool = pool;
    }

    boolean https() {
        return origin.getScheme().equals("https");
    }

    String method() {
        return request.method();
    }

    List<Decision.HeaderField> headers() {
        return request.headers();
    }

    byte[] body() {
        return body;
    }

    /**
     * Before the resend: the request signed again (a new timestamp and nonce) when the caller
     * gave a way to, so the origin never sees the same nonce twice. False when signing failed or
     * gave a request that cannot be sent; the call is then failed already.
     */
    boolean signAgain() {
        if (resign == null) {
            return true;
        }
        OriginRequest again;
        try {
            again = resign.get();
        } catch (RuntimeException e) {
            LOG.warning(() -> LogLine.of("origin-resign-failed").with("origin", origin).with("error", e).toString());
            pool.finish(this, OriginClient.UNREACHABLE);
            return false;
        }
        String refusal = OutgoingHeaders.invalidHeader(again);
        if (refusal != null) {
            LOG.warning(() -> LogLine.of("origin-request-refused").with("origin", origin).with("reason", refusal).toString());
            pool.finish(this, OriginClient.UNREACHABLE);
            return false;
        }
        body = again.body();
        request = again;
        return true;
    }

    /** The timeout. */
    @Override
    public void run() {
        if (result.complete(OriginClient.TIMED_OUT)) {
            pool.timedOut(this);
        }
    }
}
