package io.surrogate.server;

import io.surrogate.engine.EdgeEnvironment;
import io.surrogate.engine.OriginRequest;
import io.surrogate.engine.Subscriptions;
import io.surrogate.engine.request.EdgeRequest;
import io.surrogate.engine.request.Headers;
import io.surrogate.server.upstream.OriginClient;
import io.undertow.server.HttpServerExchange;
import java.net.InetAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.logging.Logger;
import org.xnio.XnioIoThread;

/**
 * The subscription registry and what happens to a subscription over its life: held, given
 * events, detached when its client goes, resumed when it comes back, ended (and the origin
 * told) when it does not. Lookups by token (unicast deliveries), by event (fan-out), by handle
 * (resume) and by user and event (duplicates).
 */
final class Hub {
    private static final Logger LOG = Logger.getLogger("surrogate.hub");
    /** unsubscribe attempts and the waits between them */
    static final long[] UNSUBSCRIBE_BACKOFF_MILLIS = {500, 1000, 2000, 4000};

    private final SecureRandom random = new SecureRandom();
    private final ConcurrentHashMap<String, Subscription> byToken = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Subscription> byHandle = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<Subscription>> byEvent = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Subscription> byUser = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, HeldConnection> streams = new ConcurrentHashMap<>();
    private final Set<HeldConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger ioTimers = new AtomicInteger();
    private final AtomicInteger unsubscribing = new AtomicInteger();
    private final ScheduledThreadPoolExecutor timers;
    private final OriginClient origin;
    private final ServerMetrics metrics;
    private final Supplier<EdgeEnvironment> env;
    private final int maxQueuedBytes;

