package io.surrogate.server.http;

import io.surrogate.server.LogLine;
import io.surrogate.server.transport.ConnectionState;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * Counts client connections against what the process may open and numbers them (the
 * CONNECTION and PORT nonces). At the limit a new connection gets a 503 and is closed, with one
 * log line per interval however many are refused; connections already held are not touched.
 */
public final class ClientConnections {
    private static final Logger LOG = Logger.getLogger("surrogate.connections");
    /**
     * Files the process needs besides clients and origin connections: jars, listeners, epoll,
     * rule files, the watcher and room for the connections refused with 503 (150 in all; about
     * 100 are open when idle).
     */
    static final int RESERVED_FILES = 150;
    private static final long REFUSAL_LOG_INTERVAL_NANOS = 10_000_000_000L;

    private final int capacity;
    private final LongSupplier ticker;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong lastRefusalLog;

    /** @param ticker nanoseconds, for spacing the refusal log lines */
    public ClientConnections(int capacity, LongSupplier ticker) {
        this.capacity = capacity;
        this.ticker = ticker;
        this.lastRefusalLog = new AtomicLong(ticker.getAsLong() - REFUSAL_LOG_INTERVAL_NANOS);
    }

    /** How many clients fit under the open-file limit, or {@code configured} when set; {@code originConnections} are reserved too. */
    public static int capacity(int configured, int originConnections) {
        if (configured > 0) {
            return configured;
        }
        long max = maxOpenFiles();
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, max - RESERVED_FILES - originConnections));
    }

    public static long maxOpenFiles() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return unix.getMaxFileDescriptorCount();
        }
        return 1_000_000;
    }

    public int capacity() {
        return capacity;
    }

    public int open() {
        return open.get();
    }

    /** The connection's state, counting it on its first request; null when it is over the limit. */
    ConnectionState admit(HttpServerExchange exchange) {
        ServerConnection connection = exchange.getConnection();
        ConnectionState state = ConnectionState.of(connection);
        if (state != null) {
            return state;
        }
        if (open.incrementAndGet() > capacity) {
            open.decrementAndGet();
            refusedOne();
            return null;
        }
        return ConnectionState.attach(connection, ids.incrementAndGet(), open::decrementAndGet);
    }

    private void refusedOne() {
        long n = refused.incrementAndGet();
        long now = ticker.getAsLong();
        long last = lastRefusalLog.get();
        if (now - last >= REFUSAL_LOG_INTERVAL_NANOS && lastRefusalLog.compareAndSet(last, now)) {
            LOG.warning(() -> LogLine.of("connection-limit").with("capacity", capacity).with("refused-total", n)
                    .with("help", "new connections get 503 until held ones leave; this line repeats at most every 10 s").toString());
        }
    }

    public long refusedTotal() {
        return refused.get();
    }
}
