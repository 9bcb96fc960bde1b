package io.surrogate.server.cluster;

import io.surrogate.server.LogLine;
import io.surrogate.server.delivery.DeliveryRouter;
import io.surrogate.server.delivery.LocalRouter;
import io.surrogate.server.subscribe.Subscription;
import io.surrogate.server.subscribe.SubscriptionRegistry;
import io.surrogate.server.transport.EventFrame;
import java.util.concurrent.CompletionStage;
import java.util.logging.Logger;

/**
 * Routes a delivery across the edges on Redis: a fan-out to this edge's subscribers and, through
 * sharded pub/sub, to every other edge that holds the event; a unicast to whichever edge holds
 * its subscription now. Both are kept in the {@link History} first.
 */
public final class ClusterRouter implements DeliveryRouter {
    private static final Logger LOG = Logger.getLogger("surrogate.redis");

    private final LocalRouter local;
    private final History history;
    private final FanOutBus fanOut;

    public ClusterRouter(LocalRouter local, History history, FanOutBus fanOut) {
        this.local = local;
        this.history = history;
        this.fanOut = fanOut;
    }

    @Override
    public CompletionStage<Routed> unicast(String token, Subscription held, EventFrame frame) {
        return local.unicast(token, held, frame);
    }

    /**
     * Kept in the event's history first (its position goes with it; 0 when the history could
     * not keep it), then written to this edge's subscribers, then published once to the other
     * edges: the answer counts this edge's subscribers and the edges that took it (none when
     * Redis did not take it: this edge's subscribers have it all the same).
     */
    @Override
    public CompletionStage<Routed> fanOut(String originKeyName, String eventId, EventFrame frame) {
        String eventKey = SubscriptionRegistry.eventKey(originKeyName, eventId);
        return history.appendToEvent(eventKey, frame).exceptionally(error -> {
            LOG.fine(() -> LogLine.of("fanout-not-kept").with("reason", String.valueOf(error)).toString());
            return 0L;
        }).thenCompose(position -> {
            EventFrame positioned = position == 0 ? frame : new EventFrame(eventId, frame.data(), frame.contentType(), position);
            Routed here = local.fanOutHere(originKeyName, eventId, positioned);
            return fanOut.publish(originKeyName, positioned).thenApply(here::withEdges);
        });
    }
}
