package io.surrogate.cli.loadtest;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One waiting client: {@code GET PATH} over SSE ({@code Accept: text/event-stream}) or long-poll
 * (the same request, answered once per event or timeout, then sent again with the resume headers
 * the server gave: {@code Last-Event-ID} for Surrogate, {@code If-Modified-Since} and
 * {@code If-None-Match} for Nchan). An event is a {@code data:} line (SSE) or a body (long-poll)
 * of the form {@code lt SEQ NANOS}: the publisher's sequence number and its scheduled send time
 * on this JVM's {@link System#nanoTime} clock.
 */
final class Subscriber extends Conn {
    /** What a subscriber reports; called on its loop's thread. */
    interface Listener {
        /** SSE: the server answered 200. Long-poll: the first request is written (the server's count says when it is held). */
        void held(Subscriber s);

        void event(Subscriber s, long seq, long scheduledNanos, long now);

        /** Not held: connect failed, or the server answered something other than 200. */
        void failed(Subscriber s, String why);

        /** Held, then the connection ended without {@link #close} from us. */
        void dropped(Subscriber s, String why);
    }

    private static final int FIRST_SOURCE = 2;
    private static final int SOURCES = 249;
    private static final byte[] MARK = "lt ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);

    final int index;
    final String path;
    final boolean sse;
    private final String host;
    private final Listener listener;
    boolean held;
    /** Events received, counted on the loop's thread. */
    int received;
    /** Events received that were published for another subscriber (set by the listener). */
    int misdelivered;
    private int status;
    private final byte[] line = new byte[256];
    private int lineLength;
    private final StringBuilder rejection = new StringBuilder();
    private String lastEventId;
    private String lastModified;
    private String etag;
    private boolean closeAfterResponse;
    private boolean closedByUs;

    Subscriber(Loop loop, InetSocketAddress server, int index, String path, boolean sse, Listener listener) {
        super(loop, server, source(index));
        this.index = index;
        this.path = path;
        this.sse = sse;
        this.host = server.getAddress().getHostAddress() + ":" + server.getPort();
        this.listener = listener;
    }

    /**
     * Subscriber {@code i}'s local address: 127.0.0.2 to 127.0.0.250 in turn, so that no source
     * address runs out of ephemeral ports (about 28,000 each) however many subscribers there are.
     */
    static InetSocketAddress source(int i) {
        return new InetSocketAddress(SOURCE_ADDRESSES[Math.floorMod(i, SOURCES)], 0);
    }

    private static final java.net.InetAddress[] SOURCE_ADDRESSES = new java.net.InetAddress[SOURCES];

    static {
        for (int i = 0; i < SOURCES; i++) {
            try {
                SOURCE_ADDRESSES[i] = java.net.InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (FIRST_SOURCE + i)});
            } catch (java.net.UnknownHostException e) {
                throw new AssertionError(e); // four bytes are always an address
            }
        }
    }

    @Override
    void connected() {
        send(request());
        if (!sse) {
            held = true;
            listener.held(this);
        }
    }

    private byte[] request() {
        StringBuilder r = new StringBuilder(160).append("GET ").append(path).append(" HTTP/1.1\r\nHost: ").append(host)
                .append(sse ? "\r\nAccept: text/event-stream\r\n" : "\r\nAccept: */*\r\n");
        if (lastEventId != null) {
            r.append("Last-Event-ID: ").append(lastEventId).append("\r\n");
        }
        if (lastModified != null) {
            r.append("If-Modified-Since: ").append(lastModified).append("\r\n");
        }
        if (etag != null) {
            r.append("If-None-Match: ").append(etag).append("\r\n");
        }
        return r.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void head(int status, Map<String, String> headers) {
        this.status = status;
        lineLength = 0;
        if (!sse) {
            lastEventId = headers.getOrDefault("last-event-id", lastEventId);
            lastModified = headers.getOrDefault("last-modified", lastModified);
            etag = headers.getOrDefault("etag", etag);
            closeAfterResponse = "close".equalsIgnoreCase(headers.getOrDefault("connection", ""));
            return;
        }
        if (status == 200 && !held) {
            held = true;
            listener.held(this);
        }
    }

    @Override
    public void body(ByteBuffer data) {
        if (status != 200) {
            while (data.hasRemaining() && rejection.length() < 200) {
                rejection.append((char) (data.get() & 0xff));
            }
            return;
        }
        while (data.hasRemaining()) {
            byte b = data.get();
            if (sse && b == '\n') {
                sseLine();
                lineLength = 0;
            } else if (b != '\r' && lineLength < line.length) {
                line[lineLength++] = b;
            }
        }
    }

    private void sseLine() {
        if (startsWith(line, lineLength, DATA, 0) && startsWith(line, lineLength, MARK, DATA.length)) {
            parseEvent(DATA.length + MARK.length);
        }
    }

    private void parseEvent(int from) {
        long seq = 0;
        int i = from;
        while (i < lineLength && line[i] != ' ') {
            seq = seq * 10 + (line[i++] - '0');
        }
        long nanos = 0;
        boolean negative = i + 1 < lineLength && line[i + 1] == '-';
        for (i += negative ? 2 : 1; i < lineLength && line[i] >= '0' && line[i] <= '9'; i++) {
            nanos = nanos * 10 + (line[i] - '0');
        }
        received++;
        listener.event(this, seq, negative ? -nanos : nanos, System.nanoTime());
    }

    @Override
    public void end() {
        if (status != 200 && !(status == 204 || status == 304) || sse) {
            String why = "HTTP " + status + (rejection.length() > 0 ? " " + rejection.toString().strip().replace('\n', ' ') : "");
            closeQuietly();
            report(why);
            return;
        }
        if (status == 200 && startsWith(line, lineLength, MARK, 0)) {
            parseEvent(MARK.length);
        }
        lineLength = 0;
        if (closedByUs) {
            return; // the listener closed it on the event
        }
        if (closeAfterResponse) {
            closeQuietly();
            closed = false;
            open();
        } else {
            send(request());
        }
    }

    /** Closes the connection (a FIN to the server); no callback follows. */
    void close() {
        closedByUs = true;
        closeQuietly();
    }

    @Override
    void failed(String why) {
        report(why);
    }

    @Override
    void lost(String why) {
        if (!closedByUs) {
            report(why);
        }
    }

    private boolean reported;

    private void report(String why) {
        if (reported) {
            return;
        }
        reported = true;
        if (held) {
            listener.dropped(this, why);
        } else {
            listener.failed(this, why);
        }
    }

    private static boolean startsWith(byte[] b, int length, byte[] prefix, int at) {
        if (length - at < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
