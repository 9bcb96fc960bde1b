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
 * the origin decides, shared by every client of one user and event (who join it without the
 * origin), held, given events, detached when a client goes, resumed when it comes back, ended
 * (and the origin told) when the last one does not. Lookups by token (unicast deliveries), by
 * event (fan-out), by client handle (resume). {@link LocalRegistry} keeps them in this process.
 */
public interface SubscriptionRegistry {
    /** What a delivery to one subscription found. */
    enum Outcome { DELIVERED, QUEUED, GONE }

    /** What a fan-out found: subscriptions written to (to held clients), queued (for their return). */
    record FanOut(int delivered, int queued) {}

    /** Told the origin's answer to the subscription a client joined while the origin decided. On the thread that saw the answer. */
    interface Waiter {
        /** {@code answer} is null when the call failed with {@code error}. */
        void answered(Subscription.Client client, OriginAnswer answer, Throwable error);
    }

    /** What {@link #join} found for a client of a user and event that another client already subscribed. */
    sealed interface Place {}

    /** A place in the shared subscription; {@code waiting}: its origin has not answered yet, and the waiter will be told. */
    record Seat(Subscription.Client client, boolean waiting) implements Place {}

    /** The subscription has {@code max} clients already (the rule's {@code <max-clients>}). */
    record Full(int max) implements Place {}

    /** The key deliveries find subscriptions by: the origin key's name and the event id as the origin sends it. */
    static String eventKey(String originKeyName, String eventIdAsSent) {
        return originKeyName + '\u0000' + eventIdAsSent;
    }

    /**
     * A place for a client in the subscription of its user and event, accepted or still waiting
     * for the origin; null when there is none to join (no user, none yet, or spent): then the
     * client {@link #register registers} one.
     */
    Place join(SubscriptionPlan plan, String eventKey, Waiter waiter);

    /**
     * Registers a subscription the origin is being asked about, with its first client: deliveries
     * find it (and wait in it) from now on, so an event the origin sends right after its 202 is
     * not lost, and other clients of the same user and event join it. Null when another client
     * of the same user and event registered one meanwhile: then {@link #join} it.
     */
    Subscription.Client register(String token, long expiresAt, SubscriptionPlan plan, String host, String eventKey);

    /**
     * The origin answered (or the call failed: {@code answer} null): the subscription is
     * accepted, or it never was (nobody is told). Each client that joined meanwhile is told with
     * its waiter.
     */
    void answered(Subscription s, OriginAnswer answer, Throwable error);

    /** The origin refused or failed: the subscription never was. Nobody is told. */
    void discard(Subscription s);

    /** A client with a reserved place left before it was held; the subscription ends (the origin told) if it was the last. */
    void decline(Subscription.Client c, String why);

    /** A named event a held response starts with, before any of the feed's (SSE only): {@code history-lost}. */
    record Notice(String event, String data) {}

    /**
     * Holds the exchange for client {@code c} (new or resumed), sending {@code notice} (null:
     * none) and then what it missed after {@code after}. On the IO thread.
     */
    HeldResponse<Subscription.Client> hold(HttpServerExchange exchange, Subscription.Client c, Transport transport,
            List<Decision.HeaderField> headers, long after, boolean streamType, Notice notice);

    /**
     * Holds here a subscription that another edge held (issue 13), without the origin: its
     * client keeps handle {@code clientHandle} and goes on after event {@code sequence} (at
     * history position {@code position}, 0 when none). Null
     * when it cannot be: the handle or the token is in use here, or this user has a
     * subscription of that event here already (then the client subscribes, and joins it).
     */
    Subscription.Client takeOver(TakeOver.Shared shared, SubscriptionPlan plan, long clientHandle, long sequence, long position);

    /** Adds client {@code c} to a live stream response; false if it is gone. On that response's IO thread. */
    boolean multiplex(HeldResponse<Subscription.Client> stream, Subscription.Client c);

    /** Ends a subscription now (edge error, token expired, server stop): all its clients closed, the origin told. */
    void endAndTell(Subscription s, String why);

    Subscription byToken(String token);

    /** The client whose handle starts its event ids, or null. */
    Subscription.Client byHandle(long handle);

    Iterable<Subscription> byEvent(String eventKey);

    /** The stream-type response announced with this handle, or null. */
    HeldResponse<Subscription.Client> stream(long handle);

    /** Hands an event to a subscription: written to each of its held clients, queued for their return, or gone. */
    Outcome deliver(Subscription s, EventFrame frame);

    /** Hands one event to many subscriptions: each of their clients gets it once. */
    FanOut deliverAll(Iterable<Subscription> subs, EventFrame frame);

    /** Subscriptions, with clients held, waiting for their return, or waiting for the origin. */
    int size();

    int heldConnections();

    /** Unsubscribe notices to the origin not yet done. */
    int unsubscribing();

    /** Server stop: every held client closed, every subscription ended, the origin told once each (no retries), waiting up to {@code wait}. */
    void stop(Duration wait);
}