    Hub(OriginClient origin, ServerMetrics metrics, Supplier<EdgeEnvironment> env, int maxQueuedBytes) {
        this.origin = origin;
        this.metrics = metrics;
        this.env = env;
        this.maxQueuedBytes = maxQueuedBytes;
        this.timers = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "surrogate-timers");
            t.setDaemon(true);
            return t;
        });
        timers.setRemoveOnCancelPolicy(true);
        metrics.gauge("surrogate.subscriptions", "Subscriptions the edge holds, attached or waiting for their client", byToken::size);
    }

    long newHandle() {
        long h;
        do {
            h = random.nextLong();
        } while (h == 0 || byHandle.containsKey(h));
        return h;
    }

    static String eventKey(String originKeyName, String eventIdAsSent) {
        return originKeyName + '\u0000' + eventIdAsSent;
    }

    private static String userKey(Subscription s) {
        return s.plan.customerCode() + '\u0000' + s.plan.eventId() + '\u0000' + s.plan.user();
    }

    /**
     * Registers a subscription the origin is being asked about: deliveries find it (and wait in
     * it) from now on, so an event the origin sends right after its 202 is not lost.
     */
    void register(Subscription s) {
        byToken.put(s.token, s);
        byHandle.put(s.handle, s);
        byEvent.compute(s.eventKey, (k, set) -> {
            Set<Subscription> out = set == null ? ConcurrentHashMap.newKeySet() : set;
            out.add(s);
            return out;
        });
    }

    /** The origin refused or failed: the subscription never was. Nobody is told. */
    void discard(Subscription s) {
        if (s.end(new HeldConnection[1])) {
            forget(s);
        }
    }

    /** The origin accepted: an older subscription of the same user and event ends, and the origin hears of it. */
    void accepted(Subscription s) {
        if (!s.plan.user().isEmpty()) {
            Subscription older = byUser.put(userKey(s), s);
            if (older != null && older != s) {
                LOG.info(() -> "event=duplicate-subscription " + older + " replaced by " + s.handleHex);
                metrics.disconnect("duplicate");
                endAndTell(older, "duplicate");
            }
        }
    }

    Subscription byToken(String token) {
        return byToken.get(token);
    }

    Subscription byHandle(long handle) {
        return byHandle.get(handle);
    }

    Set<Subscription> byEvent(String key) {
        Set<Subscription> s = byEvent.get(key);
        return s == null ? Set.of() : s;
    }

    HeldConnection stream(long handle) {
        return streams.get(handle);
    }

    int size() {
        return byToken.size();
    }

    int heldConnections() {
        return connections.size();
    }

    /** Timers still pending: heartbeats, poll timeouts, waits for a client's return, unsubscribe retries. */
    int pendingTimers() {
        return ioTimers.get() + timers.getQueue().size() + unsubscribing.get();
    }

    int maxQueuedBytes() {
        return maxQueuedBytes;
    }

    void timerStarted() {
        ioTimers.incrementAndGet();
    }

    void timerDone() {
        ioTimers.decrementAndGet();
    }

    /**
     * Holds the exchange for {@code s} (new or resumed), sending what it missed after
     * {@code after}. On the IO thread. The subscription is attached before the connection is
     * counted as held, so a delivery that sees the connection held finds it attached; a
     * delivery from another thread in the meantime is written after this task, once the
     * response has started.
     */
    HeldConnection hold(HttpServerExchange exchange, Subscription s, io.surrogate.engine.Transport transport,
            List<io.surrogate.engine.Decision.HeaderField> headers, long after, boolean streamType) {
        HeldConnection c = new HeldConnection(this, exchange, transport, headers, s.plan.settings().heartbeat());
        if (streamType && transport != io.surrogate.engine.Transport.LONG_POLL) {
            long h = newHandle();
            c.streamHandle = h;
            streams.put(h, c);
        }
        HeldConnection[] replaced = new HeldConnection[1];
        List<Subscription.Sent> missed = s.attach(c, after, replaced);
        connections.add(c);
        metrics.held(transport).incrementAndGet();
        ClientConnections.current(exchange, c);
        c.open(s, after, (int) s.plan.settings().retry().toMillis());
        sendMissed(s, c, missed, replaced[0]);
        return c;
    }

    /** Adds {@code s} to a live stream connection; false if that connection is gone. Runs on the connection's IO thread. */
    boolean multiplex(HeldConnection c, Subscription s) {
        if (c.released()) {
            return false;
        }
        c.add(s);
        HeldConnection[] replaced = new HeldConnection[1];
        sendMissed(s, c, s.attach(c, 0, replaced), replaced[0]);
        return true;
    }

    private void sendMissed(Subscription s, HeldConnection c, List<Subscription.Sent> missed, HeldConnection old) {
        if (old != null) {
            old.execute(() -> old.close("resumed-elsewhere"));
        }
        if (missed == null) {
            c.close("ended");
            return;
        }
        boolean oneShot = s.ended();
        for (Subscription.Sent sent : missed) {
            c.send(s, sent.seq(), sent.frame(), oneShot);
            if (c.transport == io.surrogate.engine.Transport.LONG_POLL) {
                break;
            }
        }
        if (oneShot) {
            forget(s);
        }
    }

    /** Hands an event to a subscription: written to its connection, queued for its return, or gone. */
    Subscription.Outcome deliver(Subscription s, EventFrame frame) {
        long[] seq = new long[1];
        HeldConnection c = s.accept(frame, seq);
        if (c == null) {
            return s.ended() ? Subscription.Outcome.GONE : Subscription.Outcome.QUEUED;
        }
        boolean last = s.ended();
        if (last) {
            forget(s);
        }
        long n = seq[0];
        c.execute(() -> c.send(s, n, frame, last));
        return Subscription.Outcome.DELIVERED;
    }

    /** One write of a fan-out, for the connection's IO thread. */
    private record Write(HeldConnection c, Subscription s, long seq, boolean last) {}

    /** What a fan-out found: written (to connections), queued (for their return). */
    record FanOut(int delivered, int queued) {}

    /**
     * Hands one event to many subscriptions (a fan-out): each is numbered and buffered here,
     * then the writes go to each IO thread as one task carrying that thread's list (not a task
     * per connection), and this thread's own share is written last, inline, so the other
     * threads start writing first.
     */
    FanOut deliverAll(Iterable<Subscription> subs, EventFrame frame) {
        java.util.Map<XnioIoThread, List<Write>> byThread = new java.util.HashMap<>(4);
        long[] seq = new long[1];
        int delivered = 0;
        int queued = 0;
        for (Subscription s : subs) {
            HeldConnection c = s.accept(frame, seq);
            if (c == null) {
                if (!s.ended()) {
                    queued++;
                }
                continue;
            }
            boolean last = s.ended();
            if (last) {
                forget(s);
            }
            byThread.computeIfAbsent(c.io, t -> new ArrayList<>()).add(new Write(c, s, seq[0], last));
            delivered++;
        }
        Thread self = Thread.currentThread();
        List<Write> mine = null;
        for (var e : byThread.entrySet()) {
            if (e.getKey() == self) {
                mine = e.getValue();
            } else {
                List<Write> batch = e.getValue();
                e.getKey().execute(() -> batch.forEach(w -> w.c().send(w.s(), w.seq(), frame, w.last())));
            }
        }
        if (mine != null) {
            mine.forEach(w -> w.c().send(w.s(), w.seq(), frame, w.last()));
        }
        return new FanOut(delivered, queued);
    }

    /**
     * A one-shot event was handed to a connection that had just gone: the subscription comes
     * back, detached, with the event in its buffer, and waits one heartbeat for its client.
     */
    void reopen(Subscription s) {
        if (s.reopen()) {
            register(s);
            if (!s.plan.user().isEmpty()) {
                byUser.putIfAbsent(userKey(s), s);
            }
            s.graceTimer(timers.schedule(() -> expire(s), s.plan.settings().heartbeat().toMillis(), TimeUnit.MILLISECONDS));
        }
    }

    /** A held connection stopped holding (answered, timed out, dropped, closed by us). On its IO thread. */
    void released(HeldConnection c, String reason) {
        if (!connections.remove(c)) {
            return;
        }
        metrics.held(c.transport).decrementAndGet();
        if (c.streamHandle != 0) {
            streams.remove(c.streamHandle);
        }
        ClientConnections.released(c.exchange, c);
        for (Subscription s : c.subscriptions()) {
            if (s.detach(c)) {
                Duration wait = s.plan.settings().heartbeat();
                s.graceTimer(timers.schedule(() -> expire(s), wait.toMillis(), TimeUnit.MILLISECONDS));
            }
        }
        if (!"answered".equals(reason) && !"poll-timeout".equals(reason) && !"one-shot".equals(reason)) {
            LOG.fine(() -> "event=client-released reason=" + reason + " transport=" + c.transport.label());
        }
    }

    /**
     * Ends the subscriptions of {@code c} whose token has expired (the origin is told); true
     * when none is left, so the client must subscribe again (DESIGN §4). On the IO thread.
     */
    boolean endExpired(HeldConnection c) {
        long now = env.get().clock().instant().getEpochSecond();
        boolean live = false;
        for (Subscription s : c.subscriptions()) {
            if (s.expiredAt(now)) {
                if (s.end(new HeldConnection[1])) {
                    forget(s);
                    unsubscribe(s, "token-expired");
                }
            } else if (!s.ended()) {
                live = true;
            }
        }
        if (!live) {
            metrics.disconnect("token-expired");
        }
        return !live;
    }

    void slowClient(HeldConnection c) {
        metrics.disconnect("slow-client");
        LOG.info(() -> "event=slow-client-disconnected transport=" + c.transport.label() + " queued-bytes-over=" + maxQueuedBytes);
    }

    /** The client did not come back within a heartbeat: the subscription ends and the origin is told. */
    private void expire(Subscription s) {
        if (s.expire()) {
            forget(s);
            unsubscribe(s, "client-gone");
        }
    }

    /** Ends a subscription now (duplicate, server stop): its client is closed, the origin told. */
    void endAndTell(Subscription s, String why) {
        HeldConnection[] had = new HeldConnection[1];
        if (!s.end(had)) {
            return;
        }
        forget(s);
        HeldConnection c = had[0];
        if (c != null) {
            c.execute(() -> c.close(why));
        }
        unsubscribe(s, why);
    }

    /** Drops every index entry of a subscription that ended. */
    void forget(Subscription s) {
        byToken.remove(s.token, s);
        byHandle.remove(s.handle, s);
        byEvent.computeIfPresent(s.eventKey, (k, set) -> {
            set.remove(s);
            return set.isEmpty() ? null : set;
        });
        if (!s.plan.user().isEmpty()) {
            byUser.remove(userKey(s), s);
        }
    }

    /** {@code POST /unsubscribe-event}, edge-signed, retried with backoff until acknowledged or the budget runs out. */
    void unsubscribe(Subscription s, String why) {
        Optional<URI> target = origin.target(unsubscribeRequest(s));
        if (target.isEmpty()) {
            metrics.unsubscribe("no-origin");
            return;
        }
        unsubscribing.incrementAndGet();
        attemptUnsubscribe(s, target.get(), 0, why);
    }

    /** Signed afresh for every attempt: a retry is a new request with its own nonce, never a replay. */
    private OriginRequest unsubscribeRequest(Subscription s) {
        EdgeRequest hostOnly = new EdgeRequest("POST", "/", "", "",
                s.host == null ? Headers.EMPTY : Headers.builder().add("Host", s.host).build(), new byte[0],
                InetAddress.getLoopbackAddress(), 0, 0);
        return Subscriptions.unsubscribe(s.plan, hostOnly, s.token, env.get());
    }

    private void attemptUnsubscribe(Subscription s, URI uri, int attempt, String why) {
        long started = System.nanoTime();
        origin.send(uri, unsubscribeRequest(s), () -> unsubscribeRequest(s), s.plan.settings().originTimeout()).whenComplete((answer, error) -> {
            metrics.originLatency(false).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            boolean acknowledged = answer != null && answer.failure() == null
                    && (answer.status() / 100 == 2 || answer.status() == 404);
            if (acknowledged) {
                unsubscribing.decrementAndGet();
                metrics.unsubscribe("acknowledged");
                LOG.fine(() -> "event=unsubscribed " + s + " reason=" + why);
                return;
            }
            String what = answer == null ? "failed" : OriginClient.describe(answer);
            if (attempt >= UNSUBSCRIBE_BACKOFF_MILLIS.length || timers.isShutdown()) {
                unsubscribing.decrementAndGet();
                metrics.unsubscribe("given-up");
                LOG.warning(() -> "event=unsubscribe-given-up " + s + " attempts=" + (attempt + 1) + " last=" + what);
                return;
            }
            metrics.unsubscribe("retried");
            LOG.fine(() -> "event=unsubscribe-retry " + s + " attempt=" + (attempt + 1) + " origin " + what);
            try {
                timers.schedule(() -> attemptUnsubscribe(s, uri, attempt + 1, why),
                        UNSUBSCRIBE_BACKOFF_MILLIS[attempt], TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                unsubscribing.decrementAndGet();
            }
        });
    }

    /** Server stop: every held client closed, every subscription ended, the origin told once (no retries). */
    void stop(Duration wait) {
        List<Subscription> all = new ArrayList<>(byToken.values());
        for (HeldConnection c : new ArrayList<>(connections)) {
            c.execute(() -> c.close("server-stop"));
        }
        for (Subscription s : all) {
            endAndTell(s, "server-stop");
        }
        long deadline = System.nanoTime() + wait.toNanos();
        while (unsubscribing.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        timers.shutdownNow();
    }
}
