package io.surrogate.server;

import io.surrogate.server.upstream.OriginClient;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import io.undertow.util.AttachmentKey;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Counts client connections against what the process may open, numbers them (the
 * CONNECTION and PORT nonces) and knows which held response each one carries. At the limit a
 * new connection gets a 503 and is closed, with one log line per interval however many are
 * refused; connections already held are not touched.
 */
final class ClientConnections {
    private static final Logger LOG = Logger.getLogger("surrogate.connections");
    private static final AttachmentKey<State> STATE = AttachmentKey.create(State.class);
    /**
     * Files the process needs besides clients: jars, listeners, epoll, rule files, the watcher
     * and room for the connections refused with 503 (150 in all; about 100 are open when idle),
     * and the connections to origins (at most {@link OriginClient#MAX_IN_FLIGHT} at once).
     */
    static final int RESERVED_FILES = 150 + OriginClient.MAX_IN_FLIGHT;
    private static final long REFUSAL_LOG_INTERVAL_NANOS = 10_000_000_000L;

    /** Per connection: its number and the response it holds now. */
    static final class State {
        final long id;
        HeldConnection held;

        State(long id) {
            this.id = id;
        }
    }

    private final int capacity;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong lastRefusalLog = new AtomicLong(System.nanoTime() - REFUSAL_LOG_INTERVAL_NANOS);

    ClientConnections(int capacity) {
        this.capacity = capacity;
    }

    /** How many clients fit under the open-file limit, or {@code configured} when set. */
    static int capacity(int configured) {
        if (configured > 0) {
            return configured;
        }
        long max = maxOpenFiles();
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, max - RESERVED_FILES));
    }

    static long maxOpenFiles() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return unix.getMaxFileDescriptorCount();
        }
        return 1_000_000;
    }

    int capacity() {
        return capacity;
    }

    int open() {
        return open.get();
    }

    /** The connection's state, counting it on its first request; null when it is over the limit. */
    State admit(HttpServerExchange exchange) {
        ServerConnection connection = exchange.getConnection();
        State state = connection.getAttachment(STATE);
        if (state != null) {
            return state;
        }
        if (open.incrementAndGet() > capacity) {
            open.decrementAndGet();
            refusedOne();
            return null;
        }
        State fresh = new State(ids.incrementAndGet());
        connection.putAttachment(STATE, fresh);
        connection.addCloseListener(c -> {
            open.decrementAndGet();
            HeldConnection held = fresh.held;
            if (held != null) {
                fresh.held = null;
                held.closed();
            }
        });
        return fresh;
    }

    private void refusedOne() {
        long n = refused.incrementAndGet();
        long now = System.nanoTime();
        long last = lastRefusalLog.get();
        if (now - last >= REFUSAL_LOG_INTERVAL_NANOS && lastRefusalLog.compareAndSet(last, now)) {
            LOG.warning(() -> "event=connection-limit capacity=" + capacity + " refused-total=" + n
                    + " (new connections get 503 until held ones leave; this line repeats at most every 10 s)");
        }
    }

    long refusedTotal() {
        return refused.get();
    }

    static long id(HttpServerExchange exchange) {
        State s = exchange.getConnection().getAttachment(STATE);
        return s == null ? 0 : s.id;
    }

    static void current(HttpServerExchange exchange, HeldConnection held) {
        State s = exchange.getConnection().getAttachment(STATE);
        if (s != null) {
            s.held = held;
        }
    }

    static void released(HttpServerExchange exchange, HeldConnection held) {
        State s = exchange.getConnection().getAttachment(STATE);
        if (s != null && s.held == held) {
            s.held = null;
        }
    }
}
