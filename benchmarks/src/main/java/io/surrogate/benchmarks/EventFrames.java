package io.surrogate.benchmarks;

import io.surrogate.server.subscribe.ReplayBudget;
import io.surrogate.server.subscribe.Subscription;
import io.surrogate.server.transport.EventFrame;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Encoding one delivered event for SSE and NDJSON stream clients ({@link EventFrame}): once per
 * delivery ({@code *Once}: the frame made and encoded, shared by every client of a fan-out),
 * and the part each client adds ({@code *PerClient}: its id line, or the head of its JSON line,
 * and a view of the shared bytes, as {@code SseResponse} and {@code NdjsonResponse} build them; the socket write
 * is not included). The event is {@code bodyBytes} of text in lines of 64 bytes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
public class EventFrames {
    @Param({"256", "4096"})
    public int bodyBytes;

    private String eventId;
    private byte[] body;
    private String contentType;
    private EventFrame frame;
    private Subscription subscription;
    private long seq;

    @Setup
    public void setUp() {
        eventId = "2";
        StringBuilder b = new StringBuilder(bodyBytes + 64);
        for (int line = 0; b.length() < bodyBytes; line++) {
            b.append(String.format("%-62s", "line " + line + " of the event: mail 2 for user B arrived")).append(".\n");
        }
        body = b.substring(0, bodyBytes).getBytes(StandardCharsets.UTF_8);
        contentType = "text/plain; charset=utf-8";
        frame = new EventFrame(eventId, body, contentType);
        frame.sse();
        frame.ndjsonTail();
        // a held subscription as the registry makes one; only its handle (the id's prefix) is used here
        subscription = new Subscription(0x5c3a9e1f27d04b86L, "v1.tok.data", 1_800_003_600L, null, "mail.foo.com", "origin\u00002",
                new ReplayBudget(1));
        seq = 1;
    }

    /** A delivery's frame, encoded for SSE: {@code data:} lines of the event. */
    @Benchmark
    public ByteBuffer sseOnce() {
        return new EventFrame(eventId, body, contentType).sse();
    }

    /** A delivery's frame, encoded for NDJSON: the tail of the line after the id (Gson). */
    @Benchmark
    public ByteBuffer ndjsonOnce() {
        return new EventFrame(eventId, body, contentType).ndjsonTail();
    }

    /** What one SSE client adds: {@code id: HANDLE-SEQ} and a view of the shared frame. */
    @Benchmark
    public ByteBuffer[] ssePerClient() {
        return new ByteBuffer[] {ascii("id: " + subscription.id(seq++) + "\n"), frame.sse()};
    }

    /** What one NDJSON stream client adds: {@code {"id":"HANDLE-SEQ} and a view of the shared tail. */
    @Benchmark
    public ByteBuffer[] ndjsonPerClient() {
        return new ByteBuffer[] {ascii("{\"id\":\"" + subscription.id(seq++)), frame.ndjsonTail()};
    }

    /** As {@code StreamedResponse.ascii}. */
    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }
}
