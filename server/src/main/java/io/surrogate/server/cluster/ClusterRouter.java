package io.surrogate.server.cluster;

import io.surrogate.server.delivery.DeliveryRouter;
import io.surrogate.server.delivery.LocalRouter;
import io.surrogate.server.subscribe.Subscription;
import io.surrogate.server.subscribe.SubscriptionRegistry;
import io.surrogate.server.transport.EventFrame;
import java.util.HexFormat;
import java.util.concurrent.CompletionStage;

/**
 * Routes a delivery across the edges on Redis: a fan-out to this edge's subscribers and, through
 * sharded pub/sub, to every other edge that holds the event; a unicast to whichever edge holds
 * its subscription now. Both are kept in the {@link History} first, and routed with their
 * position (position 0 when the history could not keep them: they are delivered all the same).
 */
public final class ClusterRouter implements DeliveryRouter {
    private final LocalRouter local;
    private final History history;

    public ClusterRouter(LocalRouter local, History history) {
        this.local = local;
        this.history = history;
    }

    @Override
    public CompletionStage<Routed> unicast(String token, Subscription held, EventFrame frame) {
        if (held == null) {
            return local.unicast(token, null, frame);
        }
        return history.appendToSubscription(HexFormat.of().toHexDigits(held.handle()), held.eventKey(), frame)
                .handle((position, e) -> e != null || position == null ? 0L : position)
                .thenCompose(position -> local.unicast(token, held, positioned(frame, position)));
    }

    @Override
    public CompletionStage<Routed> fanOut(String originKeyName, String eventId, EventFrame frame) {
        return history.appendToEvent(SubscriptionRegistry.eventKey(originKeyName, eventId), frame)
                .handle((position, e) -> e != null || position == null ? 0L : position)
                .thenCompose(position -> local.fanOut(originKeyName, eventId, positioned(frame, position)));
    }

    private static EventFrame positioned(EventFrame frame, long position) {
        return position == 0 ? frame : new EventFrame(frame.eventId(), frame.data(), frame.contentType(), position);
    }
}
