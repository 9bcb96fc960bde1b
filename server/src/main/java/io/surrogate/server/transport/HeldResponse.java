package io.surrogate.server.transport;

import io.surrogate.engine.Decision;
import io.surrogate.engine.Transport;
import io.surrogate.server.time.Scheduler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.xnio.XnioIoThread;

/**
 * A client response held open for one or more feeds (subscriptions): SSE, NDJSON stream or a
 * parked long-poll ({@link Transports#open}). Every method but {@link #execute} runs on the
 * response's IO thread, so nothing here is locked. What happens to the feeds when it stops
 * holding is its {@link Listener}'s business: a held response never calls the registry.
 *
 * <p>It is also its own timer task (heartbeat or poll timeout), so arming a timer makes no object
 * beyond the scheduler's own.
 *
 * @param <F> what it carries (the registry's subscriptions)
 */
public abstract class HeldResponse<F extends HeldResponse.Feed> implements Runnable {
    /** What a held response carries: ids for its events. */
    public interface Feed {
        /** The id of event {@code seq}, already sent or queued ({@code HANDLE-SEQ}, {@code HANDLE-SEQ.P} with several edges). */
        String id(long seq);

        /** The id of event {@code seq} kept at {@code position} of the history the edges share (0: none, {@code HANDLE-SEQ}). */
        String id(long seq, long position);

        /** The sequence number of the latest event. */
        long lastSeq();
    }

    /** Told what happens to a held response. Called on its IO thread. */
    public interface Listener<F extends Feed> {
        /** It stopped holding (answered, timed out, dropped, closed by the edge): its feeds wait for their client's return. */
        void released(HeldResponse<F> response, String reason);

        /** A heartbeat or poll timeout is due: ends the feeds whose token expired; true when none is left (the client is closed). */
        boolean endExpired(HeldResponse<F> response);

        /** The last event of {@code feed} (one-shot) came after the response had gone: it waits for the client's return. */
        void undelivered(F feed);

        /** Its send queue overflowed; it closes. */
        void slow(HeldResponse<F> response);
    }

    private final HttpServerExchange exchange;
    private final Listener<F> listener;
    private final Transport transport;
    private final XnioIoThread io;
    private final Scheduler scheduler;
    private final long heartbeatMillis;
    private final List<F> feeds = new ArrayList<>(1);
    private Scheduler.Timer timer;
    private boolean released;

    protected HeldResponse(Transport transport, HttpServerExchange exchange, Listener<F> listener, Scheduler scheduler,
            long heartbeatMillis) {
        this.transport = transport;
        this.exchange = exchange;
        this.listener = listener;
        this.scheduler = scheduler;
        this.io = exchange.getIoThread();
        this.heartbeatMillis = Math.max(1, heartbeatMillis);
    }

    protected final HttpServerExchange exchange() {
        return exchange;
    }

    protected final Listener<F> listener() {
        return listener;
    }

    public final Transport transport() {
        return transport;
    }

    /** The IO thread it lives on, to batch work for it. */
    public final Executor executor() {
        return io;
    }

    /** Runs a task on this response's IO thread. */
    public final void execute(Runnable task) {
        io.execute(task);
    }

    public final List<F> feeds() {
        return feeds;
    }

    public final boolean released() {
        return released;
    }

    /** The multiplexing handle a stream-type response announces, or 0. */
    public long streamHandle() {
        return 0;
    }

    /** Starts the response: headers, and for streams the preamble; {@code first} is its first feed. */
    public final void open(F first, long resumeFrom, int retryMillis, List<Decision.HeaderField> headers) {
        feeds.add(first);
        // Undertow parsed the query into a map that the edge never reads (the rules read the raw
        // query): about 400 bytes a held connection would otherwise keep
        exchange.getQueryParameters().clear();
        for (Decision.HeaderField h : headers) {
            exchange.getResponseHeaders().add(new HttpString(h.name()), h.value());
        }
        ConnectionState.of(exchange).hold(this);
        CloseWatcher.watch(exchange, this::released, this::close);
        start(first, resumeFrom, retryMillis);
        schedule();
    }

    /** The transport's own start: status, headers, preamble. */
    protected abstract void start(F first, long resumeFrom, int retryMillis);

    /** Another feed multiplexed onto this response (stream-type subscriptions). */
    public final void add(F feed) {
        feeds.add(feed);
    }

    /** Writes event {@code seq} of {@code feed}; {@code last} ends the response after it (one-shot). */
    public final void send(F feed, long seq, EventFrame frame, boolean last) {
        if (released) {
            // the response went between the delivery and this write: the event stays in the feed's
            // buffer for the client's return; a one-shot feed waits for it
            if (last) {
                listener.undelivered(feed);
            }
            return;
        }
        write(feed, seq, frame, last);
    }

    protected abstract void write(F feed, long seq, EventFrame frame, boolean last);

    /**
     * A named event that is not one of the feed's (no id: the client's last id stays): with
     * several edges, {@code history-lost}. Only SSE has a place for it; others write nothing.
     */
    public void notice(String event, String data) {}

    /** The heartbeat is due (streams) or the poll's wait is over (long-poll), on the IO thread. */
    protected abstract void due();

    @Override
    public final void run() {
        timer = null;
        if (released) {
            return;
        }
        if (listener.endExpired(this)) {
            close("token-expired");
            return;
        }
        due();
    }

    protected final void schedule() {
        timer = scheduler.schedule(io, this, heartbeatMillis);
    }

    protected final void cancelTimer() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    /**
     * Closes the client's response (write failure, slow client, replaced, server stop, token
     * expired): its connection under HTTP/1.1, its stream alone under HTTP/2.
     */
    public final void close(String reason) {
        if (!released) {
            release(reason);
        }
        ConnectionState.abort(exchange);
    }

    /** The connection went away under us. */
    final void closed() {
        if (!released) {
            release("closed");
        }
    }

    /** Stops holding: timer off, the listener told. */
    protected final void release(String reason) {
        released = true;
        cancelTimer();
        listener.released(this, reason);
    }
}
