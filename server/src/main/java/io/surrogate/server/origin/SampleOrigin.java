package io.surrogate.server.origin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A real origin that speaks the edge's wire contract, for {@code surrogate demo} and for the
 * server's integration tests. It runs on the JDK's own HTTP server and client, a different
 * stack from the edge's Undertow, and signs with {@link JdkSignature} (javax.crypto only),
 * never with the engine: it is the independent party that shows the contract is enough.
 *
 * <p>It serves {@code POST /subscribe-event} and {@code POST /unsubscribe-event}. Each request
 * is recorded ({@link #received()}), its {@code X-Event-Signature} is checked with the shared
 * secret (a bad or stale one is answered {@code 401}), and a verified one is answered by the
 * policy: {@code 202} to subscribe and {@code 200} to unsubscribe unless a test sets another
 * ({@link #setSubscribeAnswer}). A delayed answer is scheduled, so it holds no thread.
 *
 * <p>It remembers live subscriptions by token: a subscribe answered {@code 202} adds one (even
 * one answered after the edge gave up waiting: the next delivery to it is refused); an
 * unsubscribe answered 2xx or 404, or a delivery the edge answers {@code 404 no-subscriber}
 * or {@code 410 expired-token}, removes it. The token is opaque, so the origin cannot tell a
 * one-shot subscription from a repeatable one; like a real origin it knows its rules: with
 * {@link #setOneShot} (the demo's mail rules) a delivery answered {@code 200 delivered} or
 * {@code 202 queued} spends the token and forgets it, and the client's next subscribe brings a
 * new one. Without it a delivered token is kept (a repeatable subscription).
 *
 * <p>With {@link #setSessions} it also checks who subscribes: the session cookie the edge
 * forwards ({@code <forward-to-origin>}, signed with version 2) must belong to the user.
 *
 * <p>Event id and user are always handled as header values, exactly as the edge sent them
 * (header-escaped), and sent back unchanged.
 *
 * <p>It logs through {@code java.util.logging} under this class's name: requests and
 * deliveries at FINE, the life cycle at CONFIG, failures of the mail timer at WARNING. The
 * secret and signatures are never logged; tokens only by their first characters.
 */
public final class SampleOrigin implements AutoCloseable {
    public static final String SUBSCRIBE_PATH = "/subscribe-event";
    public static final String UNSUBSCRIBE_PATH = "/unsubscribe-event";
    public static final String DELIVER_PATH = "/deliver-event";
    public static final String MAIL = "You've got mail!";
    /** The cookie sample-rules/mail/mail.xml forwards, which {@link #setSessions} checks. */
    public static final String SESSION_COOKIE = "session";

    private static final Logger LOG = Logger.getLogger(SampleOrigin.class.getName());
    private static final int MAX_BODY = 64 * 1024;
    private static final String TEXT = "text/plain; charset=utf-8";

    /** the secrets signatures from the edge may be made with, and the one this origin signs deliveries with */
    private volatile Secrets secrets;
    private final InstantSource clock;
    private final HttpServer server;
    private final int port;
    private final ExecutorService httpThreads = Executors.newFixedThreadPool(8, new DaemonThreads("sample-origin-http"));
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(1, new DaemonThreads("sample-origin-timer"));
    private final EdgeClient edgeClient = new EdgeClient();
    private final List<Received> received = new ArrayList<>();
    private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
    private final AtomicLong mailCount = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile URI edge;
    private volatile Function<Received, Answer> subscribeAnswer = r -> Answer.accepted();
    private volatile Function<Received, Answer> unsubscribeAnswer = r -> Answer.ok();
    private volatile boolean oneShot;
    private volatile Map<String, String> sessions;
    private ScheduledFuture<?> mailTimer;

    /**
     * The secrets of a key rotation as an origin holds them: every secret it accepts the edge's
     * signatures with (try each), and the one it signs its deliveries with.
     */
    private record Secrets(List<byte[]> accepted, byte[] signing) {
        JdkSignature.Verified verify(String header, JdkSignature.Signed signed, Function<String, List<String>> headers,
                java.time.Instant now) {
            JdkSignature.Verified first = null;
            for (byte[] secret : accepted) {
                JdkSignature.Verified v = JdkSignature.verifyRequest(secret, header, signed, headers, now);
                if (v.check() == JdkSignature.Check.VALID || v.check() == JdkSignature.Check.STALE) {
                    return v;
                }
                first = first == null ? v : first;
            }
            return first;
        }
    }

    /**
     * Changes the secrets at run time, as an origin does during a key rotation: signatures of the
     * edge are accepted when any of {@code accepted} verifies them; deliveries are signed with
     * {@code signing}.
     */
    public void useSecrets(List<byte[]> accepted, byte[] signing) {
        if (accepted.isEmpty() || accepted.stream().anyMatch(a -> a.length == 0) || signing.length == 0) {
            throw new IllegalArgumentException("an empty HMAC secret, or none");
        }
        this.secrets = new Secrets(accepted.stream().map(byte[]::clone).toList(), signing.clone());
    }

    /** Binds at once (port 0 picks a free port); {@link #start()} serves. */
    public SampleOrigin(InetSocketAddress bind, byte[] secret, URI edge) throws IOException {
        this(bind, secret, edge, InstantSource.system());
    }

    /**
     * @param secret the raw HMAC secret: what {@code surrogate keys export} prints, base64-decoded
     * @param edge the edge's origin-listener base URI ({@code http://127.0.0.1:9090}), or null
     *     until {@link #setEdge} is called
     */
    public SampleOrigin(InetSocketAddress bind, byte[] secret, URI edge, InstantSource clock) throws IOException {
        if (secret.length == 0) {
            throw new IllegalArgumentException("the HMAC secret is empty");
        }
        this.secrets = new Secrets(List.of(secret.clone()), secret.clone());
        this.clock = clock;
        this.edge = edge;
        this.server = HttpServer.create(bind, 0);
        this.port = server.getAddress().getPort();
        server.setExecutor(httpThreads);
        server.createContext("/", this::handle);
    }

    public SampleOrigin start() {
        server.start();
        LOG.config(() -> "sample origin listening on " + baseUri() + ", delivering to " + edge);
        return this;
    }

    public int port() {
        return port;
    }

    /** {@code http://HOST:PORT}, no path: what the edge takes as {@code --origin}. */
    public URI baseUri() {
        InetAddress address = server.getAddress().getAddress();
        if (address.isAnyLocalAddress()) {
            address = InetAddress.getLoopbackAddress();
        }
        String host = address instanceof Inet6Address ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
        return URI.create("http://" + host + ":" + port);
    }

    /** Where deliveries go: the edge's origin-listener base URI. May change at any time. */
    public void setEdge(URI edgeOriginListener) {
        this.edge = edgeOriginListener;
        LOG.config(() -> "sample origin now delivering to " + edgeOriginListener);
    }

    public URI edge() {
        URI e = edge;
        if (e == null) {
            throw new IllegalStateException("no edge to deliver to: call setEdge(URI) first");
        }
        return e;
    }

    /** How a verified subscribe is answered; {@code 202} by default. */
    public void setSubscribeAnswer(Function<Received, Answer> policy) {
        this.subscribeAnswer = policy;
    }

    /**
     * Whether the subscriptions this origin accepts are one-shot, as its rules say (the token
     * does not): then a token is forgotten once a delivery to it is answered {@code 200
     * delivered} or {@code 202 queued}, as protocol.md tells an origin. Off by default.
     */
    public void setOneShot(boolean oneShot) {
        this.oneShot = oneShot;
    }

    /**
     * Checks who subscribes, as a real origin would: with sessions set, a subscribe must carry
     * the cookie {@link #SESSION_COOKIE} forwarded by the edge under a verified version 2
     * signature (else {@code 401 no-session}), naming a session of the user in
     * {@code X-Event-User} (else {@code 403 wrong-session}), before the answer policy is asked.
     * Null (the default, and the demo's) checks nothing beyond the signature.
     *
     * @param sessionToUser session cookie value to the user (the X-Event-User value) it belongs to
     */
    public void setSessions(Map<String, String> sessionToUser) {
        this.sessions = sessionToUser == null ? null : Map.copyOf(sessionToUser);
    }

    /** How a verified unsubscribe is answered; {@code 200} by default. */
    public void setUnsubscribeAnswer(Function<Received, Answer> policy) {
        this.unsubscribeAnswer = policy;
    }

    /** Every request received so far, oldest first. */
    public List<Received> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    public List<Received> subscribes() {
        return receivedOn(SUBSCRIBE_PATH);
    }

    public List<Received> unsubscribes() {
        return receivedOn(UNSUBSCRIBE_PATH);
    }

    /**
     * Waits until at least {@code count} requests on {@code path} were received or the timeout
     * passes, and returns those received by then (fewer on timeout).
     */
    public List<Received> awaitReceived(String path, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (received) {
            List<Received> found = receivedOn(path);
            while (found.size() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(received, left);
                found = receivedOn(path);
            }
            return found;
        }
    }

    private List<Received> receivedOn(String path) {
        synchronized (received) {
            return received.stream().filter(r -> r.path().equals(path)).toList();
        }
    }

    /** The live subscriptions, in no particular order. */
    public List<Subscription> subscriptions() {
        return List.copyOf(subscriptions.values());
    }

    /** A correctly signed {@code POST /deliver-event} to the edge, for {@link #send} or to spoil first. */
    public Outgoing outgoing(String token, String eventId, String user, byte[] body) {
        String base = edge().getRawPath();
        String path = (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + DELIVER_PATH;
        return new Outgoing("POST", path, eventId, user, token, body, null, TEXT,
                clock.instant().getEpochSecond(), JdkSignature.newNonce(), secrets.signing(), null);
    }

    /** Unicast to the client(s) held under {@code token}. Runs on the caller's thread. */
    public Delivery deliver(String token, String eventId, String user, byte[] body) {
        return send(outgoing(token, eventId, user, body));
    }

    public CompletableFuture<Delivery> deliverAsync(String token, String eventId, String user, byte[] body) {
        return sendAsync(outgoing(token, eventId, user, body));
    }

    /** Fan-out: empty user and token, to every subscriber of the event on that edge. */
    public Delivery fanOut(String eventId, byte[] body) {
        return send(outgoing("", eventId, "", body));
    }

    /** Unicast to every live subscription of that event and user (header values), one by one. */
    public List<Delivery> deliverTo(String eventId, String user, byte[] body) {
        List<Delivery> results = new ArrayList<>();
        for (Subscription s : subscriptions()) {
            if (s.eventId().equals(eventId) && s.user().equals(user)) {
                results.add(deliver(s.token(), s.eventId(), s.user(), body));
            }
        }
        return results;
    }

    /** Sends a possibly forged request; network failures throw {@link java.io.UncheckedIOException}. */
    public Delivery send(Outgoing o) {
        return afterDelivery(o, edgeClient.send(edge(), o));
    }

    public CompletableFuture<Delivery> sendAsync(Outgoing o) {
        return edgeClient.sendAsync(edge(), o).thenApply(d -> afterDelivery(o, d));
    }

    private Delivery afterDelivery(Outgoing o, Delivery d) {
        LOG.fine(() -> "delivered " + o + " -> " + d);
        boolean spent = oneShot && (d.status() == 200 && d.word().equals("delivered") || d.status() == 202 && d.word().equals("queued"));
        boolean gone = spent || (d.status() == 404 && d.word().equals("no-subscriber")) || d.status() == 410;
        if (gone && o.token() != null && subscriptions.remove(o.token()) != null) {
            LOG.fine(() -> "forgot token " + Subscription.abbreviate(o.token()) + " after " + d);
        }
        return d;
    }

    /** Every period, sends {@link #MAIL} with a counter and the time to every live subscription. */
    public void startMailTimer(Duration period) {
        startMailTimer(period, MAIL);
    }

    /** Every period, sends {@code text} with a counter and the time to every live subscription. */
    public synchronized void startMailTimer(Duration period, String text) {
        stopMailTimer();
        long millis = Math.max(1, period.toMillis());
        mailTimer = timers.scheduleAtFixedRate(() -> mailRound(text), millis, millis, TimeUnit.MILLISECONDS);
        LOG.config(() -> "mail timer every " + period);
    }

    public synchronized void stopMailTimer() {
        if (mailTimer != null) {
            mailTimer.cancel(false);
            mailTimer = null;
        }
    }

    private void mailRound(String text) {
        try {
            if (edge == null) {
                return;
            }
            String time = LocalTime.ofInstant(clock.instant(), ZoneId.systemDefault()).truncatedTo(ChronoUnit.SECONDS).toString();
            byte[] body = (text + " #" + mailCount.incrementAndGet() + " at " + time).getBytes(StandardCharsets.UTF_8);
            for (Subscription s : subscriptions()) {
                deliverAsync(s.token(), s.eventId(), s.user(), body).whenComplete((d, failure) -> {
                    if (failure != null) {
                        LOG.log(Level.WARNING, "mail to " + s + " failed: " + failure);
                    }
                });
            }
        } catch (RuntimeException e) {
            // a failed round must not end the timer
            LOG.log(Level.WARNING, "mail round failed", e);
        }
    }

    private void handle(HttpExchange exchange) {
        try {
            String path = exchange.getRequestURI().getRawPath();
            byte[] body = exchange.getRequestBody().readNBytes(MAX_BODY + 1);
            JdkSignature.Signed signed = new JdkSignature.Signed(exchange.getRequestMethod(), path,
                    exchange.getRequestHeaders().getFirst("X-Event-Id"), exchange.getRequestHeaders().getFirst("X-Event-User"),
                    exchange.getRequestHeaders().getFirst("X-Event-Token"), body);
            JdkSignature.Verified verified = secrets.verify(exchange.getRequestHeaders().getFirst("X-Event-Signature"), signed,
                    name -> {
                        List<String> values = exchange.getRequestHeaders().get(name);
                        return values == null ? List.of() : values;
                    }, clock.instant());
            Received r = new Received(exchange.getRequestMethod(), path, exchange.getRequestHeaders(), body, clock.instant(),
                    verified.check(), verified.version(), verified.forwarded());
            synchronized (received) {
                received.add(r);
                received.notifyAll();
            }
            Answer answer = answer(r);
            LOG.fine(() -> "received " + r + " -> " + answer);
            remember(r, answer);
            if (answer.delayMillis() > 0) {
                timers.schedule(() -> reply(exchange, answer), answer.delayMillis(), TimeUnit.MILLISECONDS);
            } else {
                reply(exchange, answer);
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.FINE, "request failed", e);
            exchange.close();
        }
    }

    private Answer answer(Received r) {
        boolean subscribe = r.path().equals(SUBSCRIBE_PATH);
        if (!subscribe && !r.path().equals(UNSUBSCRIBE_PATH)) {
            return Answer.text(404, "not-found");
        }
        if (!r.method().equals("POST")) {
            return Answer.text(405, "method-not-allowed");
        }
        if (r.body().length > MAX_BODY) {
            return Answer.text(413, "too-large");
        }
        if (!r.signatureVerified()) {
            return Answer.text(401, r.signature() == JdkSignature.Check.STALE ? "stale-signature" : "bad-signature");
        }
        Map<String, String> known = sessions;
        if (subscribe && known != null) {
            // who subscribes: the session cookie the edge forwarded and signed, never an unsigned Cookie header
            String session = r.forwardedCookie(SESSION_COOKIE);
            if (session == null) {
                return Answer.text(401, "no-session");
            }
            String user = known.get(session);
            if (user == null || !user.equals(r.user())) {
                return Answer.text(403, "wrong-session");
            }
        }
        try {
            return (subscribe ? subscribeAnswer : unsubscribeAnswer).apply(r);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the answer policy failed on " + r, e);
            return Answer.text(500, "policy-failed");
        }
    }

    private void remember(Received r, Answer answer) {
        if (!r.signatureVerified() || !r.method().equals("POST") || r.token() == null) {
            return;
        }
        if (r.path().equals(SUBSCRIBE_PATH) && answer.status() == 202) {
            Subscription s = new Subscription(r.token(), orEmpty(r.eventId()), orEmpty(r.user()), r.receivedAt());
            subscriptions.put(s.token(), s);
        } else if (r.path().equals(UNSUBSCRIBE_PATH) && (answer.status() / 100 == 2 || answer.status() == 404)) {
            subscriptions.remove(r.token());
        }
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }

    private static void reply(HttpExchange exchange, Answer answer) {
        try {
            byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
            if (answer.contentType() != null) {
                exchange.getResponseHeaders().set("Content-Type", answer.contentType());
            }
            if (answer.retryAfter() != null) {
                exchange.getResponseHeaders().set("Retry-After", answer.retryAfter());
            }
            exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } catch (IOException e) {
            LOG.log(Level.FINE, "could not answer " + answer + ": the edge went away", e);
        } finally {
            exchange.close();
        }
    }

    /** Stops the timer, the listener and every thread; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopMailTimer();
        server.stop(0);
        timers.shutdownNow();
        httpThreads.shutdownNow();
        edgeClient.close();
        try {
            timers.awaitTermination(2, TimeUnit.SECONDS);
            httpThreads.awaitTermination(2, TimeUnit.SECONDS);
            edgeClient.awaitTermination(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.config(() -> "sample origin on port " + port + " stopped");
    }

    @Override
    public String toString() {
        return "SampleOrigin[" + baseUri() + ", edge=" + edge + ", " + subscriptions.size() + " subscriptions]";
    }
}
