package io.surrogate.server.cluster;

import io.surrogate.server.delivery.DeliveryRouter;
import io.surrogate.server.delivery.LocalRouter;
import io.surrogate.server.delivery.ReplayGuard;
import io.surrogate.server.delivery.ReplayStore;
import io.surrogate.server.metrics.ServerMetrics;
import io.surrogate.engine.token.KeySource;
import io.surrogate.server.subscribe.LocalRegistry;
import io.surrogate.server.subscribe.RegistryEvents;
import io.surrogate.server.time.Scheduler;
import io.surrogate.server.upstream.OriginClient;
import java.time.InstantSource;
import java.util.function.Supplier;

/**
 * What an edge shares with the others on Redis (issue 13), wired in one place: the replay set,
 * the router that reaches the other edges, the directory of edges, the history. Made by
 * {@code EdgeServer} when {@code --redis} is given; an edge alone has none.
 */
public final class EdgeCluster implements AutoCloseable {
    private final Redis redis;
    private final ServerMetrics metrics;
    private final RedisHealth health;
    private final EdgeDirectory directory;
    private final FanOutBus fanOut;
    private final History history = History.NONE;

    /** Listens to {@code registry}: the events it holds are the fan-out channels this edge subscribes to. */
    public EdgeCluster(Redis redis, ServerMetrics metrics, String edgeId, Scheduler scheduler, InstantSource clock,
            LocalRegistry registry) {
        this.redis = redis;
        this.metrics = metrics;
        this.health = new RedisHealth(redis, metrics);
        this.directory = new EdgeDirectory(redis, edgeId, scheduler, clock, metrics);
        try {
            this.fanOut = new FanOutBus(redis, edgeId, new LocalRouter(registry), metrics, health);
        } catch (RuntimeException e) {
            directory.close();
            health.close();
            redis.close();
            throw e;
        }
        registry.listen(new RegistryEvents() {
            @Override
            public void eventHeld(String eventKey) {
                fanOut.hold(eventKey);
            }

            @Override
            public void eventReleased(String eventKey) {
                fanOut.release(eventKey);
            }
        });
    }

    /** The edges sharing the Redis, as this one last read them. */
    public EdgeDirectory directory() {
        return directory;
    }

    /**
     * The edge listens: it joins the directory at {@code advertised} (its origin side) and, on
     * the directory's tick, reaps the subscriptions of dead edges (notices through {@code registry},
     * signed with the keyring's current keys).
     */
    public void start(String advertised, LocalRegistry registry, Supplier<? extends KeySource> keys) {
        Reaper reaper = new Reaper(redis, directory, registry, keys, metrics);
        directory.afterReading(reaper::after);
        directory.start(advertised);    }

    public Redis redis() {
        return redis;
    }

    /** Whether Redis is reached now; where the parts that use it count their failures. */
    public RedisHealth health() {
        return health;
    }

    /** The replay set the edges share; {@code local} is this edge's own (the fallback when the operator chose it). */
    public ReplayStore replayStore(ReplayGuard local) {
        return new RedisReplayStore(redis, health, local);
    }

    /**
     * The router that reaches the other edges too; it passes unicasts on to the edge that holds
     * them with {@code client} (the edge's HTTP client), over TLS when {@code tls} (the edges'
     * origin-side listeners are configured alike).
     */
    public DeliveryRouter router(LocalRouter local, OriginClient client, boolean tls) {
        return new ClusterRouter(local, redis, history, directory, new Relay(client, tls, metrics), fanOut, metrics);
    }

    @Override
    public void close() {
        directory.close();
        fanOut.close();
        health.close();
        redis.close();
    }
}
