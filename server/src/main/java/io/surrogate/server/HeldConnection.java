package io.surrogate.server;

import io.surrogate.engine.Decision;
import io.surrogate.engine.Transport;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.StatusCodes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.xnio.ChannelListener;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;
import org.xnio.XnioIoThread;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.conduits.ConduitStreamSourceChannel;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.protocol.http.HttpServerConnection;

/**
 * A client response held open: SSE, NDJSON stream or a parked long-poll. Every method but
 * {@link #execute} runs on the connection's IO thread, so nothing here is locked. Writes go
 * straight to the response channel; what the socket does not take at once waits in a bounded
 * queue, and a client whose queue overflows is disconnected (it resumes with its last id).
 */
final class HeldConnection {
    private static final HttpString LAST_EVENT_ID = new HttpString("Last-Event-ID");
    private static final HttpString X_ACCEL_BUFFERING = new HttpString("X-Accel-Buffering");
    private static final byte[] SSE_HEARTBEAT = ":\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NDJSON_HEARTBEAT = "\n".getBytes(StandardCharsets.US_ASCII);

    final HttpServerExchange exchange;
    final Transport transport;
    final XnioIoThread io;
    private final Hub hub;
    private final List<Decision.HeaderField> responseHeaders;
    private final long heartbeatMillis;
    private final List<Subscription> subscriptions = new ArrayList<>(1);
    /** the multiplexing handle of a stream-type SSE connection, or 0 */
    long streamHandle;

    private StreamSinkChannel sink;
    private ArrayDeque<ByteBuffer> queue;
    private long queued;
    private XnioExecutor.Key timer;
    private boolean closeWhenFlushed;
    private boolean released;

    HeldConnection(Hub hub, HttpServerExchange exchange, Transport transport, List<Decision.HeaderField> responseHeaders,
            Duration heartbeat) {
        this.hub = hub;
        this.exchange = exchange;
        this.transport = transport;
        this.io = exchange.getIoThread();
        this.responseHeaders = responseHeaders;
        this.heartbeatMillis = Math.max(1, heartbeat.toMillis());
    }

    /** Runs a task on this connection's IO thread. */
    void execute(Runnable task) {
        io.execute(task);
    }

    List<Subscription> subscriptions() {
        return subscriptions;
    }

    boolean released() {
        return released;
    }

    /** Starts the response: SSE and stream send their headers and preamble; long-poll waits. */
    void open(Subscription first, long resumeFrom, int retryMillis) {
        subscriptions.add(first);
        // Undertow parsed the query into a map that the edge never reads (the rules read the raw
        // query): about 400 bytes a held connection would otherwise keep
        exchange.getQueryParameters().clear();
        for (Decision.HeaderField h : responseHeaders) {
            exchange.getResponseHeaders().add(new HttpString(h.name()), h.value());
        }
        watchForClose();
        if (transport == Transport.LONG_POLL) {
            schedule();
            return;
        }
        exchange.setStatusCode(StatusCodes.OK);
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-cache");
        exchange.getResponseHeaders().put(X_ACCEL_BUFFERING, "no");
        String preamble;
        if (transport == Transport.SSE) {
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/event-stream; charset=utf-8");
            preamble = "retry: " + retryMillis + "\nid: " + first.id(resumeFrom) + "\n"
                    + (streamHandle != 0 ? "event: stream\ndata: " + HexFormat.of().toHexDigits(streamHandle) + "\n" : ": held\n") + "\n";
        } else {
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/x-ndjson");
            preamble = "{\"id\":\"" + first.id(resumeFrom) + "\",\"held\":true"
                    + (streamHandle != 0 ? ",\"stream\":\"" + HexFormat.of().toHexDigits(streamHandle) + "\"" : "") + "}\n";
        }
        sink = exchange.getResponseChannel();
        sink.getWriteSetter().set((ChannelListener<StreamSinkChannel>) ch -> drain());
        write(new ByteBuffer[] {ByteBuffer.wrap(preamble.getBytes(StandardCharsets.UTF_8))});
        schedule();
    }

    private void watchForClose() {
        watchForClose(exchange, () -> released, this::close);
    }

    /**
     * A client that goes away sends FIN; reading the idle request side sees it at once, where a
     * write would only fail one or two heartbeats later. Bytes a client sends meanwhile (a
     * pipelined request after a long-poll) are put back for Undertow to parse after the answer.
     * Also used while the origin decides on a subscription, so a client that leaves then is
     * never held. On the IO thread.
     */
    static void watchForClose(HttpServerExchange exchange, BooleanSupplier done, Consumer<String> close) {
        if (!(exchange.getConnection() instanceof HttpServerConnection http)) {
            return; // HTTP/2 or another protocol: the heartbeat's write notices the drop
        }
        ConduitStreamSourceChannel source = http.getChannel().getSourceChannel();
        source.getReadSetter().set((ChannelListener<ConduitStreamSourceChannel>) ch -> {
            if (done.getAsBoolean()) {
                ch.suspendReads();
                return;
            }
            PooledByteBuffer pooled = exchange.getConnection().getByteBufferPool().allocate();
            boolean keep = false;
            try {
                int n = ch.read(pooled.getBuffer());
                if (n < 0) {
                    close.accept("client-closed");
                } else if (n > 0) {
                    pooled.getBuffer().flip();
                    ch.suspendReads();
                    http.ungetRequestBytes(pooled);
                    keep = true;
                }
            } catch (IOException e) {
                close.accept("read-failed");
            } finally {
                if (!keep) {
                    pooled.close();
                }
            }
        });
        // the request's body conduit is spent; watch the socket itself (Undertow resets the conduits for the next request)
        source.setConduit(http.getOriginalSourceConduit());
        source.resumeReads();
    }

