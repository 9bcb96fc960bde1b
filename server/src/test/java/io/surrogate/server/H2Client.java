package io.surrogate.server;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A minimal HTTP/2 client over one plain socket with prior knowledge (h2c), written for the
 * tests so that they control what the JDK's client does not: a stream whose window the client
 * never opens again ({@link #stall}), a stream reset by the client ({@link #reset}). Requests
 * are HEADERS with literal HPACK fields (no table, no Huffman); responses are kept per stream as
 * the DATA bytes; the response headers are not decoded beyond {@code :status 200} (static index 8).
 */
final class H2Client implements AutoCloseable {
    private static final int DATA = 0;
    private static final int HEADERS = 1;
    private static final int RST_STREAM = 3;
    private static final int SETTINGS = 4;
    private static final int PING = 6;
    private static final int GOAWAY = 7;
    private static final int WINDOW_UPDATE = 8;

    private final Socket socket;
    private final OutputStream out;
    private final String authority;
    private final Map<Integer, ByteArrayOutputStream> data = new ConcurrentHashMap<>();
    private final Map<Integer, Integer> status = new ConcurrentHashMap<>();
    private final Set<Integer> ended = ConcurrentHashMap.newKeySet();
    private final Set<Integer> resetByServer = ConcurrentHashMap.newKeySet();
    private final Set<Integer> stalled = ConcurrentHashMap.newKeySet();
    private final Thread reader;
    private volatile boolean goaway;
    private volatile boolean closed;
    private int nextStream = 1;

    /** @param initialWindow the client's SETTINGS_INITIAL_WINDOW_SIZE: what the server may send a stream before the client opens it more */
    H2Client(int port, int initialWindow) throws IOException {
        socket = new Socket("127.0.0.1", port);
        out = socket.getOutputStream();
        authority = "127.0.0.1:" + port;
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        ByteBuffer settings = ByteBuffer.allocate(6).putShort((short) 4).putInt(initialWindow);
        frame(SETTINGS, 0, 0, settings.array());
        reader = new Thread(this::read, "h2-test-client");
        reader.setDaemon(true);
        reader.start();
    }

    /** Sends a GET on a new stream; its id. */
    synchronized int get(String path, String... headers) throws IOException {
        int id = nextStream;
        nextStream += 2;
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        literal(block, ":method", "GET");
        literal(block, ":scheme", "http");
        literal(block, ":path", path);
        literal(block, ":authority", authority);
        for (int i = 0; i + 1 < headers.length; i += 2) {
            literal(block, headers[i].toLowerCase(), headers[i + 1]);
        }
        data.put(id, new ByteArrayOutputStream());
        frame(HEADERS, 0x1 | 0x4, id, block.toByteArray()); // END_STREAM | END_HEADERS
        return id;
    }

    /** The client stops opening this stream's window: the server may send it no more than what is left. */
    void stall(int stream) {
        stalled.add(stream);
    }

    /** RST_STREAM CANCEL, as a browser sends when a page closes its EventSource. */
    void reset(int stream) throws IOException {
        frame(RST_STREAM, 0, stream, ByteBuffer.allocate(4).putInt(0x8).array());
    }

    String text(int stream) {
        ByteArrayOutputStream b = data.get(stream);
        synchronized (b) {
            return b.toString(StandardCharsets.UTF_8);
        }
    }

    int status(int stream) {
        return status.getOrDefault(stream, 0);
    }

    boolean ended(int stream) {
        return ended.contains(stream);
    }

    boolean resetByServer(int stream) {
        return resetByServer.contains(stream);
    }

    boolean goaway() {
        return goaway;
    }

    /** Waits until the stream's data contains {@code text}. */
    boolean await(int stream, String text, Duration within) throws InterruptedException {
        return EdgeFixture.eventually(within, () -> text(stream).contains(text));
    }

    private static void literal(ByteArrayOutputStream b, String name, String value) {
        b.write(0x00); // literal header field without indexing, new name
        string(b, name);
        string(b, value);
    }

    private static void string(ByteArrayOutputStream b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        int n = bytes.length;
        if (n < 127) {
            b.write(n);
        } else {
            b.write(127);
            n -= 127;
            while (n >= 128) {
                b.write((n & 0x7f) | 0x80);
                n >>= 7;
            }
            b.write(n);
        }
        b.writeBytes(bytes);
    }

    private synchronized void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(9);
        h.put((byte) (payload.length >> 16)).put((byte) (payload.length >> 8)).put((byte) payload.length);
        h.put((byte) type).put((byte) flags).putInt(stream);
        out.write(h.array());
        out.write(payload);
        out.flush();
    }

    private void windowUpdate(int stream, int n) throws IOException {
        frame(WINDOW_UPDATE, 0, stream, ByteBuffer.allocate(4).putInt(n).array());
    }

    private void read() {
        try {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] head = new byte[9];
            while (true) {
                in.readFully(head);
                int length = ((head[0] & 0xff) << 16) | ((head[1] & 0xff) << 8) | (head[2] & 0xff);
                int type = head[3] & 0xff;
                int flags = head[4] & 0xff;
                int stream = ByteBuffer.wrap(head, 5, 4).getInt() & 0x7fffffff;
                byte[] payload = new byte[length];
                in.readFully(payload);
                switch (type) {
                    case DATA -> {
                        ByteArrayOutputStream b = data.get(stream);
                        if (b != null) {
                            synchronized (b) {
                                b.writeBytes(payload);
                            }
                        }
                        if (length > 0) {
                            windowUpdate(0, length);
                            if (!stalled.contains(stream) && (flags & 0x1) == 0) {
                                windowUpdate(stream, length);
                            }
                        }
                        if ((flags & 0x1) != 0) {
                            ended.add(stream);
                        }
                    }
                    case HEADERS -> {
                        status.putIfAbsent(stream, length > 0 && (payload[0] & 0xff) == 0x88 ? 200 : -1);
                        if ((flags & 0x1) != 0) {
                            ended.add(stream);
                        }
                    }
                    case RST_STREAM -> resetByServer.add(stream);
                    case SETTINGS -> {
                        if ((flags & 0x1) == 0) {
                            frame(SETTINGS, 0x1, 0, new byte[0]);
                        }
                    }
                    case PING -> {
                        if ((flags & 0x1) == 0) {
                            frame(PING, 0x1, 0, payload);
                        }
                    }
                    case GOAWAY -> goaway = true;
                    default -> { }
                }
            }
        } catch (IOException e) {
            if (!closed) {
                goaway = true;
            }
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        socket.close();
    }
}
