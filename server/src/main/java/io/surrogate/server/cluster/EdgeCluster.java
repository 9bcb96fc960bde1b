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

    public EdgeCluster(Redis redis, ServerMetrics metrics) {
        this.redis = redis;
        this.metrics = metrics;
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
        return new ClusterRouter(local);
    }

    @Override
    public void close() {
        redis.close();
    }
}
