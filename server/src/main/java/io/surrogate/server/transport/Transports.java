package io.surrogate.server.transport;

import io.surrogate.engine.Transport;
import io.surrogate.server.time.Scheduler;
import io.undertow.server.HttpServerExchange;

/** Makes the held response of a transport: the one place that picks an implementation. */
public final class Transports {
    private Transports() {}

    /** The transport a request gets: the rule's, or with {@code auto} the one its {@code Accept} asks for, long-poll otherwise. */
    public static Transport choose(Transport configured, String accept) {
        if (configured != Transport.AUTO) {
            return configured;
        }
        if (accept != null) {
            if (accept.contains("text/event-stream")) {
                return Transport.SSE;
            }
            if (accept.contains("application/x-ndjson")) {
                return Transport.STREAM;
            }
        }
        return Transport.LONG_POLL;
    }

    /** Whether responses of this transport can carry several feeds (a multiplexed stream). */
    public static boolean multiplexes(Transport transport) {
        return transport != Transport.LONG_POLL;
    }

    /**
     * A held response for {@code exchange}, not yet opened.
     *
     * @param streamHandle the handle a stream-type response announces, 0 for none (ignored by long-poll)
     */
    public static <F extends HeldResponse.Feed> HeldResponse<F> open(Transport transport, HttpServerExchange exchange,
            HeldResponse.Listener<F> listener, Scheduler scheduler, long heartbeatMillis, int maxQueuedBytes, long streamHandle) {
        return switch (transport) {
            case SSE -> new SseResponse<>(exchange, listener, scheduler, heartbeatMillis, maxQueuedBytes, streamHandle);
            case STREAM -> new NdjsonResponse<>(exchange, listener, scheduler, heartbeatMillis, maxQueuedBytes, streamHandle);
            case LONG_POLL -> new LongPollResponse<>(exchange, listener, scheduler, heartbeatMillis);
            case AUTO -> throw new IllegalArgumentException("choose a transport first");
        };
    }
}
