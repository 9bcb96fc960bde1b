package io.surrogate.server.subscribe;

import io.surrogate.engine.Decision;
import io.surrogate.engine.EdgeEnvironment;
import io.surrogate.engine.SubscriptionPlan;
import io.surrogate.engine.Transport;
import io.surrogate.engine.token.KeySource;
import io.surrogate.server.LogLine;
import io.surrogate.server.metrics.ServerMetrics;
import io.surrogate.server.time.Scheduler;
import io.surrogate.server.transport.EventFrame;
import io.surrogate.server.transport.HeldResponse;
import io.surrogate.server.transport.Transports;
import io.undertow.server.HttpServerExchange;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The in-memory {@link SubscriptionRegistry}: concurrent maps by token, handle, event and user,
 * the held responses, and the listener of every held response (so a response reports here
 * and never calls back into anything else). Timers come from the injected {@link Scheduler},
 * time from the injected clock.
 */
public final class LocalRegistry implements SubscriptionRegistry, HeldResponse.Listener<Subscription> {
    private static final Logger LOG = Logger.getLogger("surrogate.hub");

    private final SecureRandom random = new SecureRandom();
    private final ConcurrentHashMap<String, Subscription> byToken = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Subscription> byHandle = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<Subscription>> byEvent = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Subscription> byUser = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, HeldResponse<Subscription>> streams = new ConcurrentHashMap<>();
    private final Set<HeldResponse<Subscription>> held = ConcurrentHashMap.newKeySet();
    private final Unsubscriber unsubscriber;
    private final Scheduler scheduler;
    private final InstantSource clock;
    private final ServerMetrics metrics;
    private final ReplayBudget budget;
    private final int maxQueuedBytes;

    /**
     * @param keys the keyring in use now: unsubscribe notices are signed with the current
     *        version of a subscription's origin key, which may have rotated since it began
     */
    public LocalRegistry(OriginCalls origin, ServerMetrics metrics, Supplier<EdgeEnvironment> env, Scheduler scheduler,
            InstantSource clock, ReplayBudget budget, int maxQueuedBytes, Supplier<? extends KeySource> keys) {
        this.unsubscriber = new Unsubscriber(origin, metrics, scheduler, env, keys);
        this.scheduler = scheduler;
        this.clock = clock;
        this.metrics = metrics;
        this.budget = budget;
        this.maxQueuedBytes = maxQueuedBytes;
        metrics.gauge("surrogate.subscriptions", "Subscriptions the edge holds, attached or waiting for their client", byToken::size);
        metrics.gauge("surrogate.replay.detached.bytes", "Bytes of events kept for subscriptions no client holds", budget::used);
    }

    /** The waits between the attempts of an unsubscribe notice, in milliseconds. */
    public static long[] unsubscribeBackoffMillis() {
        return Unsubscriber.BACKOFF_MILLIS.clone();
    }

    private long newHandle() {
        long h;
        do {
            h = random.nextLong();
        } while (h == 0 || byHandle.containsKey(h) || streams.containsKey(h));
        return h;
    }

    private static String userKey(Subscription s) {
        SubscriptionPlan p = s.plan();
        return p.customerCode() + '\u0000' + p.eventId() + '\u0000' + p.user();
    }

    @Override
    public Subscription register(String token, long expiresAt, SubscriptionPlan plan, String host, String eventKey) {
        Subscription s = new Subscription(newHandle(), token, expiresAt, plan, host, eventKey, budget);
        index(s);
        return s;
    }

    private void index(Subscription s) {
        byToken.put(s.token(), s);
        byHandle.put(s.handle(), s);
        byEvent.compute(s.eventKey(), (k, set) -> {
            Set<Subscription> out = set == null ? ConcurrentHashMap.newKeySet() : set;
            out.add(s);
            return out;
        });
    }

    @Override
    public void discard(Subscription s) {
        if (s.end(new HeldResponse<?>[1])) {
            forget(s);
        }
    }

    @Override
    public void accepted(Subscription s) {
        if (!s.plan().user().isEmpty()) {
            Subscription older = byUser.put(userKey(s), s);
            if (older != null && older != s) {
                LOG.info(() -> older.logLine("duplicate-subscription").with("replaced-by", s.handleHex()).toString());
                metrics.disconnect("duplicate");
                endAndTell(older, "duplicate");
            }
        }
    }

