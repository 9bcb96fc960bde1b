package io.surrogate.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A client on a plain socket, so a test controls what a browser would not let it: reading
 * the held response line by line as it arrives (chunked decoding by hand), not reading at all
 * (a slow client), or dropping the connection at a chosen moment.
 */
final class RawClient implements AutoCloseable {
    /** An SSE event as a browser would dispatch it. */
    record Event(String id, String name, String data) {}

    private static final String EOF = "\u0000EOF";

    private final Socket socket;
    private final InputStream in;
    final int status;
    final Map<String, String> headers = new LinkedHashMap<>();
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Thread reader;
    private volatile boolean closedByPeer;

    private RawClient(Socket socket, boolean startReading) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        String statusLine = readLine(in);
        if (statusLine == null) {
            throw new IOException("the edge closed the connection without an answer");
        }
        status = Integer.parseInt(statusLine.split(" ")[1]);
        String line;
        while ((line = readLine(in)) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        reader = new Thread(this::readBody, "raw-client-reader");
        reader.setDaemon(true);
        if (startReading) {
            reader.start();
        }
    }

    /** Sends {@code method path} with the headers ("Name: value" each) and reads the status and headers. */
    static RawClient open(int port, String method, String path, String... headers) throws IOException {
        return open(port, true, method, path, "", headers);
    }

    static RawClient open(int port, boolean read, String method, String path, String body, String... headers) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(30_000);
        StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n");
        for (String h : headers) {
            req.append(h).append("\r\n");
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 0) {
            req.append("Content-Length: ").append(bytes.length).append("\r\n");
        }
        req.append("\r\n");
        OutputStream out = s.getOutputStream();
        out.write(req.toString().getBytes(StandardCharsets.UTF_8));
        out.write(bytes);
        out.flush();
        return new RawClient(s, read);
    }

    /** Starts reading the body (for a client that did not read at first). */
    void startReading() {
        reader.start();
    }

    /** Makes the socket's receive buffer small, so a client that does not read fills up fast. */
    static RawClient openSlow(int port, String path, String... headers) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n");
        for (String h : headers) {
            req.append(h).append("\r\n");
        }
        req.append("\r\n");
        s.getOutputStream().write(req.toString().getBytes(StandardCharsets.UTF_8));
        return new RawClient(s, false);
    }

    private void readBody() {
        try {
            boolean chunked = "chunked".equalsIgnoreCase(headers.get("transfer-encoding"));
            ByteArrayOutputStream pending = new ByteArrayOutputStream();
            if (chunked) {
                while (true) {
                    String size = readLine(in);
                    if (size == null) {
                        break;
                    }
                    int n = Integer.parseInt(size.trim(), 16);
                    if (n == 0) {
                        break;
                    }
                    byte[] chunk = in.readNBytes(n);
                    readLine(in);
                    for (byte b : chunk) {
                        if (b == '\n') {
                            lines.add(pending.toString(StandardCharsets.UTF_8));
                            pending.reset();
                        } else {
                            pending.write(b);
                        }
                    }
                }
            } else {
                String contentLength = headers.get("content-length");
                byte[] body = contentLength != null ? in.readNBytes(Integer.parseInt(contentLength)) : in.readAllBytes();
                for (String l : new String(body, StandardCharsets.UTF_8).split("\n", -1)) {
                    lines.add(l);
                }
            }
        } catch (IOException e) {
            // the connection ended: the queue says so below
        } finally {
            closedByPeer = true;
            lines.add(EOF);
        }
    }

    /** The next body line, or null if none came in time or the response ended. */
    String nextLine(Duration timeout) throws InterruptedException {
        String l = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (l == null) {
            return null;
        }
        if (l.equals(EOF)) {
            lines.add(EOF);
            return null;
        }
        return l;
    }

    /** The next SSE event with data (comments, heartbeats and id-only blocks skipped), or null. */
    Event nextEvent(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String id = null;
        String name = null;
        StringBuilder data = null;
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            String l = nextLine(Duration.ofNanos(left));
            if (l == null) {
                return null;
            }
            if (l.isEmpty()) {
                if (data != null) {
                    return new Event(id, name, data.toString());
                }
                name = null;
                continue;
            }
            if (l.startsWith(":")) {
                continue;
            }
            int colon = l.indexOf(':');
            String field = colon < 0 ? l : l.substring(0, colon);
            String value = colon < 0 ? "" : l.substring(colon + 1).startsWith(" ") ? l.substring(colon + 2) : l.substring(colon + 1);
            switch (field) {
                case "id" -> id = value;
                case "event" -> name = value;
                case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                default -> { }
            }
        }
    }

    /** True once the edge ended the response or closed the connection. */
    boolean awaitEnd(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (closedByPeer) {
                return true;
            }
            Thread.sleep(10);
        }
        return closedByPeer;
    }

    String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.UTF_8);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
