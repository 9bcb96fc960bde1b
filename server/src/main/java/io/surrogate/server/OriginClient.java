package io.surrogate.server;

import io.surrogate.engine.Decision;
import io.surrogate.engine.OriginRequest;
import io.undertow.client.ClientCallback;
import io.undertow.client.ClientConnection;
import io.undertow.client.ClientExchange;
import io.undertow.client.ClientRequest;
import io.undertow.client.UndertowClient;
import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.XnioExecutor;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;
import org.xnio.ssl.XnioSsl;

/**
 * Sends the engine's signed requests to the origin without blocking anyone and without a thread
 * of its own: Undertow's HTTP/1.1 client on the edge's XNIO IO threads, keep-alive connections
 * pooled per origin (scheme, host, port), one request at a time on each, at most
 * {@link #MAX_IN_FLIGHT} connections in all (opening ones included: they are files of the edge's
 * budget); past that, requests wait their turn first come first served. Each request has a timer
 * on an IO thread ({@code executeAfter}) for its whole life, waiting included, and its answer (or
 * failure) completes a future on whichever IO thread saw it; callers hop to their own thread.
 *
 * <p>Threads: a request starts on the calling IO thread (a caller that is not one gets the next
 * IO thread of the worker), takes an idle connection of the same IO thread when there is one,
 * and otherwise an idle one of another IO thread (one hop) or a new connection opened on its
 * own. Everything a connection does runs on the IO thread it belongs to; the pool's books (idle
 * lists, the queue, the count) are kept under one lock, held for a few field updates at a time.
 *
 * <p>The client sets {@code Host} (the URL's host, and its port unless it is the scheme's
 * default, as the JDK's client did) and {@code Content-Length}, which the signature does not
 * cover; the engine's own values of those and of {@code Connection} are not sent.
 */
