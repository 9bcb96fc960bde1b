package io.surrogate.server.subscribe;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What a registry tells the parts that share its state with other edges (issue 13): which
 * events this edge holds subscriptions of (so that it listens for their fan-outs), and the life
 * of each subscription and client (so that another edge can take them over). Called on the
 * thread that made the change, never under a lock that a client's write needs; an
 * implementation must not block (it hands Redis work to Lettuce and returns).
 */
public interface RegistryEvents {
    /**
     * The first subscription of {@code eventKey} on this edge, from its registration (before the
     * origin answers, so that no fan-out is missed meanwhile). Called under the event index's
     * lock for that key, so the held and released of one key come in order.
     */
    default void eventHeld(String eventKey) {}

    /** The last subscription of {@code eventKey} on this edge ended or was spent; called as {@link #eventHeld} is. */
    default void eventReleased(String eventKey) {}

    /** The origin accepted {@code s} (or another edge's subscription was taken over here). */
    default void accepted(Subscription s) {}

    /** A client joined an accepted subscription (another tab of the user). */
    default void joined(Subscription.Client c) {}

    /**
     * {@code s}, accepted, ended here. Completes with whether this edge still held it: if it
     * did, this edge tells the origin (when it must); if another edge took it over meanwhile,
     * that edge holds the origin's token now and nobody here tells the origin.
     */
    default CompletionStage<Boolean> ended(Subscription s) {
        return CompletableFuture.completedFuture(true);
    }

    /** Nobody listens: an edge alone. */
    RegistryEvents NONE = new RegistryEvents() {};
}
