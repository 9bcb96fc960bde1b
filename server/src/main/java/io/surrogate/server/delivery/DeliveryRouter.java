package io.surrogate.server.delivery;

import io.surrogate.server.subscribe.Subscription;
import io.surrogate.server.transport.EventFrame;
import java.util.concurrent.CompletionStage;

/**
 * Where a verified delivery goes: to the subscription its token names (unicast), or to every
 * subscription of its event (fan-out). {@link LocalRouter} finds them in this edge's registry;
 * with several edges a router also reaches the others (through Redis), so its answer may come
 * later. It never blocks the caller's thread.
 */
public interface DeliveryRouter {
    /**
     * How many subscribers got the event now, how many will get it when they come back, and how
     * many other edges took it (a fan-out across edges; those count their own subscribers).
     */
    record Routed(int delivered, int queued, int edges) {
        public static final Routed DELIVERED_ONE = new Routed(1, 0, 0);
        public static final Routed QUEUED_ONE = new Routed(0, 1, 0);
        public static final Routed NONE = new Routed(0, 0, 0);

        public Routed(int delivered, int queued) {
            this(delivered, queued, 0);
        }

        /** The same, with {@code n} other edges that took it. */
        public Routed withEdges(int n) {
            return new Routed(delivered, queued, n);
        }
    }

    /** To the subscription of {@code token}; {@code held} is that subscription when the verifier already found it, else null. */
    CompletionStage<Routed> unicast(String token, Subscription held, EventFrame frame);

    /** To every subscription of the event {@code eventId} whose rule takes deliveries signed with {@code originKeyName}. */
    CompletionStage<Routed> fanOut(String originKeyName, String eventId, EventFrame frame);
}
