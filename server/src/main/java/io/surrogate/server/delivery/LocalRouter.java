package io.surrogate.server.delivery;

import io.surrogate.server.subscribe.Subscription;
import io.surrogate.server.subscribe.SubscriptionRegistry;
import io.surrogate.server.transport.EventFrame;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Routes deliveries to the subscriptions of this edge's registry; answers at once. */
public final class LocalRouter implements DeliveryRouter {
    private final SubscriptionRegistry registry;

    public LocalRouter(SubscriptionRegistry registry) {
        this.registry = registry;
    }

    @Override
    public CompletionStage<Routed> unicast(String token, Subscription held, EventFrame frame, Posted posted) {
        return CompletableFuture.completedFuture(unicastHere(token, held, frame));
    }

    @Override
    public CompletionStage<Routed> fanOut(String originKeyName, String eventId, EventFrame frame) {
        return CompletableFuture.completedFuture(fanOutHere(originKeyName, eventId, frame));
    }

    /** The subscription of {@code token} if this edge holds it ({@code held} when the verifier found it), else null. */
    public Subscription holder(String token, Subscription held) {
        return held != null ? held : registry.byToken(token);
    }

    /** To the subscription of {@code token} if this edge holds it. */
    public Routed unicastHere(String token, Subscription held, EventFrame frame) {
        Subscription sub = holder(token, held);
        if (sub == null) {
            return Routed.NONE;
        }
        return switch (registry.deliver(sub, frame)) {
            case DELIVERED -> Routed.DELIVERED_ONE;
            case QUEUED -> Routed.QUEUED_ONE;
            case GONE -> Routed.NONE;
        };
    }

    /** To the subscriptions of the event on this edge. */
    public Routed fanOutHere(String originKeyName, String eventId, EventFrame frame) {
        SubscriptionRegistry.FanOut f = registry.deliverAll(registry.byEvent(SubscriptionRegistry.eventKey(originKeyName, eventId)), frame);
        return new Routed(f.delivered(), f.queued());
    }
}
