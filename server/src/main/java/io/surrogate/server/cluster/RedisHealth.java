package io.surrogate.server.cluster;

import io.lettuce.core.event.Event;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.event.connection.ReconnectAttemptEvent;
import io.surrogate.server.LogLine;
import io.surrogate.server.metrics.ServerMetrics;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Logger;
import reactor.core.Disposable;

/**
 * Whether the edge reaches its Redis now, told by Lettuce's event bus, and what failed while it
 * did not: one {@code redis-disconnected} log line when a connection is lost (while none was),
 * one {@code redis-reconnected} when the last lost one is back, the gauge
 * {@code surrogate.redis.connected} (1 or 0), the counter of connections re-established, and
 * {@link #failed} for the parts that use Redis to count a command that failed.
 *
 * <p>A connection counts as lost from Lettuce's first reconnect attempt for it (Lettuce
 * attempts only for a connection it did not close itself, at most
 * {@link Redis#MAX_RECONNECT_DELAY} apart) until a connection to the same address is active
 * again; a connection the edge closes on purpose is never lost. Lost connections are counted
 * per address, so that the command connection and a pub/sub connection to the same Redis that
 * come back one after the other make one outage. The events arrive on Lettuce's computation
 * thread: this only counts and logs, never blocks.
 */
public final class RedisHealth implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("surrogate.redis");

    private final ServerMetrics metrics;
    /** Lost connections by Redis address ("ip:port"); guarded by this. */
    private final Map<String, Integer> lost = new HashMap<>();
    /** All lost connections together; guarded by this. */
    private int lostTotal;
    /** When the current outage began (System.nanoTime), while lostTotal > 0; guarded by this. */
    private long downSince;
    private volatile boolean connected = true;
    private final Disposable events;

    /** Listens to {@code redis}'s events from now on; the edge connected just before, so it starts connected. */
    public RedisHealth(Redis redis, ServerMetrics metrics) {
        this.metrics = metrics;
        metrics.gauge("surrogate.redis.connected", "1 while every connection to Redis is up, 0 while one is lost",
                () -> connected ? 1 : 0);
        this.events = redis.resources().eventBus().get().subscribe(this::on,
                error -> LOG.severe(() -> LogLine.of("redis-events-failed").with("error", String.valueOf(error)).toString()));
    }

    /**
     * Counts a Redis command that failed or timed out, by what it was for ({@code replay},
     * {@code publish}, {@code history}, {@code directory}, ...): {@code surrogate.redis.failures}.
     * Logging it is the caller's part (once per outage, not per command).
     */
    public void failed(String use) {
        metrics.redisFailure(use);
    }

    private void on(Event event) {
        try {
            if (event instanceof ReconnectAttemptEvent attempt) {
                if (attempt.getAttempt() == 1) {
                    lost(address(attempt.remoteAddress()));
                }
            } else if (event instanceof ConnectionActivatedEvent active) {
                back(address(active.remoteAddress()));
            }
        } catch (RuntimeException e) {
            // never into Lettuce's thread: it would end the subscription to the events
            LOG.warning(() -> LogLine.of("redis-event-failed").with("event", event.getClass().getSimpleName())
                    .with("error", String.valueOf(e)).toString());
        }
    }

    private synchronized void lost(String address) {
        lost.merge(address, 1, Integer::sum);
        if (lostTotal++ == 0) {
            downSince = System.nanoTime();
            connected = false;
            LOG.warning(() -> LogLine.of("redis-disconnected").with("at", address)
                    .with("help", "reconnecting at most " + Redis.MAX_RECONNECT_DELAY.toMillis() + " ms apart").toString());
        }
    }

    /** A connection to {@code address} is active: a lost one back, or a new one (which changes nothing). */
    private synchronized void back(String address) {
        Integer n = lost.get(address);
        if (n == null) {
            return;
        }
        if (n == 1) {
            lost.remove(address);
        } else {
            lost.put(address, n - 1);
        }
        metrics.redisReconnect();
        if (--lostTotal == 0) {
            long millis = (System.nanoTime() - downSince) / 1_000_000;
            connected = true;
            LOG.info(() -> LogLine.of("redis-reconnected").with("at", address).with("after-ms", millis).toString());
        }
    }

    /** The same string for the address a lost connection had and the one its successor has. */
    private static String address(SocketAddress a) {
        if (a instanceof InetSocketAddress inet) {
            String host = inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
            return host + ":" + inet.getPort();
        }
        return String.valueOf(a);
    }

    @Override
    public void close() {
        events.dispose();
    }
}
