package io.surrogate.server.cluster;

import io.lettuce.core.ScoredValue;
import io.surrogate.server.LogLine;
import io.surrogate.server.metrics.ServerMetrics;
import io.surrogate.server.time.Scheduler;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The edges that share a Redis, as each sees them (issue 13): every edge writes its id with an
 * expiry ({@code ZADD surrogate:{dir}:edges <now+ttl> <id>}) and its origin-side address
 * ({@code HSET surrogate:{dir}:addr <id> <host:port>}) at its start and every third of the ttl,
 * and removes both when it stops cleanly; an edge not renewed for the ttl is dead to the others.
 * On the same tick it reads the whole directory into a cache, so that {@link #alive},
 * {@link #address} and {@link #edges} never ask Redis on a delivery's path.
 *
 * <p>Runs on the edge's {@link Scheduler}; the Redis commands are Lettuce's asynchronous ones and
 * their callbacks only swap the cache, so nothing here blocks a thread but {@link #close} (which
 * waits up to the command timeout for its goodbye). While Redis does not answer, the cache stays
 * as it was read last (the others' entries age out of it by their expiry; this edge is always
 * alive to itself), and the failure is logged and counted.
 */
public final class EdgeDirectory implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("surrogate.redis");
    static final String EDGES = "surrogate:{dir}:edges";
    static final String ADDRESSES = "surrogate:{dir}:addr";

    /** One edge as the directory was last read: its id, origin-side address (null if unknown) and expiry in epoch ms. */
    public record Entry(String id, String address, long expiresAt) {
        public boolean aliveAt(long nowMillis) {
            return expiresAt > nowMillis;
        }
    }

    /** What one successful tick read: every entry, and since when Redis has answered this edge without a failure. */
    record Reading(List<Entry> entries, long nowMillis, long upSince) {}

    private final Redis redis;
    private final String self;
    private final long ttlMillis;
    private final Scheduler scheduler;
    private final InstantSource clock;
    private final ServerMetrics metrics;
    private volatile String address;
    private volatile Map<String, Entry> entries = Map.of();
    private volatile Consumer<Reading> afterReading = r -> {};
    /** epoch ms of the first successful tick after the last failed one; 0 while failing */
    private volatile long upSince;
    private volatile boolean failing;
    private volatile boolean closed;
    private Scheduler.Timer timer;

    public EdgeDirectory(Redis redis, String self, Scheduler scheduler, InstantSource clock, ServerMetrics metrics) {
        this.redis = redis;
        this.self = self;
        this.ttlMillis = redis.settings().directoryTtl().toMillis();
        this.scheduler = scheduler;
        this.clock = clock;
        this.metrics = metrics;
        metrics.gauge("surrogate.redis.edges", "Edges alive in the directory on Redis, this one included", this::aliveCount);
    }

    public String self() {
        return self;
    }

    /** Told after every successful reading of the directory, on Lettuce's thread: the reaper. */
    void afterReading(Consumer<Reading> listener) {
        this.afterReading = listener;
    }

    /** Joins the directory at {@code advertised} (this edge's origin side, {@code host:port}), now and every third of the ttl. */
    public void start(String advertised) {
        this.address = advertised;
        entries = Map.of(self, new Entry(self, advertised, clock.millis() + ttlMillis));
        tick();
    }

    /** Whether {@code edgeId} was alive when the directory was last read (this edge always is). */
    public boolean alive(String edgeId) {
        if (self.equals(edgeId)) {
            return !closed;
        }
        Entry e = entries.get(edgeId);
        return e != null && e.aliveAt(clock.millis());
    }

    /** The origin-side address of {@code edgeId} as last read, or null. */
    public String address(String edgeId) {
        Entry e = entries.get(edgeId);
        return e == null ? null : e.address();
    }

    /**
     * {@code edgeId}'s entry: from the copy when it is alive there; otherwise read from Redis
     * now (an edge that started since the last reading, or renewed since), and kept in the copy.
     * Completes with null when Redis knows no such edge, or with the copy's entry when Redis
     * does not answer. Never fails.
     */
    public CompletionStage<Entry> find(String edgeId) {
        Entry cached = entries.get(edgeId);
        if (self.equals(edgeId) || cached != null && cached.aliveAt(clock.millis())) {
            return CompletableFuture.completedFuture(cached);
        }
        var commands = redis.commands();
        var score = commands.zscore(EDGES, bytes(edgeId)).toCompletableFuture();
        var at = commands.hget(ADDRESSES, edgeId).toCompletableFuture();
        return CompletableFuture.allOf(score, at).handle((ok, error) -> {
            if (error != null || score.join() == null) {
                return error != null ? cached : null;
            }
            byte[] address = at.join();
            Entry found = new Entry(edgeId, address == null ? null : new String(address, StandardCharsets.UTF_8),
                    score.join().longValue());
            Map<String, Entry> next = new HashMap<>(entries);
            next.put(edgeId, found);
            entries = Map.copyOf(next);
            return found;
        });
    }

    /** Every edge as last read, by id; dead ones not yet removed included. */
    public List<Entry> edges() {
        List<Entry> out = new ArrayList<>(entries.values());
        out.sort(Comparator.comparing(Entry::id));
        return out;
    }

    private int aliveCount() {
        long now = clock.millis();
        int n = 0;
        for (Entry e : entries.values()) {
            if (e.id().equals(self) || e.aliveAt(now)) {
                n++;
            }
        }
        return n;
    }

    /** {@code GET /admin/edges}: this edge's id and every edge as last read. */
    public Map<String, Object> describe() {
        long now = clock.millis();
        List<Map<String, Object>> list = new ArrayList<>();
        for (Entry e : edges()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", e.id());
            m.put("address", e.address());
            m.put("alive", e.id().equals(self) ? !closed : e.aliveAt(now));
            m.put("expiresAt", e.expiresAt());
            list.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("self", self);
        out.put("edges", list);
        return out;
    }

    private void tick() {
        synchronized (this) {
            if (closed) {
                return;
            }
            try {
                timer = scheduler.schedule(Scheduler.DIRECT, this::tick, Math.max(1, ttlMillis / 3));
            } catch (RejectedExecutionException stopped) {
                return;
            }
        }
        long now = clock.millis();
        var commands = redis.commands();
        CompletableFuture<?> renewed = CompletableFuture.allOf(
                commands.zadd(EDGES, (double) (now + ttlMillis), bytes(self)).toCompletableFuture(),
                commands.hset(ADDRESSES, self, bytes(address)).toCompletableFuture());
        var scores = commands.zrangeWithScores(EDGES, 0, -1).toCompletableFuture();
        var addresses = commands.hgetall(ADDRESSES).toCompletableFuture();
        CompletableFuture.allOf(renewed, scores, addresses).whenComplete((ok, error) -> {
            if (error != null) {
                failed(error);
                return;
            }
            try {
                read(now, scores.join(), addresses.join());
            } catch (RuntimeException e) {
                failed(e);
            }
        });
    }

    private void read(long now, List<ScoredValue<byte[]>> scored, Map<String, byte[]> addresses) {
        if (closed) {
            return; // the edge stops: nothing more is reaped from here
        }
        Map<String, Entry> next = new HashMap<>();
        for (ScoredValue<byte[]> v : scored) {
            if (!v.hasValue()) {
                continue;
            }
            String id = new String(v.getValue(), StandardCharsets.UTF_8);
            byte[] at = addresses.get(id);
            next.put(id, new Entry(id, at == null ? null : new String(at, StandardCharsets.UTF_8), (long) v.getScore()));
        }
        next.put(self, new Entry(self, address, now + ttlMillis));
        // an edge this one saw alive and that Redis does not list now (a Redis that restarted empty,
        // before that edge's next renewal) stays alive here until the expiry it had: a restart of
        // Redis does not make the living look dead to the routing
        for (Entry known : entries.values()) {
            if (!next.containsKey(known.id()) && known.aliveAt(now)) {
                next.put(known.id(), known);
            }
        }
        entries = Map.copyOf(next);
        if (upSince == 0) {
            upSince = now;
        }
        if (failing) {
            failing = false;
            LOG.info(() -> LogLine.of("redis-recovered").with("what", "directory").toString());
        }
        afterReading.accept(new Reading(List.copyOf(next.values()), now, upSince));
    }

    private void failed(Throwable error) {
        boolean first = !failing;
        failing = true;
        upSince = 0;
        metrics.redisFailure("directory");
        // once per outage: every third of the ttl would flood the log
        LOG.log(first ? Level.WARNING : Level.FINE, () -> LogLine.of("redis-failed").with("what", "directory")
                .with("reason", String.valueOf(error)).toString());
    }

    /** Stops renewing, and leaves the directory (waits up to the command timeout for Redis to answer). */
    @Override
    public void close() {
        if (!stopRenewing()) {
            return;
        }
        if (address == null) {
            return; // never started
        }
        try {
            CompletableFuture.allOf(redis.commands().zrem(EDGES, bytes(self)).toCompletableFuture(),
                    redis.commands().hdel(ADDRESSES, self).toCompletableFuture())
                    .get(redis.settings().commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warning(() -> LogLine.of("redis-failed").with("what", "directory-leave").with("reason", String.valueOf(e))
                    .with("help", "the others see this edge dead after its ttl").toString());
        }
    }

    /**
     * Stops renewing without leaving: the others see this edge dead once its entry expires, as
     * after a crash (tests of an edge that dies). False when already stopped.
     */
    boolean stopRenewing() {
        synchronized (this) {
            if (closed) {
                return false;
            }
            closed = true;
            if (timer != null) {
                timer.cancel();
            }
            return true;
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
