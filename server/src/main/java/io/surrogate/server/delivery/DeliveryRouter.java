package io.surrogate.server.delivery;

import io.surrogate.engine.token.NamedKey;
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
    record Routed(int delivered, int queued, int edges, Relayed relayed) {
        public static final Routed DELIVERED_ONE = new Routed(1, 0, 0);
        public static final Routed QUEUED_ONE = new Routed(0, 1, 0);
        public static final Routed NONE = new Routed(0, 0, 0);

        public Routed(int delivered, int queued, int edges) {
            this(delivered, queued, edges, null);
        }

        public Routed(int delivered, int queued) {
            this(delivered, queued, 0);
        }

        /** The same, with {@code n} other edges that took it. */
        public Routed withEdges(int n) {
            return new Routed(delivered, queued, n, relayed);
        }

        /** A unicast passed on to the edge that holds it (issue 13): its answer is the delivery's; unanswered, the event is queued. */
        public static Routed passedOn(Relayed r) {
            return new Routed(0, r.answered() ? 0 : 1, 0, r);
        }
    }

    /**
     * What the edge that holds a unicast's subscription answered when another edge passed the
     * unicast on to it: its status, content type and body; status 0 when it did not answer (or
     * answered 5xx), then the event waits in the shared history for the client's return.
     */
    record Relayed(String edge, int status, String contentType, byte[] body) {
        public boolean answered() {
            return status > 0;
        }
    }

    /**
     * How a unicast came (issue 13): from the origin, with what another edge needs to pass it on
     * to the one that holds its subscription (the user, the origin's signature and the origin key
     * that verified it); or passed on already by another edge ({@link #relayed}), to be delivered
     * here or nowhere.
     */
    record Posted(String user, String signature, NamedKey originKey, boolean relayed) {}

    /** The router could not route now: Redis did not answer. The delivery may be retried. */
    final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Unavailable(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    /**
     * To the subscription of {@code token}; {@code held} is that subscription when the verifier
     * already found it, else null. With several edges, to the edge that holds it.
     */
    CompletionStage<Routed> unicast(String token, Subscription held, EventFrame frame, Posted posted);

    /** To every subscription of the event {@code eventId} whose rule takes deliveries signed with {@code originKeyName}. */
    CompletionStage<Routed> fanOut(String originKeyName, String eventId, EventFrame frame);
}
