package io.surrogate.server.transport;

import io.surrogate.engine.Transport;
import io.surrogate.server.time.Scheduler;
import io.undertow.server.HttpServerExchange;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Server-sent events: {@code id:} and {@code data:} lines, a comment line as heartbeat. */
final class SseResponse<F extends HeldResponse.Feed> extends StreamedResponse<F> {
    private static final byte[] HEARTBEAT = ":\n\n".getBytes(StandardCharsets.US_ASCII);

    SseResponse(HttpServerExchange exchange, Listener<F> listener, Scheduler scheduler, long heartbeatMillis, int maxQueuedBytes,
            long streamHandle) {
        super(Transport.SSE, exchange, listener, scheduler, heartbeatMillis, maxQueuedBytes, streamHandle);
    }

    @Override
    protected String contentType() {
        return "text/event-stream; charset=utf-8";
    }

    @Override
    protected String preamble(F first, long resumeFrom, int retryMillis) {
        return "retry: " + retryMillis + "\nid: " + first.id(resumeFrom) + "\n"
                + (streamHandle() != 0 ? "event: stream\ndata: " + HexFormat.of().toHexDigits(streamHandle()) + "\n" : ": held\n")
                + "\n";
    }

    @Override
    protected ByteBuffer head(String id) {
        return ascii("id: " + id + "\n");
    }

    /** {@code event: NAME} and one {@code data:} line, without an id line. */
    @Override
    public void notice(String event, String data) {
        writeRaw("event: " + event + "\ndata: " + data + "\n\n");
    }

    @Override
    protected ByteBuffer body(EventFrame frame) {
        return frame.sse();
    }

    @Override
    protected ByteBuffer heartbeat() {
        return ByteBuffer.wrap(HEARTBEAT);
    }
}