final class OriginClient implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("surrogate.origin");

    /** What the origin said, or how reaching it failed. */
    record Answer(int status, String contentType, byte[] body, Failure failure) {
        boolean accepted() {
            return failure == null && status == 202;
        }
    }

    enum Failure { REFUSED, TIMEOUT }

    private static final Set<String> SET_BY_CLIENT = Set.of("host", "content-length", "connection");
    /** The most of an origin's answer body the edge keeps (a rejection forwarded to the client); the rest is read and dropped. */
    static final int MAX_ANSWER_BODY = 64 * 1024;
    /** Connections to origins at once (open or opening), so requests in flight: counted in the edge's file budget. */
    static final int MAX_IN_FLIGHT = 64;
    /** Past {@link #MAX_ANSWER_BODY}, how much more is read and dropped to keep the connection; a longer body closes it instead. */
    static final int MAX_DRAINED = 1024 * 1024;

    private static final byte[] NONE = new byte[0];
    private static final Answer TIMED_OUT = new Answer(0, null, NONE, Failure.TIMEOUT);
    private static final Answer UNREACHABLE = new Answer(0, null, NONE, Failure.REFUSED);
    private static final OptionMap SOCKET_OPTIONS = OptionMap.create(Options.TCP_NODELAY, true);

    private final Optional<URI> defaultOrigin;
    private final SSLContext tls;
    private volatile XnioWorker worker;
    private volatile ByteBufferPool buffers;
    private volatile XnioSsl ssl;

    private final Object lock = new Object();
    /** Idle connections by origin key, most recently used last. Under {@link #lock}. */
    private final Map<String, ArrayDeque<Conn>> idle = new HashMap<>();
    /** Every connected connection not yet discarded. Under {@link #lock}. */
    private final Set<Conn> connections = new HashSet<>();
    /** Requests waiting for a connection, oldest first; ones already completed (timed out) are skipped. Under {@link #lock}. */
    private final ArrayDeque<Call> waiting = new ArrayDeque<>();
    /** Connections open or being opened: at most {@link #MAX_IN_FLIGHT}. Under {@link #lock}. */
    private int open;
    private boolean closed;

    OriginClient(Optional<URI> defaultOrigin) {
        this(defaultOrigin, null);
    }

    /** With the TLS context for {@code https} origins; null for the JVM's default (made at the first one). */
    OriginClient(Optional<URI> defaultOrigin, SSLContext tls) {
        this.defaultOrigin = defaultOrigin;
        this.tls = tls;
    }

    /**
     * Runs on this worker's IO threads from now on (the edge's, once it listens). Requests sent
     * before are refused.
     */
    void start(XnioWorker worker) {
        this.buffers = new DefaultByteBufferPool(true, 8 * 1024, -1, 4);
        this.worker = worker;
    }

    /** The URL a request goes to: the rule's origin, or the server's. Empty when neither is set. */
    Optional<URI> target(OriginRequest request) {
        Optional<URI> base = request.origin().map(URI::create).or(() -> defaultOrigin);
        return base.map(b -> {
            String root = b.getScheme() + "://" + b.getRawAuthority();
            return URI.create(root + request.path());
        });
    }

    /**
     * Sends on an idle connection to the origin, or a new one if fewer than
     * {@link #MAX_IN_FLIGHT} are open, else when one is free; a request still waiting when its
     * timeout passes fails as {@link Failure#TIMEOUT}, like one the origin is slow to answer.
     */
    CompletableFuture<Answer> send(URI uri, OriginRequest request, Duration timeout) {
        XnioWorker w = worker;
        String refusal = w == null ? "the origin client is not started" : refusal(uri, request);
        if (refusal != null) {
            LOG.warning(() -> "event=origin-request-refused uri=\"" + uri + "\" reason=\"" + refusal + "\"");
            return CompletableFuture.completedFuture(UNREACHABLE);
        }
        XnioIoThread here = XnioIoThread.currentThread();
        if (here == null || here.getWorker() != w) {
            here = w.getIoThread();
        }
        Call call = new Call(uri, request, here);
        try {
            call.timer = here.executeAfter(call, Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) {
            return CompletableFuture.completedFuture(UNREACHABLE);
        }
        dispatch(call, false, false);
        return call.result;
    }

    /** Why a request cannot be sent at all (null when it can): a scheme other than http or https, or a header that would break the request. */
    private static String refusal(URI uri, OriginRequest request) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return "only http:// and https:// origins are supported";
        }
        if (uri.getHost() == null) {
            return "no host in the origin URL";
        }
        for (Decision.HeaderField h : request.headers()) {
            if (!token(h.name()) || !fieldValue(h.value())) {
                return "header " + h.name() + " is not a valid HTTP header";
            }
        }
        return null;
    }

    private static boolean token(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean fieldValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Gives the request a connection: an idle one of its origin (its own IO thread's first), a
     * new one while fewer than {@link #MAX_IN_FLIGHT} are open (or in place of an idle one of
     * another origin), else a place in the queue: at the back for a new request, at the front
     * for one that already had its turn (its connection turned out closed). {@code fresh}: only
     * a new connection, or one that has just answered, will do (a retry).
     */
    private void dispatch(Call call, boolean front, boolean fresh) {
        Conn reuse = null;
        Conn evicted = null;
        boolean connect = false;
        synchronized (lock) {
            if (!closed) {
                dropCompleted();
                if (front || waiting.isEmpty()) {
                    reuse = fresh ? null : takeIdle(call.key, call.home);
                    if (reuse == null) {
                        if (open < MAX_IN_FLIGHT) {
                            open++;
                            connect = true;
                        } else if ((evicted = takeAnyIdle()) != null) {
                            connect = true; // the evicted connection's place passes to this one
                        }
                    }
                }
                if (reuse == null && !connect) {
                    call.fresh = fresh;
                    if (front) {
                        waiting.addFirst(call);
                    } else {
                        waiting.addLast(call);
                    }
                    return;
                }
            }
        }
        if (reuse == null && !connect) {
            finish(call, UNREACHABLE); // closed
        } else if (reuse != null) {
            Conn c = reuse;
            on(c.thread, () -> start(call, c), call);
        } else if (evicted != null) {
            // closed first, on its own thread, then the new one opened there: never one file over the budget
            connectOn(evicted.thread, call, evicted);
        } else {
            connectOn(call.home, call, null);
        }
    }

    /** Opens a connection for {@code call} on {@code thread}, after closing {@code evicted} (whose place it takes) if any. */
    private void connectOn(XnioIoThread thread, Call call, Conn evicted) {
        Runnable task = () -> {
            if (evicted != null) {
                kill(evicted);
            }
            connect(call, thread);
        };
        if (Thread.currentThread() == thread) {
            task.run();
            return;
        }
        try {
            thread.execute(task);
        } catch (RejectedExecutionException stopped) {
            connectFailed(call, new IOException("the worker has stopped"));
        }
    }

    /** Runs {@code task} on {@code thread} (now, when already on it); if the worker has stopped, {@code call} fails instead. */
    private void on(XnioIoThread thread, Runnable task, Call call) {
        if (Thread.currentThread() == thread) {
            task.run();
            return;
        }
        try {
            thread.execute(task);
        } catch (RejectedExecutionException stopped) {
            if (call != null) {
                finish(call, UNREACHABLE);
            }
        }
    }

    /** Under {@link #lock}: an idle connection to {@code key}, preferring one of {@code thread}. */
    private Conn takeIdle(String key, XnioIoThread thread) {
        ArrayDeque<Conn> list = idle.get(key);
        if (list == null || list.isEmpty()) {
            return null;
        }
        for (Iterator<Conn> it = list.descendingIterator(); it.hasNext();) {
            Conn c = it.next();
            if (c.thread == thread) {
                it.remove();
                return c;
            }
        }
        return list.pollLast();
    }

    /** Under {@link #lock}: the least recently used idle connection of any origin, taken out of the books (its place is reused). */
    private Conn takeAnyIdle() {
        for (ArrayDeque<Conn> list : idle.values()) {
            Conn c = list.pollFirst();
            if (c != null) {
                c.discarded = true;
                connections.remove(c);
                return c;
            }
        }
        return null;
    }

    /** Under {@link #lock}: drops requests at the head of the queue that already completed (timed out while waiting). */
    private void dropCompleted() {
        while (!waiting.isEmpty() && waiting.peekFirst().result.isDone()) {
            waiting.pollFirst();
        }
    }

    /** Opens a connection on {@code thread} (the caller is on it) for {@code call}; its place is counted already. */
    private void connect(Call call, XnioIoThread thread) {
        String host = call.uri.getHost();
        if (literalAddress(host)) {
            connectNow(call, thread);
            return;
        }
        // A name is resolved on the worker's task threads, not here: a slow DNS server must not
        // stall an IO thread. The lookup fills the JVM's address cache (30 s by default), so the
        // connect, which resolves the name again on the IO thread, finds it there.
        try {
            worker.execute(() -> {
                try {
                    InetAddress.getAllByName(host);
                } catch (UnknownHostException e) {
                    connectFailed(call, e);
                    return;
                }
                try {
                    thread.execute(() -> connectNow(call, thread));
                } catch (RejectedExecutionException stopped) {
                    connectFailed(call, new IOException("the worker has stopped"));
                }
            });
        } catch (RejectedExecutionException stopped) {
            connectFailed(call, new IOException("the worker has stopped"));
        }
    }

    private static boolean literalAddress(String host) {
        if (host.startsWith("[")) {
            return true;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if ((c < '0' || c > '9') && c != '.') {
                return false;
            }
        }
        return true;
    }

    private void connectNow(Call call, XnioIoThread thread) {
        ClientCallback<ClientConnection> opened = new ClientCallback<>() {
            @Override
            public void completed(ClientConnection connection) {
                connected(call, connection);
            }

            @Override
            public void failed(IOException e) {
                connectFailed(call, e);
            }
        };
        try {
            boolean https = call.uri.getScheme().equalsIgnoreCase("https");
            UndertowClient.getInstance().connect(opened, null, call.origin, thread, https ? ssl() : null, buffers, SOCKET_OPTIONS);
        } catch (IOException | RuntimeException e) {
            connectFailed(call, e instanceof IOException io ? io : new IOException(e));
        }
    }

    private XnioSsl ssl() throws IOException {
        XnioSsl s = ssl;
        if (s == null) {
            synchronized (lock) {
                if (ssl == null) {
                    try {
                        ssl = new UndertowXnioSsl(worker.getXnio(), OptionMap.EMPTY, tls != null ? tls : SSLContext.getDefault());
                    } catch (NoSuchAlgorithmException e) {
                        throw new IOException("no TLS context for https origins", e);
                    }
                }
                s = ssl;
            }
        }
        return s;
    }

    private void connected(Call call, ClientConnection connection) {
        Conn c = new Conn(call.key, connection);
        connection.addCloseListener(closedConnection -> discard(c));
        boolean stopped;
        synchronized (lock) {
            stopped = closed;
            if (!stopped) {
                connections.add(c);
            }
        }
        if (stopped) {
            kill(c);
            finish(call, UNREACHABLE);
            return;
        }
        start(call, c);
    }

    private void connectFailed(Call call, IOException e) {
        LOG.fine(() -> "event=origin-connect-failed origin=" + call.origin + " error=\"" + e + "\"");
        synchronized (lock) {
            open--;
        }
        finish(call, UNREACHABLE);
        pump();
    }

    /** A connection closed (by either side): its place is free for the next request waiting. */
    private void discard(Conn c) {
        synchronized (lock) {
            if (c.discarded) {
                return;
            }
            c.discarded = true;
            open--;
            connections.remove(c);
            ArrayDeque<Conn> list = idle.get(c.key);
            if (list != null) {
                list.remove(c);
            }
        }
        pump();
    }

    /** Opens connections for waiting requests while there is room. */
    private void pump() {
        while (true) {
            Call next;
            Conn reuse;
            synchronized (lock) {
                dropCompleted();
                if (closed || waiting.isEmpty() || open >= MAX_IN_FLIGHT) {
                    return;
                }
                next = waiting.pollFirst();
                reuse = next.fresh ? null : takeIdle(next.key, next.home);
                if (reuse == null) {
                    open++;
                }
            }
            Call call = next;
            if (reuse != null) {
                Conn c = reuse;
                on(c.thread, () -> start(call, c), call);
            } else {
                connectOn(call.home, call, null);
            }
        }
    }

    /**
     * A connection free again ({@code reusable}: its last exchange ended cleanly): to the oldest
     * waiting request, back to the idle list, or (the oldest waits for another origin) closed
     * so that one can be opened in its place. On the connection's thread.
     */
    private void release(Conn c, boolean reusable) {
        if (!reusable || !c.client.isOpen()) {
            kill(c);
            return;
        }
        Call next;
        boolean transfer = false;
        synchronized (lock) {
            if (c.discarded) {
                return;
            }
            dropCompleted();
            next = closed ? null : waiting.pollFirst();
            if (next == null) {
                if (!closed) {
                    idle.computeIfAbsent(c.key, k -> new ArrayDeque<>()).addLast(c);
                    return;
                }
            } else if (!next.key.equals(c.key)) {
                c.discarded = true;
                connections.remove(c);
                transfer = true;
            }
        }
        if (next == null) {
            kill(c); // closed meanwhile
        } else if (transfer) {
            kill(c);
            connect(next, c.thread);
        } else {
            start(next, c);
        }
    }

    /**
     * Sends {@code call} on {@code c}, on the connection's thread. A connection that closed
     * while idle (the origin ended its keep-alive; Undertow watches idle connections for that)
     * is not used: the request goes back to the head of the queue, nothing having been sent.
     */
    private void start(Call call, Conn c) {
        if (!c.client.isOpen()) {
            kill(c);
            dispatch(call, true, call.fresh);
            return;
        }
        Attempt attempt = new Attempt(call, c, c.uses++ > 0);
        c.attempt = attempt;
        call.conn = c;
        // the timer reads conn after completing the future; this reads the future after setting
        // conn: one of the two sees the other, so a request that timed out meanwhile is not sent
        if (call.result.isDone()) {
            c.attempt = null;
            call.conn = null;
            release(c, true);
            return;
        }
        try {
            c.client.sendRequest(call.request(), attempt);
        } catch (RuntimeException e) {
            attempt.failed(new IOException(e));
        }
    }

    /**
     * Closes a connection now, without the graceful drain of {@code ClientConnection.close}
     * (which can keep the file open for seconds), and frees its place unless it was given away.
     */
    private void kill(Conn c) {
        try {
            IoUtils.safeClose(c.client.performUpgrade());
        } catch (IOException | RuntimeException e) {
            IoUtils.safeClose(c.client);
        }
        discard(c); // the close listener did already, unless the connection was closed before it was added
    }

    private static void finish(Call call, Answer answer) {
        if (call.result.complete(answer)) {
            XnioExecutor.Key t = call.timer;
            if (t != null) {
                t.remove();
            }
        }
    }

    static String describe(Answer a) {
        if (a.failure() == Failure.TIMEOUT) {
            return "no answer in time";
        }
        if (a.failure() == Failure.REFUSED) {
            return "unreachable";
        }
        return "answered " + a.status();
    }

    /** Connections open or opening, for tests. */
    int openConnections() {
        synchronized (lock) {
            return open;
        }
    }

    /** Closes every connection and fails every request still out; the worker is the edge's and keeps running. */
    @Override
    public void close() {
        List<Conn> all;
        List<Call> queued;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>(connections);
            queued = new ArrayList<>(waiting);
            waiting.clear();
            idle.clear();
        }
        for (Call q : queued) {
            finish(q, UNREACHABLE);
        }
        for (Conn c : all) {
            Runnable end = () -> {
                Attempt a = c.attempt;
                c.attempt = null;
                kill(c);
                if (a != null) {
                    finish(a.call, UNREACHABLE);
                }
            };
            try {
                if (Thread.currentThread() == c.thread) {
                    end.run();
                } else {
                    c.thread.execute(end);
                }
            } catch (RejectedExecutionException stopped) {
                end.run();
            }
        }
    }

    /** A pooled connection. Its fields other than {@code discarded} are read and written on its IO thread only. */
    private static final class Conn {
        final String key;
        final ClientConnection client;
        final XnioIoThread thread;
        /** The exchange in progress, or null when idle. */
        Attempt attempt;
        int uses;
        /** Out of the books (closed, or its place given to another connection). Under the client's lock. */
        boolean discarded;

        Conn(String key, ClientConnection client) {
            this.key = key;
            this.client = client;
            this.thread = client.getIoThread();
        }
    }

    /** A request from {@link #send} until its answer; its timer fires on {@link #home}. */
    private final class Call implements Runnable {
        final URI uri;
        /** scheme://host:port, what a connection is opened to */
        final URI origin;
        final String key;
        final String method;
        final String path;
        final String host;
        final List<Decision.HeaderField> headers;
        final byte[] body;
        final XnioIoThread home;
        final CompletableFuture<Answer> result = new CompletableFuture<>();
        volatile XnioExecutor.Key timer;
        /** The connection it is being sent on; read by the timer. */
        volatile Conn conn;
        boolean retried;
        /** Only a new connection (or one that has just answered) will do: the retry after a reused one failed. */
        boolean fresh;

        Call(URI uri, OriginRequest request, XnioIoThread home) {
            this.uri = uri;
            String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
            int defaultPort = scheme.equals("https") ? 443 : 80;
            int port = uri.getPort() == -1 ? defaultPort : uri.getPort();
            this.origin = URI.create(scheme + "://" + uri.getHost() + ":" + port);
            this.key = origin.toString();
            this.host = port == defaultPort ? uri.getHost() : uri.getHost() + ":" + port;
            this.method = request.method();
            String p = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            this.path = uri.getRawQuery() == null ? p : p + "?" + uri.getRawQuery();
            this.headers = request.headers();
            this.body = request.body();
            this.home = home;
        }

        /** A new request each attempt: Undertow's client may add to the headers it sends. */
        ClientRequest request() {
            ClientRequest r = new ClientRequest().setMethod(Methods.fromString(method)).setPath(path);
            HeaderMap h = r.getRequestHeaders();
            for (Decision.HeaderField f : headers) {
                String name = f.name();
                if (!name.equalsIgnoreCase("host") && !name.equalsIgnoreCase("content-length") && !name.equalsIgnoreCase("connection")) {
                    h.add(HttpString.tryFromString(name), f.value());
                }
            }
            h.put(Headers.HOST, host);
            h.put(Headers.CONTENT_LENGTH, body.length);
            return r;
        }

        /** The timeout: the request fails as TIMEOUT; if it is on a connection, that connection is closed (its answer would come too late). */
        @Override
        public void run() {
            if (!result.complete(TIMED_OUT)) {
                return;
            }
            Conn c = conn;
            if (c != null) {
                on(c.thread, () -> {
                    Attempt a = c.attempt;
                    if (a != null && a.call == this) {
                        c.attempt = null;
                        conn = null;
                        kill(c);
                    }
                }, null);
            }
        }
    }

    /**
     * One exchange of a request on a connection: writes the body, reads the answer (keeping
     * {@link #MAX_ANSWER_BODY}), and gives the connection back. All on the connection's thread.
     *
     * <p>Retry: when a connection that already served a request fails before the origin's
     * answer has begun (reset, or closed: the origin ended the keep-alive just as this request
     * went out), the request is sent once more on a new connection. Requests are signed with a
     * nonce, so a second copy that reaches the origin may be refused as a replay; it can only
     * reach it twice if the origin read the first and then dropped the connection without
     * answering, while the race this retry heals (an idle connection closed by the origin at
     * the moment it is reused) is the common one. A connection seen closed before use is never
     * sent on (see {@link #start}); a new connection's failure is not retried.
     */
    private final class Attempt implements ClientCallback<ClientExchange> {
        final Call call;
        final Conn c;
        final boolean reused;
        private ClientExchange exchange;
        private boolean answering;
        private boolean sent;
        private ByteBuffer toSend;
        private boolean shut;
        private StreamSinkChannel requestChannel;
        private StreamSourceChannel responseChannel;
        private int status;
        private String contentType;
        private byte[] kept = NONE;
        private int keptLength;
        private long dropped;

        Attempt(Call call, Conn c, boolean reused) {
            this.call = call;
            this.c = c;
            this.reused = reused;
        }

        private boolean current() {
            return c.attempt == this;
        }

        @Override
        public void completed(ClientExchange ex) {
            if (!current()) {
                return;
            }
            if (exchange == null) {
                exchange = ex;
                ex.setResponseListener(this);
                if (call.body.length == 0) {
                    sent = true; // the client sends a request without a body itself
                } else if (current()) {
                    toSend = ByteBuffer.wrap(call.body);
                    requestChannel = ex.getRequestChannel();
                    write();
                }
                return;
            }
            answering = true;
            status = ex.getResponse().getResponseCode();
            contentType = ex.getResponse().getResponseHeaders().getFirst(Headers.CONTENT_TYPE);
            responseChannel = ex.getResponseChannel();
            read();
        }

        @Override
        public void failed(IOException e) {
            if (!current()) {
                return;
            }
            c.attempt = null;
            call.conn = null;
            kill(c);
            if (call.result.isDone()) {
                return;
            }
            if (reused && !answering && !call.retried) {
                call.retried = true;
                LOG.fine(() -> "event=origin-retry origin=" + call.origin + " error=\"" + e + "\"");
                dispatch(call, true, true);
                return;
            }
            LOG.fine(() -> "event=origin-request-failed origin=" + call.origin + " error=\"" + e + "\"");
            finish(call, UNREACHABLE);
        }

        private void write() {
            try {
                while (toSend.hasRemaining()) {
                    if (requestChannel.write(toSend) == 0) {
                        waitToWrite();
                        return;
                    }
                }
                if (!shut) {
                    requestChannel.shutdownWrites();
                    shut = true;
                }
                if (!requestChannel.flush()) {
                    waitToWrite();
                    return;
                }
                requestChannel.suspendWrites();
                sent = true;
            } catch (IOException e) {
                failed(e);
            }
        }

        private void waitToWrite() {
            requestChannel.getWriteSetter().set(channel -> {
                if (current()) {
                    write();
                }
            });
            requestChannel.resumeWrites();
        }

        private void read() {
            PooledByteBuffer pooled = c.client.getBufferPool().allocate();
            try {
                ByteBuffer b = pooled.getBuffer();
                while (true) {
                    b.clear();
                    int n = responseChannel.read(b);
                    if (n == -1) {
                        answered();
                        return;
                    }
                    if (n == 0) {
                        responseChannel.getReadSetter().set(channel -> {
                            if (current()) {
                                read();
                            }
                        });
                        responseChannel.resumeReads();
                        return;
                    }
                    b.flip();
                    keep(b);
                    if (dropped > MAX_DRAINED) {
                        // not worth reading on for the connection: close it, answer with what was kept
                        c.attempt = null;
                        call.conn = null;
                        kill(c);
                        finish(call, answer());
                        return;
                    }
                }
            } catch (IOException e) {
                failed(e);
            } finally {
                pooled.close();
            }
        }

        private void keep(ByteBuffer b) {
            int take = Math.min(b.remaining(), MAX_ANSWER_BODY - keptLength);
            if (take > 0) {
                if (keptLength + take > kept.length) {
                    kept = Arrays.copyOf(kept, Math.min(MAX_ANSWER_BODY, Math.max(keptLength + take, kept.length * 2)));
                }
                b.get(kept, keptLength, take);
                keptLength += take;
            }
            dropped += b.remaining();
        }

        private Answer answer() {
            return new Answer(status, contentType, keptLength == kept.length ? kept : Arrays.copyOf(kept, keptLength), null);
        }

        /** The whole answer is read: the connection goes back (kept only if the request went out whole), then the caller hears. */
        private void answered() {
            c.attempt = null;
            call.conn = null;
            Answer a = answer();
            release(c, sent);
            finish(call, a);
        }
    }
}
