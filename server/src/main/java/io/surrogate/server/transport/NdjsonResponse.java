package io.surrogate.server.transport;

import io.surrogate.engine.Transport;
import io.surrogate.server.time.Scheduler;
import io.undertow.server.HttpServerExchange;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** An NDJSON stream: one JSON object a line, an empty line as heartbeat. */
final class NdjsonResponse<F extends HeldResponse.Feed> extends StreamedResponse<F> {
    private static final byte[] HEARTBEAT = "\n".getBytes(StandardCharsets.US_ASCII);

    NdjsonResponse(HttpServerExchange exchange, Listener<F> listener, Scheduler scheduler, long heartbeatMillis,
            int maxQueuedBytes, long streamHandle) {
        super(Transport.STREAM, exchange, listener, scheduler, heartbeatMillis, maxQueuedBytes, streamHandle);
    }

    @Override
    protected String contentType() {
        return "application/x-ndjson";
    }

    @Override
    protected String preamble(F first, long resumeFrom, int retryMillis) {
        return "{\"id\":\"" + first.id(resumeFrom) + "\",\"held\":true"
                + (streamHandle() != 0 ? ",\"stream\":\"" + HexFormat.of().toHexDigits(streamHandle()) + "\"" : "") + "}\n";
    }

    @Override
    protected ByteBuffer head(String id) {
        return ascii("{\"id\":\"" + id);
    }

    @Override
    protected ByteBuffer body(EventFrame frame) {
        return frame.ndjsonTail();
    }

    @Override
    protected ByteBuffer heartbeat() {
        return ByteBuffer.wrap(HEARTBEAT);
    }
}
