package io.surrogate.server.cluster;

import io.surrogate.engine.token.KeySource;
import io.surrogate.server.delivery.DeliveryRouter;
import io.surrogate.server.delivery.LocalRouter;
import io.surrogate.server.delivery.ReplayGuard;
import io.surrogate.server.delivery.ReplayStore;
import io.surrogate.server.metrics.ServerMetrics;
import io.surrogate.server.subscribe.LocalRegistry;
import io.surrogate.server.subscribe.RegistryEvents;
import io.surrogate.server.subscribe.Subscription;
import io.surrogate.server.subscribe.TakeOver;
import io.surrogate.server.time.Scheduler;
import io.surrogate.server.upstream.OriginClient;
import java.time.InstantSource;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * What an edge shares with the others on Redis (issue 13), wired in one place: the replay set
 * ({@link RedisReplayStore}), the directory of edges and the reaper ({@link EdgeDirectory},
 * {@link Reaper}), fan-out across edges ({@link FanOutBus}), the history and the records another
 * edge takes a subscription over with ({@link RedisHistory}, {@link SubscriptionRecords}), the
 * router over all of them ({@link ClusterRouter}), and whether Redis answers ({@link RedisHealth}).
 * Made by {@code EdgeServer} when {@code --redis} is given; an edge alone has none.
 */
public final class EdgeCluster implements AutoCloseable {
    private final Redis redis;
    private final ServerMetrics metrics;
    private final RedisHealth health;
    private final EdgeDirectory directory;
    private final RedisHistory history;
    private final SubscriptionRecords records;
    private final FanOutBus fanOut;

    /**
     * Listens to {@code registry}: the events it holds are the fan-out channels this edge
     * subscribes to, and the subscriptions it accepts are recorded for the other edges.
     */
    public EdgeCluster(Redis redis, ServerMetrics metrics, String edgeId, Scheduler scheduler, InstantSource clock,
            LocalRegistry registry) {
        this.redis = redis;
        this.metrics = metrics;
        this.health = new RedisHealth(redis, metrics);
        this.directory = new EdgeDirectory(redis, edgeId, scheduler, clock, metrics);
        this.history = new RedisHistory(redis, metrics);
        this.records = new SubscriptionRecords(redis, edgeId, metrics);
        try {
            this.fanOut = new FanOutBus(redis, edgeId, new LocalRouter(registry), metrics, health);
        } catch (RuntimeException e) {
            close(null);
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

            @Override
            public void accepted(Subscription s) {
                records.accepted(s);
            }

            @Override
            public void joined(Subscription.Client c) {
                records.joined(c);
            }

            @Override
            public CompletionStage<Boolean> ended(Subscription s) {
                return records.ended(s);
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
        directory.start(advertised);
    }

    public Redis redis() {
        return redis;
    }

    /** Whether Redis is reached now; where the parts that use it count their failures. */
    public RedisHealth health() {
        return health;
    }

    /** Where deliveries are kept for a client that comes back at another edge. */
    public History history() {
        return history;
    }

    /** How this edge takes over another edge's subscription: its record and its history. */
    public TakeOver takeOver() {
        return history;
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
        close(fanOut);
    }

    /** Drops Redis as a crash does: nothing more is written (no record deleted, the directory entry left to expire). */
    public void halt() {
        directory.stopRenewing();
        redis.close();
        close(fanOut);
    }

    private void close(FanOutBus bus) {
        directory.close();
        if (bus != null) {
            bus.close();
        }
        records.close();
        health.close();
        redis.close();
    }
}
