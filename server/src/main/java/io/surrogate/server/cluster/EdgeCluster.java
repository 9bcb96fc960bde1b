package io.surrogate.server.cluster;

import io.surrogate.server.delivery.DeliveryRouter;
import io.surrogate.server.delivery.LocalRouter;
import io.surrogate.server.delivery.ReplayGuard;
import io.surrogate.server.delivery.ReplayStore;
import io.surrogate.server.metrics.ServerMetrics;
import io.surrogate.server.subscribe.LocalRegistry;
import io.surrogate.server.subscribe.RegistryEvents;

/**
 * What an edge shares with the others on Redis (issue 13), wired in one place: the replay set,
 * the router that reaches the other edges, the directory of edges, the history. Made by
 * {@code EdgeServer} when {@code --redis} is given; an edge alone has none.
 */
public final class EdgeCluster implements AutoCloseable {
    private final Redis redis;
    private final ServerMetrics metrics;
    private final RedisHealth health;
    private final FanOutBus fanOut;

    /** Listens to {@code registry}: the events it holds are the fan-out channels this edge subscribes to. */
    public EdgeCluster(Redis redis, ServerMetrics metrics, String edgeId, LocalRegistry registry) {
        this.redis = redis;
        this.metrics = metrics;
        this.health = new RedisHealth(redis, metrics);
        try {
            this.fanOut = new FanOutBus(redis, edgeId, new LocalRouter(registry), metrics, health);
        } catch (RuntimeException e) {
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
        return new ClusterRouter(local, History.NONE, fanOut);
    }

    @Override
    public void close() {
        fanOut.close();
        health.close();
        redis.close();
    }
}