    @Override
    public Subscription byToken(String token) {
        return byToken.get(token);
    }

    @Override
    public Subscription byHandle(long handle) {
        return byHandle.get(handle);
    }

    @Override
    public Iterable<Subscription> byEvent(String key) {
        Set<Subscription> s = byEvent.get(key);
        return s == null ? Set.of() : s;
    }

    @Override
    public HeldResponse<Subscription> stream(long handle) {
        return streams.get(handle);
    }

    @Override
    public int size() {
        return byToken.size();
    }

    @Override
    public int heldConnections() {
        return held.size();
    }

    @Override
    public int unsubscribing() {
        return unsubscriber.inFlight();
    }

    /**
     * The subscription is attached before the response is counted as held, so a delivery that
     * sees the response held finds it attached; a delivery from another thread in the meantime
     * is written after this task, once the response has started.
     */
    @Override
    public HeldResponse<Subscription> hold(HttpServerExchange exchange, Subscription s, Transport transport,
            List<Decision.HeaderField> headers, long after, boolean streamType) {
        long streamHandle = streamType && Transports.multiplexes(transport) ? newHandle() : 0;
        HeldResponse<Subscription> c = Transports.open(transport, exchange, this, scheduler,
                s.plan().settings().heartbeat().toMillis(), maxQueuedBytes, streamHandle);
        if (streamHandle != 0) {
            streams.put(streamHandle, c);
        }
        HeldResponse<?>[] replaced = new HeldResponse<?>[1];
        List<Subscription.Sent> missed = s.attach(c, after, replaced);
        held.add(c);
        metrics.held(transport).incrementAndGet();
        c.open(s, after, (int) s.plan().settings().retry().toMillis(), headers);
        sendMissed(s, c, missed, replaced[0]);
        return c;
    }

    @Override
    public boolean multiplex(HeldResponse<Subscription> c, Subscription s) {
        if (c.released()) {
            return false;
        }
        c.add(s);
        HeldResponse<?>[] replaced = new HeldResponse<?>[1];
        sendMissed(s, c, s.attach(c, 0, replaced), replaced[0]);
        return true;
    }

