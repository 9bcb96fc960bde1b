package io.surrogate.server.guard;

import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.Connectors;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.xnio.ChannelListener;
import org.xnio.channels.StreamSourceChannel;

/**
 * Reads a whole request body without blocking, bounded in bytes however it is framed: a
 * {@code Content-Length} over the bound is refused before a byte is read, a chunked body as
 * soon as its bytes pass the bound. The time is bounded by the {@link BodyDeadline} that
 * {@link FramingGuard} armed: when it passes, the guard answers and neither callback runs.
 *
 * <p>Exactly one callback runs, on the exchange's IO thread, inside a handler call (so it may
 * {@code dispatch} or answer as a handler does). After {@link Refusal#TOO_LARGE} and
 * {@link Refusal#UNREADABLE} the exchange is no longer persistent: the rest of the body is
 * never read, the connection closes after the answer.
 */
public final class BodyReader implements ChannelListener<StreamSourceChannel> {
    private static final byte[] EMPTY = new byte[0];

    /** The whole body arrived. */
    @FunctionalInterface
    public interface Received {
        void body(HttpServerExchange exchange, byte[] body);
    }

    /** The body was refused. */
    @FunctionalInterface
    public interface Refused {
        void refused(HttpServerExchange exchange, Refusal refusal);
    }

    public enum Refusal {
        /** more than the bound, by its Content-Length or by the bytes that came */
        TOO_LARGE,
        /** the framing broke mid-body (a bad chunk, a connection cut short) */
        UNREADABLE
    }

    private final HttpServerExchange exchange;
    private final int max;
    private final Received received;
    private final Refused refused;
    private StreamSourceChannel channel;
    private byte[] bytes;
    private int size;
    private boolean finished;

    private BodyReader(HttpServerExchange exchange, int max, int expected, Received received, Refused refused) {
        this.exchange = exchange;
        this.max = max;
        this.received = received;
        this.refused = refused;
        this.bytes = new byte[expected >= 0 ? expected : Math.min(max, 1024)];
    }

    /**
     * Reads the exchange's body, at most {@code max} bytes, then runs one of the callbacks. Call
     * from a handler on the IO thread.
     */
    public static void read(HttpServerExchange exchange, int max, Received received, Refused refused) {
        if (exchange.isRequestComplete()) {
            BodyDeadline.done(exchange);
            received.body(exchange, EMPTY);
            return;
        }
        String contentLength = exchange.getRequestHeaders().getFirst(Headers.CONTENT_LENGTH);
        long declared = contentLength == null ? -1 : Framing.digits(contentLength.trim());
        if (contentLength != null && (declared < 0 || declared > max)) {
            BodyDeadline.done(exchange);
            exchange.setPersistent(false);
            refused.refused(exchange, declared < 0 ? Refusal.UNREADABLE : Refusal.TOO_LARGE);
            return;
        }
        new BodyReader(exchange, max, (int) declared, received, refused).start();
    }

    private void start() {
        channel = exchange.getRequestChannel();
        if (channel == null) { // a handler before took the body: a bug, said as an unreadable body
            finish(true, () -> fail(Refusal.UNREADABLE));
            return;
        }
        pump(true);
    }

    @Override
    public void handleEvent(StreamSourceChannel source) {
        if (finished || BodyDeadline.expired(exchange)) {
            finished = true;
            source.suspendReads();
            return;
        }
        pump(false);
    }

    private void pump(boolean inCall) {
        PooledByteBuffer pooled = exchange.getConnection().getByteBufferPool().allocate();
        try {
            ByteBuffer buffer = pooled.getBuffer();
            while (true) {
                buffer.clear();
                int n;
                try {
                    n = channel.read(buffer);
                } catch (IOException e) {
                    finish(inCall, () -> fail(Refusal.UNREADABLE));
                    return;
                }
                if (n == -1) {
                    byte[] body = size == bytes.length ? bytes : Arrays.copyOf(bytes, size);
                    finish(inCall, () -> received.body(exchange, body));
                    return;
                }
                if (n == 0) {
                    if (inCall) {
                        channel.getReadSetter().set(this);
                        channel.resumeReads();
                    }
                    return;
                }
                if (size + n > max) {
                    finish(inCall, () -> fail(Refusal.TOO_LARGE));
                    return;
                }
                buffer.flip();
                if (size + n > bytes.length) {
                    bytes = Arrays.copyOf(bytes, (int) Math.min(max, Math.max(size + n, 2L * bytes.length)));
                }
                buffer.get(bytes, size, n);
                size += n;
            }
        } finally {
            pooled.close();
        }
    }

    private void fail(Refusal refusal) {
        exchange.setPersistent(false);
        refused.refused(exchange, refusal);
    }

    private void finish(boolean inCall, Runnable step) {
        finished = true;
        if (channel != null) {
            channel.getReadSetter().set(null);
            channel.suspendReads();
        }
        BodyDeadline.done(exchange);
        if (inCall) {
            step.run();
        } else {
            // from a read listener: run as a handler call, so the callback may dispatch or answer
            Connectors.executeRootHandler(ex -> step.run(), exchange);
        }
    }
}
