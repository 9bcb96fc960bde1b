package io.surrogate.benchmarks;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Many SSE clients on one thread: one {@link Selector}, non-blocking sockets. Each client sends
 * {@code GET /sub?e=evt-I&u=user-I} with {@code Accept: text/event-stream} and counts as held
 * once the edge's {@code : held} preamble has arrived; after that its reads (heartbeats) are
 * discarded. Source addresses are spread over 127.0.0.2 to 127.0.0.250, so the ephemeral
 * ports of one source address never run out. Not thread-safe: one thread drives it.
 */
final class SseClients implements AutoCloseable {
    private static final byte[] HELD = ": held\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEADERS_END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int FIRST_SOURCE = 2;
    private static final int SOURCES = 249;
    private static final int MAX_RESPONSE_HEAD = 8192;

    /** One client: its socket, its request until written, its response until held. */
    private static final class Client {
        final SocketChannel channel;
        final String name;
        ByteBuffer request;
        ByteBuffer response = ByteBuffer.allocate(1024);
        boolean held;

        Client(SocketChannel channel, String name, ByteBuffer request) {
            this.channel = channel;
            this.name = name;
            this.request = request;
        }
    }

    private final Selector selector;
    private final InetSocketAddress edge;
    private final InetAddress[] sources = new InetAddress[SOURCES];
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(16 * 1024);
    private final List<Client> held = new ArrayList<>();
    private int inFlight;
    private int failed;
    private int dropped;
    private final List<String> failures = new ArrayList<>();

    SseClients(InetSocketAddress edge) throws IOException {
        this.selector = Selector.open();
        this.edge = edge;
        for (int i = 0; i < SOURCES; i++) {
            try {
                sources[i] = InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (FIRST_SOURCE + i)});
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }
    }

    int held() {
        return held.size();
    }

    /** Held clients whose connection the edge closed (none should). */
    int dropped() {
        return dropped;
    }

    /**
     * Opens {@code n} clients named {@code prefix + i} for {@code i} from {@code first}, at most
     * {@code concurrency} connecting or waiting for their preamble at a time; returns once all
     * are held. Throws, naming the first failures, if any client fails or the deadline passes.
     */
    void open(String prefix, int first, int n, int concurrency, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int target = held.size() + n;
        int next = first;
        int end = first + n;
        int failedBefore = failed;
        while (held.size() < target) {
            while (inFlight < concurrency && next < end) {
                start(prefix + next, next);
                next++;
            }
            if (failed > failedBefore) {
                throw new IOException((failed - failedBefore) + " of " + n + " clients failed; first: " + String.join("; ", failures));
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("after " + timeout.toSeconds() + " s only " + (held.size() - (target - n)) + " of " + n
                        + " clients are held (" + inFlight + " in flight)");
            }
            poll(100);
        }
    }

    /** Reads what arrives (heartbeats, closes) for a while; the clients stay open. */
    void idle(Duration d) throws IOException {
        long end = System.nanoTime() + d.toNanos();
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            poll(Math.max(1, left / 1_000_000));
        }
    }

    /** Closes every client (each sends FIN); the sockets are released before this returns. */
    void closeAll() throws IOException {
        for (Client c : held) {
            c.channel.close();
        }
        held.clear();
        selector.selectNow(); // deregisters the cancelled keys, which closes the sockets
    }

    private void start(String name, int index) {
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open();
            ch.configureBlocking(false);
            ch.bind(new InetSocketAddress(sources[Math.floorMod(index, SOURCES)], 0));
            String query = "/sub?e=evt-" + name + "&u=user-" + name;
            ByteBuffer request = ByteBuffer.wrap(("GET " + query + " HTTP/1.1\r\nHost: " + edge.getAddress().getHostAddress() + ":"
                    + edge.getPort() + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            Client c = new Client(ch, name, request);
            inFlight++;
            if (ch.connect(edge)) {
                ch.register(selector, SelectionKey.OP_WRITE, c);
            } else {
                ch.register(selector, SelectionKey.OP_CONNECT, c);
            }
        } catch (IOException e) {
            if (ch != null) {
                closeQuietly(ch);
                inFlight--;
            }
            fail(name, "connect: " + e);
        }
    }

    private void poll(long millis) throws IOException {
        if (selector.select(millis) == 0) {
            return;
        }
        var keys = selector.selectedKeys().iterator();
        while (keys.hasNext()) {
            SelectionKey key = keys.next();
            keys.remove();
            Client c = (Client) key.attachment();
            try {
                if (!key.isValid()) {
                    continue;
                }
                if (key.isConnectable()) {
                    c.channel.finishConnect();
                    key.interestOps(SelectionKey.OP_WRITE);
                }
                if (key.isValid() && key.isWritable()) {
                    c.channel.write(c.request);
                    if (!c.request.hasRemaining()) {
                        c.request = null;
                        key.interestOps(SelectionKey.OP_READ);
                    }
                }
                if (key.isValid() && key.isReadable()) {
                    read(key, c);
                }
            } catch (IOException e) {
                key.cancel();
                closeQuietly(c.channel);
                if (c.held) {
                    held.remove(c);
                    dropped++;
                } else {
                    inFlight--;
                    fail(c.name, e.toString());
                }
            }
        }
    }

    private void read(SelectionKey key, Client c) throws IOException {
        if (c.held) {
            scratch.clear();
            if (c.channel.read(scratch) < 0) {
                throw new IOException("the edge closed a held connection");
            }
            return;
        }
        if (!c.response.hasRemaining()) {
            ByteBuffer bigger = ByteBuffer.allocate(c.response.capacity() * 2);
            c.response.flip();
            c.response = bigger.put(c.response);
        }
        int n = c.channel.read(c.response);
        byte[] seen = java.util.Arrays.copyOf(c.response.array(), c.response.position());
        int head = indexOf(seen, HEADERS_END);
        if (head >= 0 && !new String(seen, 0, Math.min(seen.length, 13), StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200")) {
            key.cancel();
            closeQuietly(c.channel);
            inFlight--;
            String text = new String(seen, StandardCharsets.UTF_8);
            fail(c.name, text.substring(0, text.indexOf('\r')) + " / " + text.substring(head + 4).strip());
            return;
        }
        if (head >= 0 && indexOf(seen, HELD) > head) {
            c.held = true;
            c.response = null;
            inFlight--;
            held.add(c);
            return;
        }
        if (n < 0 || seen.length > MAX_RESPONSE_HEAD) {
            throw new IOException(n < 0 ? "closed before the preamble: " + new String(seen, StandardCharsets.UTF_8)
                    : "no preamble in the first " + MAX_RESPONSE_HEAD + " bytes");
        }
    }

    private void fail(String name, String why) {
        failed++;
        if (failures.size() < 3) {
            failures.add(name + ": " + why);
        }
    }

    private static int indexOf(byte[] in, byte[] what) {
        outer:
        for (int i = 0; i + what.length <= in.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (in[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing: nothing to do
        }
    }

    /** Closes every client, held or still connecting, and the selector. */
    @Override
    public void close() throws IOException {
        for (SelectionKey key : selector.keys()) {
            closeQuietly((SocketChannel) key.channel());
        }
        held.clear();
        selector.close();
    }
}
