package io.surrogate.server.cluster;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The Redis that several edges share (issue 13), and how an edge uses it. With no seeds the edge
 * is alone and nothing here is used ({@link #NONE}, the default).
 *
 * @param seeds {@code redis://host:port} URLs: one for a single Redis, or some nodes of a Redis
 *        Cluster (the edge asks the first one it reaches whether it is a cluster)
 * @param commandTimeout how long an edge waits for one Redis answer before it counts as failed
 * @param replayFallbackLocal when Redis cannot answer a nonce check: false refuses the delivery
 *        with a retryable 503 (fail closed, the default); true checks this edge's own set only
 *        (a replay posted to another edge meanwhile is not caught)
 * @param redirectForeign a unicast for a subscription another edge holds: false passes it to that
 *        edge and answers with its result (the default); true answers 421 with X-Event-Edge, as an edge alone does
 * @param historyCount the most events kept per subscription for a client that comes back at another edge
 * @param historyAge how long an event is kept for such a client
 * @param directoryTtl how long an edge's entry in the directory lives without being renewed
 *        (renewed every third of it); an edge not renewed for that long is dead to the others
 * @param orphanGrace how long after an edge is dead its clients have to come back at another
 *        edge before a surviving edge unsubscribes their subscriptions at the origin
 */
public record RedisSettings(
        List<URI> seeds,
        Duration commandTimeout,
        boolean replayFallbackLocal,
        boolean redirectForeign,
        int historyCount,
        Duration historyAge,
        Duration directoryTtl,
        Duration orphanGrace) {

    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(1);
    public static final int DEFAULT_HISTORY_COUNT = 100;
    public static final Duration DEFAULT_HISTORY_AGE = Duration.ofMinutes(10);
    public static final Duration DEFAULT_DIRECTORY_TTL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_ORPHAN_GRACE = Duration.ofSeconds(30);

    /** No Redis: the edge is alone. */
    public static final RedisSettings NONE = new RedisSettings(List.of(), DEFAULT_COMMAND_TIMEOUT, false, false,
            DEFAULT_HISTORY_COUNT, DEFAULT_HISTORY_AGE, DEFAULT_DIRECTORY_TTL, DEFAULT_ORPHAN_GRACE);

    public RedisSettings {
        seeds = List.copyOf(seeds);
        for (URI seed : seeds) {
            check(seed);
        }
        Objects.requireNonNull(commandTimeout, "commandTimeout");
        Objects.requireNonNull(historyAge, "historyAge");
        Objects.requireNonNull(directoryTtl, "directoryTtl");
        Objects.requireNonNull(orphanGrace, "orphanGrace");
        if (commandTimeout.isNegative() || commandTimeout.isZero()) {
            throw new IllegalArgumentException("the Redis command timeout must be positive");
        }
        if (historyCount < 1 || historyCount > 100_000) {
            throw new IllegalArgumentException("the history keeps 1 to 100000 events per subscription, not " + historyCount);
        }
        if (historyAge.toSeconds() < 1) {
            throw new IllegalArgumentException("the history keeps events for at least 1 s");
        }
        if (directoryTtl.toMillis() < 1_000) {
            throw new IllegalArgumentException("the directory entry lives at least 1 s");
        }
        if (orphanGrace.isNegative()) {
            throw new IllegalArgumentException("the orphan grace cannot be negative");
        }
    }

    /** These seeds with the defaults. */
    public static RedisSettings of(List<URI> seeds) {
        return NONE.withSeeds(seeds);
    }

    /** Whether the edge uses Redis at all. */
    public boolean enabled() {
        return !seeds.isEmpty();
    }

    public RedisSettings withSeeds(List<URI> s) {
        return new RedisSettings(s, commandTimeout, replayFallbackLocal, redirectForeign, historyCount, historyAge, directoryTtl,
                orphanGrace);
    }

    public RedisSettings withCommandTimeout(Duration d) {
        return new RedisSettings(seeds, d, replayFallbackLocal, redirectForeign, historyCount, historyAge, directoryTtl, orphanGrace);
    }

    public RedisSettings withReplayFallbackLocal(boolean local) {
        return new RedisSettings(seeds, commandTimeout, local, redirectForeign, historyCount, historyAge, directoryTtl, orphanGrace);
    }

    public RedisSettings withRedirectForeign(boolean redirect) {
        return new RedisSettings(seeds, commandTimeout, replayFallbackLocal, redirect, historyCount, historyAge, directoryTtl,
                orphanGrace);
    }

    public RedisSettings withHistory(int count, Duration age) {
        return new RedisSettings(seeds, commandTimeout, replayFallbackLocal, redirectForeign, count, age, directoryTtl, orphanGrace);
    }

    public RedisSettings withDirectory(Duration ttl, Duration grace) {
        return new RedisSettings(seeds, commandTimeout, replayFallbackLocal, redirectForeign, historyCount, historyAge, ttl, grace);
    }

    /**
     * Parses {@code --redis}: comma-separated {@code redis://host:port} URLs ({@code rediss://}
     * for TLS); a bare {@code host:port} is taken as {@code redis://host:port}.
     */
    public static List<URI> parseSeeds(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("--redis: give redis://HOST:PORT, or several Cluster nodes separated by commas");
        }
        List<URI> out = new java.util.ArrayList<>();
        for (String part : text.split(",", -1)) {
            String p = part.strip();
            if (p.isEmpty()) {
                throw new IllegalArgumentException("--redis: an empty address in \"" + text + "\"");
            }
            URI uri;
            try {
                uri = URI.create(p.contains("://") ? p : "redis://" + p);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--redis: not a URL: " + p);
            }
            check(uri);
            out.add(uri);
        }
        return out;
    }

    private static void check(URI uri) {
        if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme())) {
            throw new IllegalArgumentException("--redis: " + uri + " is not redis://HOST:PORT or rediss://HOST:PORT");
        }
        if (uri.getHost() == null || uri.getPort() < 1) {
            throw new IllegalArgumentException("--redis: " + uri + " needs a host and a port");
        }
    }
}
