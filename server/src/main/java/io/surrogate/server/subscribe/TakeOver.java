package io.surrogate.server.subscribe;

import io.surrogate.server.transport.EventFrame;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * What an edge on Redis reads to take over a subscription that another edge held (issue 13): a
 * client comes back here with a {@code Last-Event-ID} whose handle this edge does not know. The
 * shared record of that subscription, and the events kept for it after a history position.
 * Both answer later, on Lettuce's thread: the caller goes on on the client's IO thread.
 */
public interface TakeOver {
    /**
     * A subscription as the edges share it: the claims the origin accepted it with and what the
     * rules said, enough for another edge to hold it without asking the origin.
     *
     * @param sid the subscription's handle, hex
     * @param edge the edge that holds it (the last one that took it over)
     * @param expiresAt the token's expiry, epoch seconds
     * @param type the subscription type's label
     * @param first no event kept for it before this history position: a client that saw less has lost some
     */
    record Shared(String sid, String token, String edge, String eventKey, String customer, String user, String event, String host,
            long expiresAt, String type, String originKey, long first) {}

    /** What the history has for a client after the position it last saw. */
    sealed interface Missed {}

    /** Every event kept after the position, in position order (each frame carries its position). */
    record Events(List<EventFrame> frames) implements Missed {}

    /** Some were not kept (trimmed, or kept from a later position on): {@code reason} says which. */
    record Lost(String reason) implements Missed {}

    /** The subscription whose client has handle {@code clientHandle} (hex), if the edges have its record. */
    CompletionStage<Optional<Shared>> find(String clientHandle);

    /** The events of {@code shared} (its unicasts and its event's fan-outs) after history position {@code after}. */
    CompletionStage<Missed> after(Shared shared, long after);
}
