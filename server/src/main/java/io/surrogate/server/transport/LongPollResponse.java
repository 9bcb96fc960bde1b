package io.surrogate.server.transport;

import io.surrogate.engine.Transport;
import io.surrogate.server.time.Scheduler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.StatusCodes;

/** A parked long-poll: answered by the first event, or {@code 204} with the id to come back with when the wait is over. */
final class LongPollResponse<F extends HeldResponse.Feed> extends HeldResponse<F> {
    private static final HttpString LAST_EVENT_ID = new HttpString("Last-Event-ID");

    LongPollResponse(HttpServerExchange exchange, Listener<F> listener, Scheduler scheduler, long heartbeatMillis) {
        super(Transport.LONG_POLL, exchange, listener, scheduler, heartbeatMillis);
    }

    @Override
    protected void start(F first, long resumeFrom, int retryMillis) {
        // nothing is sent until an event or the end of the wait
    }

    @Override
    protected void write(F feed, long seq, EventFrame frame, boolean last) {
        cancelTimer();
        exchange().setStatusCode(StatusCodes.OK);
        exchange().getResponseHeaders().put(Headers.CONTENT_TYPE, frame.contentType());
        exchange().getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        exchange().getResponseHeaders().put(LAST_EVENT_ID, feed.id(seq, frame.position()));
        release("answered");
        exchange().getResponseSender().send(frame.raw());
    }

    @Override
    protected void due() {
        F feed = feeds().get(0);
        exchange().setStatusCode(StatusCodes.NO_CONTENT);
        exchange().getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        exchange().getResponseHeaders().put(LAST_EVENT_ID, feed.id(feed.lastSeq()));
        release("poll-timeout");
        exchange().endExchange();
    }
}
