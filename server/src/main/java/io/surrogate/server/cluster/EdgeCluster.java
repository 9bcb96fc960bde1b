package io.surrogate.server.cluster;

import io.surrogate.server.delivery.DeliveryRouter;
import io.surrogate.server.delivery.LocalRouter;
import io.surrogate.server.delivery.ReplayGuard;
import io.surrogate.server.delivery.ReplayStore;
import io.surrogate.server.metrics.ServerMetrics;
import io.surrogate.server.subscribe.RegistryEvents;
import io.surrogate.server.subscribe.TakeOver;

/**
 * What an edge shares with the others on Redis (issue 13), wired in one place: the replay set,
 * the router that reaches the other edges, the directory of edges, the history. Made by
 * {@code EdgeServer} when {@code --redis} is given; an edge alone has none.
 */
public final class EdgeCluster implements AutoCloseable {
    private final Redis redis;
    private final ServerMetrics metrics;
    private final RedisHistory history;
    private final SubscriptionRecords records;

    public EdgeCluster(Redis redis, ServerMetrics metrics, String edgeId) {
        this.redis = redis;
        this.metrics = metrics;
        this.history = new RedisHistory(redis, metrics);
        this.records = new SubscriptionRecords(redis, edgeId, metrics);
    }

    /** Where deliveries are kept for a client that comes back at another edge. */
    public History history() {
        return history;
    }

    /** How this edge takes over another edge's subscription: its record and its history. */
    public TakeOver takeOver() {
        return history;
    }

    /** What the registry tells: the subscriptions' records, for another edge to take them over. */
    public RegistryEvents registryEvents() {
        return records;
    }

    public Redis redis() {
        return redis;
    }

    /** The replay set the edges share; {@code local} is this edge's own (the fallback when the operator chose it). */
    public ReplayStore replayStore(ReplayGuard local) {
        return local;
    }

    /** The router that reaches the other edges too. */
    public DeliveryRouter router(LocalRouter local) {
        return new ClusterRouter(local, history);
    }

    @Override
    public void close() {
        records.close();
        redis.close();
    }
}
