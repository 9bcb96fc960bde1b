package io.surrogate.server.delivery;

import io.surrogate.server.transport.EventFrame;

/**
 * Where a verified delivery goes: to the subscription its token names (unicast), or to every
 * subscription of its event (fan-out). {@link LocalRouter} finds them in this edge's registry.
 */
public interface DeliveryRouter {
    /** How many subscribers got the event now, and how many will get it when they come back. */
    record Routed(int delivered, int queued) {
        static final Routed DELIVERED_ONE = new Routed(1, 0);
        static final Routed QUEUED_ONE = new Routed(0, 1);
        static final Routed NONE = new Routed(0, 0);
    }

    /** To the subscription of {@code token}; {@code held} is that subscription when the verifier already found it, else null. */
    Routed unicast(String token, io.surrogate.server.subscribe.Subscription held, EventFrame frame);

    /** To every subscription of the event {@code eventId} whose rule takes deliveries signed with {@code originKeyName}. */
    Routed fanOut(String originKeyName, String eventId, EventFrame frame);
}