    /** Another subscription multiplexed onto this stream connection. */
    void add(Subscription s) {
        subscriptions.add(s);
    }

    /** Writes one event of {@code s}; {@code last} ends the response after it (one-shot). */
    void send(Subscription s, long seq, EventFrame frame, boolean last) {
        if (released) {
            // the connection went between the delivery and this write: the event stays in the
            // subscription's buffer for the client's return; a one-shot subscription reopens for it
            if (last) {
                hub.reopen(s);
            }
            return;
        }
        switch (transport) {
            case SSE -> write(new ByteBuffer[] {ascii("id: " + s.id(seq) + "\n"), frame.sse()});
            case STREAM -> write(new ByteBuffer[] {ascii("{\"id\":\"" + s.id(seq)), frame.ndjsonTail()});
            default -> {
                answerPoll(s, seq, frame);
                return;
            }
        }
        if (last) {
            closeWhenFlushed = true;
            if (queue == null || queue.isEmpty()) {
                finish();
            }
        }
    }

    private void answerPoll(Subscription s, long seq, EventFrame frame) {
        cancelTimer();
        exchange.setStatusCode(StatusCodes.OK);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, frame.contentType());
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        exchange.getResponseHeaders().put(LAST_EVENT_ID, s.id(seq));
        release("answered");
        exchange.getResponseSender().send(frame.raw());
    }

    /** The poll's wait is over without an event: 204 and the id to come back with. */
    private void pollTimedOut() {
        timer = null;
        hub.timerDone();
        if (released) {
            return;
        }
        if (hub.endExpired(this)) {
            close("token-expired");
            return;
        }
        Subscription s = subscriptions.get(0);
        exchange.setStatusCode(StatusCodes.NO_CONTENT);
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        exchange.getResponseHeaders().put(LAST_EVENT_ID, s.id(s.seq()));
        release("poll-timeout");
        exchange.endExchange();
    }

    private void heartbeat() {
        timer = null;
        hub.timerDone();
        if (released) {
            return;
        }
        if (hub.endExpired(this)) {
            close("token-expired");
            return;
        }
        if (queue == null || queue.isEmpty()) {
            write(new ByteBuffer[] {ByteBuffer.wrap(transport == Transport.SSE ? SSE_HEARTBEAT : NDJSON_HEARTBEAT)});
        }
        if (!released) {
            schedule();
        }
    }

    private void schedule() {
        hub.timerStarted();
        timer = io.executeAfter(transport == Transport.LONG_POLL ? this::pollTimedOut : this::heartbeat, heartbeatMillis,
                TimeUnit.MILLISECONDS);
    }

    private void cancelTimer() {
        if (timer != null) {
            if (timer.remove()) {
                hub.timerDone();
            }
            timer = null;
        }
    }

    private void write(ByteBuffer[] buffers) {
        try {
            if (queue == null || queue.isEmpty()) {
                sink.write(buffers);
                boolean all = true;
                for (ByteBuffer b : buffers) {
                    if (b.hasRemaining()) {
                        all = false;
                        enqueue(b);
                    }
                }
                if (all && sink.flush()) {
                    return;
                }
                sink.resumeWrites();
            } else {
                for (ByteBuffer b : buffers) {
                    enqueue(b);
                }
            }
            if (queued > hub.maxQueuedBytes()) {
                hub.slowClient(this);
                close("slow");
            }
        } catch (IOException e) {
            close("write-failed");
        }
    }

    private void enqueue(ByteBuffer b) {
        if (queue == null) {
            queue = new ArrayDeque<>(4);
        }
        queue.addLast(b);
        queued += b.remaining();
    }

    /** The socket can take more: write what waits, then flush. */
    private void drain() {
        try {
            while (queue != null && !queue.isEmpty()) {
                ByteBuffer b = queue.peekFirst();
                int n = sink.write(b);
                queued -= n;
                if (b.hasRemaining()) {
                    return;
                }
                queue.pollFirst();
            }
            if (sink.flush()) {
                sink.suspendWrites();
                if (closeWhenFlushed) {
                    finish();
                }
            }
        } catch (IOException e) {
            close("write-failed");
        }
    }

    /** Ends the response cleanly after the last event (one-shot over SSE or stream). */
    private void finish() {
        release("one-shot");
        try {
            sink.shutdownWrites();
            if (!sink.flush()) {
                sink.getWriteSetter().set(ChannelListeners.flushingChannelListener(
                        ch -> exchange.endExchange(), (ch, e) -> IoUtils.safeClose(exchange.getConnection())));
                sink.resumeWrites();
                return;
            }
            exchange.endExchange();
        } catch (IOException e) {
            IoUtils.safeClose(exchange.getConnection());
        }
    }

    /** Closes the client connection (write failure, slow client, replaced, server stop). */
    void close(String reason) {
        if (!released) {
            release(reason);
        }
        IoUtils.safeClose(exchange.getConnection());
    }

    /** The connection went away under us. */
    void closed() {
        if (!released) {
            release("closed");
        }
    }

    /** Stops holding: timers off, subscriptions detached (they wait for the client's return). */
    private void release(String reason) {
        released = true;
        cancelTimer();
        hub.released(this, reason);
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }
}