    private void sendMissed(Subscription s, HeldResponse<Subscription> c, List<Subscription.Sent> missed, HeldResponse<?> old) {
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
            if (!Transports.multiplexes(c.transport())) {
                break; // a long-poll answer carries one event
            }
        }
        if (oneShot) {
            forget(s);
        }
    }

    @Override
    public Outcome deliver(Subscription s, EventFrame frame) {
        long[] seq = new long[1];
        HeldResponse<Subscription> c = s.accept(frame, seq);
        if (c == null) {
            return notTaken(s, seq[0]) ? Outcome.GONE : Outcome.QUEUED;
        }
        boolean last = s.ended();
        if (last) {
            forget(s);
        }
        long n = seq[0];
        c.execute(() -> c.send(s, n, frame, last));
        return Outcome.DELIVERED;
    }

    /** True when {@link Subscription#accept} did not take the event; one that broke the replay budget ends. */
    private boolean notTaken(Subscription s, long seq) {
        if (seq == Subscription.OVER_BUDGET) {
            metrics.disconnect("replay-budget");
            LOG.warning(() -> s.logLine("replay-budget-spent").with("budget-bytes", budget.limit())
                    .with("help", "a subscription that no client holds ends when its events do not fit").toString());
            endAndTell(s, "replay-budget");
        }
        return seq < 0;
    }

    /** One write of a fan-out, for the response's IO thread. */
    private record Write(HeldResponse<Subscription> c, Subscription s, long seq, boolean last) {}

    /**
     * Each subscription is numbered and buffered here, then the writes go to each IO thread as
     * one task carrying that thread's list (not a task per response), and this thread's own
     * share is written last, inline, so the other threads start writing first.
     */
    @Override
    public FanOut deliverAll(Iterable<Subscription> subs, EventFrame frame) {
        Map<Executor, List<Write>> byThread = new HashMap<>(4);
        long[] seq = new long[1];
        int delivered = 0;
        int queued = 0;
        for (Subscription s : subs) {
            HeldResponse<Subscription> c = s.accept(frame, seq);
            if (c == null) {
                if (!notTaken(s, seq[0])) {
                    queued++;
                }
                continue;
            }
            boolean last = s.ended();
            if (last) {
                forget(s);
            }
            byThread.computeIfAbsent(c.executor(), t -> new ArrayList<>()).add(new Write(c, s, seq[0], last));
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

    /** A one-shot event reached a response that had just gone: the subscription comes back, detached, and waits one heartbeat. */
    @Override
    public void undelivered(Subscription s) {
        if (s.reopen()) {
            index(s);
            if (!s.plan().user().isEmpty()) {
                byUser.putIfAbsent(userKey(s), s);
            }
            waitForReturn(s);
        }
    }

    @Override
    public void released(HeldResponse<Subscription> c, String reason) {
        if (!held.contains(c)) {
            return;
        }
        if (c.streamHandle() != 0) {
            streams.remove(c.streamHandle());
        }
        for (Subscription s : c.feeds()) {
            if (s.detach(c)) {
                waitForReturn(s);
            }
        }
        // counted as held until its subscriptions wait for their client: whoever sees it gone sees their timers
        if (held.remove(c)) {
            metrics.held(c.transport()).decrementAndGet();
        }
        if (!"answered".equals(reason) && !"poll-timeout".equals(reason) && !"one-shot".equals(reason)) {
            LOG.fine(() -> LogLine.of("client-released").with("reason", reason).with("transport", c.transport().label()).toString());
        }
    }

    /** A detached subscription waits one heartbeat for its client; then it ends and the origin is told. */
    private void waitForReturn(Subscription s) {
        try {
            s.graceTimer(scheduler.schedule(Scheduler.DIRECT, () -> expire(s), s.plan().settings().heartbeat().toMillis()));
        } catch (RejectedExecutionException stopped) {
            endAndTell(s, "server-stop");
        }
    }

    /** Ends the feeds of {@code c} whose token has expired (the origin is told); true when none is left (DESIGN §4). */
    @Override
    public boolean endExpired(HeldResponse<Subscription> c) {
        long now = clock.millis() / 1000;
        boolean live = false;
        for (Subscription s : c.feeds()) {
            if (s.expiredAt(now)) {
                if (s.end(new HeldResponse<?>[1])) {
                    forget(s);
                    unsubscriber.unsubscribe(s, "token-expired");
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

    @Override
    public void slow(HeldResponse<Subscription> c) {
        metrics.disconnect("slow-client");
        LOG.info(() -> LogLine.of("slow-client-disconnected").with("transport", c.transport().label())
                .with("queued-bytes-over", maxQueuedBytes).toString());
    }

    private void expire(Subscription s) {
        if (s.expire()) {
            forget(s);
            unsubscriber.unsubscribe(s, "client-gone");
        }
    }

    @Override
    public void endAndTell(Subscription s, String why) {
        HeldResponse<?>[] had = new HeldResponse<?>[1];
        if (!s.end(had)) {
            return;
        }
        forget(s);
        HeldResponse<?> c = had[0];
        if (c != null) {
            c.execute(() -> c.close(why));
        }
        unsubscriber.unsubscribe(s, why);
    }

    /** Drops every index entry of a subscription that ended. */
    private void forget(Subscription s) {
        byToken.remove(s.token(), s);
        byHandle.remove(s.handle(), s);
        byEvent.computeIfPresent(s.eventKey(), (k, set) -> {
            set.remove(s);
            return set.isEmpty() ? null : set;
        });
        if (!s.plan().user().isEmpty()) {
            byUser.remove(userKey(s), s);
        }
    }

    @Override
    public void stop(Duration wait) {
        unsubscriber.stopRetrying();
        for (HeldResponse<Subscription> c : new ArrayList<>(held)) {
            c.execute(() -> c.close("server-stop"));
        }
        for (Subscription s : new ArrayList<>(byToken.values())) {
            endAndTell(s, "server-stop");
        }
        try {
            unsubscriber.awaitIdle(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
