package io.surrogate.server.cluster;

import io.surrogate.server.delivery.DeliveryRouter;
import io.surrogate.server.delivery.LocalRouter;
import io.surrogate.server.delivery.ReplayGuard;
import io.surrogate.server.delivery.ReplayStore;
import io.surrogate.server.metrics.ServerMetrics;

/**
 * What an edge shares with the others on Redis (issue 13), wired in one place: the replay set,
 * the router that reaches the other edges, the directory of edges, the history. Made by
 * {@code EdgeServer} when {@code --redis} is given; an edge alone has none.
 */
public final class EdgeCluster implements AutoCloseable {
    private final Redis redis;
    private final ServerMetrics metrics;
    private final RedisHealth health;

    public EdgeCluster(Redis redis, ServerMetrics metrics) {
        this.redis = redis;
        this.metrics = metrics;
        this.health = new RedisHealth(redis, metrics);
    }

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

    /** The router that reaches the other edges too. */
    public DeliveryRouter router(LocalRouter local) {
        return new ClusterRouter(local);
    }

    @Override
    public void close() {
        health.close();
        redis.close();
    }
}
