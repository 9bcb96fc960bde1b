package io.surrogate.server.transport;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One delivered event, encoded once for every client that receives it: the SSE body (its
 * {@code data:} lines), the NDJSON tail, and the raw bytes for long-poll. Only the id line
 * differs between clients, so a fan-out to N clients encodes the event once and writes N
 * views of the same bytes.
 */
public final class EventFrame {
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    /** JSON strings as JSON has them: no HTML escaping, U+2028 and U+2029 escaped by Gson */
    public static final Gson JSON = new GsonBuilder().disableHtmlEscaping().create();

    private final String eventId;
    private final byte[] data;
    private final String contentType;
    /** with several edges: the event's place in the shared history (0: not kept there) */
    private final long position;
    // kept as arrays, not buffers: an event stays in replay buffers (16 per subscription by default),
    // and each buffer object would add about 100 bytes per kept event; a view costs young garbage only
    private volatile byte[] sse;
    private volatile byte[] ndjsonTail;

    public EventFrame(String eventId, byte[] data, String contentType) {
        this(eventId, data, contentType, 0);
    }

    /** @param position with several edges, the event's place in the history they share (issue 13); 0: none */
    public EventFrame(String eventId, byte[] data, String contentType, long position) {
        this.eventId = eventId;
        this.data = data;
        this.contentType = contentType;
        this.position = position;
    }

    /** The event's place in the history the edges share on Redis; 0 when it is not kept there. */
    public long position() {
        return position;
    }

    /** The same event at {@code p} in the shared history (this frame when {@code p} is 0 or its own). */
    public EventFrame at(long p) {
        return p == 0 || p == position ? this : new EventFrame(eventId, data, contentType, p);
    }

    /** The event id as the origin sent it. */
    public String eventId() {
        return eventId;
    }

    /** The event's bytes, for the history the edges share; not to be changed. */
    public byte[] data() {
        return data;
    }

    public String contentType() {
        return contentType;
    }

    public int size() {
        return data.length;
    }

    /** The raw event, for a long-poll answer; a view that the caller may consume. */
    public ByteBuffer raw() {
        return ByteBuffer.wrap(data).asReadOnlyBuffer();
    }

    /** {@code data: LINE\n} per line of the event (split on CRLF, CR or LF), then the blank line. */
    public ByteBuffer sse() {
        byte[] b = sse;
        if (b == null) {
            synchronized (this) {
                b = sse;
                if (b == null) {
                    b = encodeSse(data);
                    sse = b;
                }
            }
        }
        return ByteBuffer.wrap(b).asReadOnlyBuffer();
    }

    /** The part of the NDJSON line after the id: {@code ","event":"..","data":".."}\n}. */
    public ByteBuffer ndjsonTail() {
        byte[] b = ndjsonTail;
        if (b == null) {
            synchronized (this) {
                b = ndjsonTail;
                if (b == null) {
                    String tail = "\",\"event\":" + JSON.toJson(eventId) + ",\"data\":"
                            + JSON.toJson(new String(data, StandardCharsets.UTF_8)) + "}\n";
                    b = tail.getBytes(StandardCharsets.UTF_8);
                    ndjsonTail = b;
                }
            }
        }
        return ByteBuffer.wrap(b).asReadOnlyBuffer();
    }

    public static byte[] encodeSse(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + 16);
        int start = 0;
        int i = 0;
        while (i <= data.length) {
            if (i == data.length || data[i] == '\n' || data[i] == '\r') {
                out.write(DATA, 0, DATA.length);
                out.write(data, start, i - start);
                out.write('\n');
                if (i < data.length && data[i] == '\r' && i + 1 < data.length && data[i + 1] == '\n') {
                    i++;
                }
                start = i + 1;
            }
            i++;
        }
        out.write('\n');
        return out.toByteArray();
    }
}
