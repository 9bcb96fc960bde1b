package io.surrogate.server.transport;

import io.surrogate.engine.Transport;
import io.surrogate.server.time.Scheduler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.StatusCodes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import org.xnio.ChannelListener;
import org.xnio.ChannelListeners;
import org.xnio.channels.StreamSinkChannel;

/**
 * A response that stays open and carries events as they come (SSE, NDJSON stream), with the
 * bounded send queue both share: writes go straight to the response channel; what the socket
 * does not take at once waits, and a client whose queue passes {@code maxQueuedBytes} is
 * disconnected (it resumes with its last id).
 */
abstract class StreamedResponse<F extends HeldResponse.Feed> extends HeldResponse<F> {
    private static final HttpString X_ACCEL_BUFFERING = new HttpString("X-Accel-Buffering");

    private final int maxQueuedBytes;
    private final long streamHandle;
    private StreamSinkChannel sink;
    private ArrayDeque<ByteBuffer> queue;
    private long queued;
    private boolean closeWhenFlushed;

    StreamedResponse(Transport transport, HttpServerExchange exchange, Listener<F> listener, Scheduler scheduler,
            long heartbeatMillis, int maxQueuedBytes, long streamHandle) {
        super(transport, exchange, listener, scheduler, heartbeatMillis);
        this.maxQueuedBytes = maxQueuedBytes;
        this.streamHandle = streamHandle;
    }

    @Override
    public final long streamHandle() {
        return streamHandle;
    }

    /** The content type and the first bytes of the response. */
    protected abstract String contentType();

    protected abstract String preamble(F first, long resumeFrom, int retryMillis);

    /** The event's head, for event id {@code id}: the id line (SSE), the start of the JSON line (NDJSON). */
    protected abstract ByteBuffer head(String id);

    /** The event's body, shared by every client of a fan-out. */
    protected abstract ByteBuffer body(EventFrame frame);

    protected abstract ByteBuffer heartbeat();

    @Override
    protected final void start(F first, long resumeFrom, int retryMillis) {
        exchange().setStatusCode(StatusCodes.OK);
        exchange().getResponseHeaders().put(Headers.CACHE_CONTROL, "no-cache");
        exchange().getResponseHeaders().put(X_ACCEL_BUFFERING, "no");
        exchange().getResponseHeaders().put(Headers.CONTENT_TYPE, contentType());
        sink = exchange().getResponseChannel();
        sink.getWriteSetter().set((ChannelListener<StreamSinkChannel>) ch -> drain());
        write(new ByteBuffer[] {ByteBuffer.wrap(preamble(first, resumeFrom, retryMillis).getBytes(StandardCharsets.UTF_8))});
    }

    @Override
    protected final void write(F feed, long seq, EventFrame frame, boolean last) {
        write(new ByteBuffer[] {head(feed.id(seq, frame.position())), body(frame)});
        if (last && !released()) {
            closeWhenFlushed = true;
            if (queue == null || queue.isEmpty()) {
                finish();
            }
        }
    }

    /** Writes {@code text} as it is (a notice), unless released. */
    protected final void writeRaw(String text) {
        if (!released()) {
            write(new ByteBuffer[] {ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8))});
        }
    }

    @Override
    protected final void due() {
        if (queue == null || queue.isEmpty()) {
            write(new ByteBuffer[] {heartbeat()});
        }
        if (!released()) {
            schedule();
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
            if (queued > maxQueuedBytes) {
                listener().slow(this);
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
        if (!sink.isOpen()) {
            // HTTP/2: the client reset the stream (RST_STREAM); Undertow closes the stream's channel
            // and wakes its writer, which is the only sign of it. The connection and its other streams stay.
            if (!released()) {
                release("client-reset");
            }
            return;
        }
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

    /** Ends the response cleanly after the last event (one-shot). */
    private void finish() {
        release("one-shot");
        try {
            sink.shutdownWrites();
            if (!sink.flush()) {
                sink.getWriteSetter().set(ChannelListeners.flushingChannelListener(
                        ch -> exchange().endExchange(), (ch, e) -> ConnectionState.abort(exchange())));
                sink.resumeWrites();
                return;
            }
            exchange().endExchange();
        } catch (IOException e) {
            ConnectionState.abort(exchange());
        }
    }

    static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }
}
