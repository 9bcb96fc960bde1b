package io.surrogate.server.subscribe;

import io.surrogate.engine.Decision;
import io.surrogate.engine.SubscriptionPlan;
import io.surrogate.engine.Transport;
import io.surrogate.server.transport.EventFrame;
import io.surrogate.server.transport.HeldResponse;
import io.undertow.server.HttpServerExchange;
import java.time.Duration;
import java.util.List;

/**
 * The subscriptions an edge holds and what happens to them over their life: registered while
 * the origin decides, held, given events, detached when their client goes, resumed when it
 * comes back, ended (and the origin told) when it does not. Lookups by token (unicast
 * deliveries), by event (fan-out), by handle (resume). {@link LocalRegistry} keeps them in this
 * process.
 */
public interface SubscriptionRegistry {
    /** What a delivery to one subscription found. */
    enum Outcome { DELIVERED, QUEUED, GONE }

    /** What a fan-out found: written (to held clients), queued (for their return). */
    record FanOut(int delivered, int queued) {}

    /** The key deliveries find subscriptions by: the origin key's name and the event id as the origin sends it. */
    static String eventKey(String originKeyName, String eventIdAsSent) {
        return originKeyName + '\u0000' + eventIdAsSent;
    }

    /**
     * Registers a subscription the origin is being asked about: deliveries find it (and wait in
     * it) from now on, so an event the origin sends right after its 202 is not lost.
     */
    Subscription register(String token, long expiresAt, SubscriptionPlan plan, String host, String eventKey);

    /** The origin refused or failed: the subscription never was. Nobody is told. */
    void discard(Subscription s);

    /** The origin accepted: an older subscription of the same user and event ends, and the origin hears of it. */
    void accepted(Subscription s);

    /** Holds the exchange for {@code s} (new or resumed), sending what it missed after {@code after}. On the IO thread. */
    HeldResponse<Subscription> hold(HttpServerExchange exchange, Subscription s, Transport transport,
            List<Decision.HeaderField> headers, long after, boolean streamType);

    /** Adds {@code s} to a live stream response; false if it is gone. On that response's IO thread. */
    boolean multiplex(HeldResponse<Subscription> stream, Subscription s);

    /** Ends a subscription now (duplicate, client gone, server stop): its client is closed, the origin told. */
    void endAndTell(Subscription s, String why);

    Subscription byToken(String token);

    Subscription byHandle(long handle);

    Iterable<Subscription> byEvent(String eventKey);

    /** The stream-type response announced with this handle, or null. */
    HeldResponse<Subscription> stream(long handle);

    /** Hands an event to a subscription: written to its client, queued for its return, or gone. */
    Outcome deliver(Subscription s, EventFrame frame);

    /** Hands one event to many subscriptions. */
    FanOut deliverAll(Iterable<Subscription> subs, EventFrame frame);

    /** Subscriptions held, attached or waiting for their client. */
    int size();

    int heldConnections();

    /** Unsubscribe notices to the origin not yet done. */
    int unsubscribing();

    /** Server stop: every held client closed, every subscription ended, the origin told once each (no retries), waiting up to {@code wait}. */
    void stop(Duration wait);
}
