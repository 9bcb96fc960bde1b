package io.surrogate.server.cluster;

import io.surrogate.server.transport.EventFrame;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The events the edges keep in Redis for a client that comes back at another edge (issue 13):
 * a stream per subscription (its unicasts) and one per event (its fan-outs), whose entries
 * share one sequence of positions per event, so that one number in a client's last event id
 * says what it has seen of both. See docs/operations.md, "History and take-over".
 */
public interface History {
    /** Keeps a fan-out of {@code eventKey}; completes with its position (0 when not kept). */
    CompletionStage<Long> appendToEvent(String eventKey, EventFrame frame);

    /** Keeps a unicast to subscription {@code sid} of {@code eventKey}; completes with its position (0 when not kept). */
    CompletionStage<Long> appendToSubscription(String sid, String eventKey, EventFrame frame);

    /** Keeps nothing: an edge alone. */
    History NONE = new History() {
        @Override
        public CompletionStage<Long> appendToEvent(String eventKey, EventFrame frame) {
            return CompletableFuture.completedFuture(0L);
        }

        @Override
        public CompletionStage<Long> appendToSubscription(String sid, String eventKey, EventFrame frame) {
            return CompletableFuture.completedFuture(0L);
        }
    };
}
