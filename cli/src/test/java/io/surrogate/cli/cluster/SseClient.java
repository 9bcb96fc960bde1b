package io.surrogate.cli.cluster;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * One EventSource-like client on a raw socket and a thread of its own: {@code GET
 * /sub?e=EVENT&u=USER} with {@code Accept: text/event-stream}, the chunked stream parsed as SSE
 * (every event with its id, type, data and the edge it came from; heartbeats counted). When its
 * stream ends it comes back as a browser does, with {@code Last-Event-ID} set to the last id it
 * saw: at the same edge, or, when the test has marked that edge dead, at the next edge alive
 * (as a load balancer would send it).
 */
final class SseClient implements AutoCloseable {
    /** One SSE event: {@code type} null for a plain message. */
    record Event(String type, String id, String data, int edge) {}

    final String event;
    final String user;
    final int firstEdge;
    /** The token the origin was given for this client's subscription (set once held). */
    volatile String token;

    private final List<InetSocketAddress> edges;
    private final Set<Integer> dead;
    private final List<Event> events = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private final Set<Integer> edgesSeen = new LinkedHashSet<>();
    private final AtomicInteger heartbeats = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private final Thread thread;
    private volatile boolean held;
    private volatile boolean closed;
    private volatile Socket socket;
    private volatile String lastId;

    SseClient(String event, String user, int edge, List<InetSocketAddress> edges, Set<Integer> dead) {
        this.event = event;
        this.user = user;
        this.firstEdge = edge;
        this.edges = edges;
        this.dead = dead;
        this.thread = new Thread(this::run, "sse-" + user);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        int edge = firstEdge;
        while (!closed) {
            try {
                stream(edge);
            } catch (IOException e) {
                if (!closed) {
                    problem("edge " + edge + ": " + e);
                }
            }
            held = false;
            if (closed) {
                return;
            }
            for (int i = 0; i < edges.size() && dead.contains(edge); i++) {
                edge = (edge + 1) % edges.size();
            }
            try {
                Thread.sleep(50); // a browser's reconnect delay, so that a refusing edge is not hammered
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One connection: the request, the answer's head, then its stream until it ends. */
    private void stream(int edge) throws IOException {
        try (Socket s = new Socket()) {
            socket = s;
            if (closed) {
                return;
            }
            InetSocketAddress to = edges.get(edge);
            s.connect(to, 5000);
            s.setSoTimeout(30_000);
            String id = lastId;
            String request = "GET /sub?e=" + event + "&u=" + user + " HTTP/1.1\r\nHost: 127.0.0.1:" + to.getPort()
                    + "\r\nAccept: text/event-stream\r\n" + (id == null ? "" : "Last-Event-ID: " + id + "\r\n") + "\r\n";
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            InputStream in = new BufferedInputStream(s.getInputStream());
            String status = line(in);
            Map<String, String> headers = new HashMap<>();
            for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                int colon = h.indexOf(':');
                if (colon > 0) {
                    headers.put(h.substring(0, colon).strip().toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
                }
            }
            if (status == null || !status.startsWith("HTTP/1.1 200")) {
                int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
                problem("edge " + edge + " answered " + status + ": " + new String(in.readNBytes(Math.min(length, 500)), StandardCharsets.UTF_8).strip());
                return;
            }
            connections.incrementAndGet();
            synchronized (this) {
                edgesSeen.add(edge);
            }
            Parser parser = new Parser(edge);
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                for (String size = line(in); size != null; size = line(in)) {
                    int n = Integer.parseInt(size.split(";")[0].strip(), 16);
                    if (n == 0) {
                        break;
                    }
                    byte[] chunk = in.readNBytes(n);
                    parser.feed(chunk);
                    if (chunk.length < n) {
                        break;
                    }
                    line(in);
                }
            } else {
                byte[] buffer = new byte[8192];
                for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                    parser.feed(java.util.Arrays.copyOf(buffer, n));
                }
            }
            if (!closed) {
                problem("the stream from edge " + edge + " ended");
            }
        }
    }

    /** A line of the answer's head or a chunk size, without its CRLF; null at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return c == -1 && b.length() == 0 ? null : b.toString();
    }

    /** SSE's field parsing (WHATWG): id, event, data, comments; an event is dispatched on an empty line. */
    private final class Parser {
        private final int edge;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private String idBuffer;
        private String type;
        private StringBuilder data;

        Parser(int edge) {
            this.edge = edge;
        }

        void feed(byte[] bytes) {
            for (byte b : bytes) {
                if (b == '\n') {
                    String l = pending.toString(StandardCharsets.UTF_8);
                    pending.reset();
                    line(l.endsWith("\r") ? l.substring(0, l.length() - 1) : l);
                } else {
                    pending.write(b);
                }
            }
        }

        private void line(String l) {
            if (l.isEmpty()) {
                dispatch();
                return;
            }
            if (l.startsWith(":")) {
                if (l.equals(":")) {
                    heartbeats.incrementAndGet();
                } else if (l.startsWith(": held")) {
                    held = true;
                }
                return;
            }
            int colon = l.indexOf(':');
            String field = colon < 0 ? l : l.substring(0, colon);
            String value = colon < 0 ? "" : l.substring(colon + 1);
            value = value.startsWith(" ") ? value.substring(1) : value;
            switch (field) {
                case "id" -> idBuffer = value;
                case "event" -> type = value;
                case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                default -> { }
            }
        }

        private void dispatch() {
            if (idBuffer != null) {
                lastId = idBuffer;
            }
            if (data != null || type != null) {
                Event e = new Event(type, lastId, data == null ? "" : data.toString(), edge);
                synchronized (SseClient.this) {
                    events.add(e);
                }
            }
            data = null;
            type = null;
        }
    }

    private synchronized void problem(String what) {
        problems.add(what);
    }

    /** Held now: the edge answered 200 and sent its {@code : held} preamble. */
    boolean held() {
        return held;
    }

    synchronized boolean has(String data) {
        return events.stream().anyMatch(e -> e.data().equals(data));
    }

    /** The data of the events received, in order, those that {@code which} keeps. */
    synchronized List<String> data(Predicate<String> which) {
        return events.stream().map(Event::data).filter(which).toList();
    }

    /** The types of the events that had one ({@code history-lost}...). */
    synchronized List<String> types() {
        return events.stream().map(Event::type).filter(java.util.Objects::nonNull).toList();
    }

    synchronized List<String> problems() {
        return List.copyOf(problems);
    }

    /** The edges that held this client, in order. */
    synchronized List<Integer> edgesSeen() {
        return List.copyOf(edgesSeen);
    }

    int heartbeats() {
        return heartbeats.get();
    }

    /** Connections answered 200. */
    int connections() {
        return connections.get();
    }

    @Override
    public synchronized String toString() {
        List<String> last = events.stream().map(e -> (e.type() == null ? "" : e.type() + ":") + e.data() + "@" + e.edge()).toList();
        return user + " [first edge " + firstEdge + ", edges " + edgesSeen + ", held " + held + ", " + connections + " connection(s), "
                + heartbeats + " heartbeats, last id " + lastId + "] events " + last.subList(Math.max(0, last.size() - 12), last.size())
                + (problems.isEmpty() ? "" : " problems " + problems);
    }

    @Override
    public void close() {
        closed = true;
        Socket s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
