package io.surrogate.server.delivery;

import io.surrogate.server.subscribe.Subscription;
import io.surrogate.server.subscribe.SubscriptionRegistry;
import io.surrogate.server.transport.EventFrame;

/** Routes deliveries to the subscriptions of this edge's registry. */
public final class LocalRouter implements DeliveryRouter {
    private final SubscriptionRegistry registry;

    public LocalRouter(SubscriptionRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Routed unicast(String token, Subscription held, EventFrame frame) {
        Subscription sub = held != null ? held : registry.byToken(token);
        if (sub == null) {
            return Routed.NONE;
        }
        return switch (registry.deliver(sub, frame)) {
            case DELIVERED -> Routed.DELIVERED_ONE;
            case QUEUED -> Routed.QUEUED_ONE;
            case GONE -> Routed.NONE;
        };
    }

    @Override
    public Routed fanOut(String originKeyName, String eventId, EventFrame frame) {
        SubscriptionRegistry.FanOut f = registry.deliverAll(registry.byEvent(SubscriptionRegistry.eventKey(originKeyName, eventId)), frame);
        return new Routed(f.delivered(), f.queued());
    }
}
