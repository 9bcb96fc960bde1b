package io.surrogate.server.subscribe;

import io.surrogate.engine.Decision;
import io.surrogate.engine.EdgeEnvironment;
import io.surrogate.engine.SubscriptionPlan;
import io.surrogate.engine.SubscriptionType;
import io.surrogate.engine.Transport;
import io.surrogate.engine.token.KeySource;
import io.surrogate.server.LogLine;
import io.surrogate.server.metrics.ServerMetrics;
import io.surrogate.server.subscribe.Subscription.Client;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The in-memory {@link SubscriptionRegistry}: concurrent maps by token, client handle, event
 * and user, the held responses, and the listener of every held response (so a response reports
 * here and never calls back into anything else). Timers come from the injected
 * {@link Scheduler}, time from the injected clock.
 */
public final class LocalRegistry implements SubscriptionRegistry, HeldResponse.Listener<Client> {
    private static final Logger LOG = Logger.getLogger("surrogate.hub");
    private static final CompletionStage<Boolean> HELD_HERE = CompletableFuture.completedFuture(true);

    /** Clients of one user share a subscription when their rules agree on who delivers to it and how it ends. */
    private record UserKey(String customerCode, String user, String eventKey, SubscriptionType type) {}

    private final SecureRandom random = new SecureRandom();
    private final ConcurrentHashMap<String, Subscription> byToken = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Client> byHandle = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<Subscription>> byEvent = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<UserKey, Subscription> byUser = new ConcurrentHashMap<>();
    /** every subscription until it ends, spent one-shot subscriptions whose clients come back for their event included */
    private final Set<Subscription> all = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<Long, HeldResponse<Client>> streams = new ConcurrentHashMap<>();
    private final Set<HeldResponse<Client>> held = ConcurrentHashMap.newKeySet();
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
    /** told of the subscriptions' lives; {@link RegistryEvents#NONE} for an edge alone */
    private volatile RegistryEvents events = RegistryEvents.NONE;

    public LocalRegistry(OriginCalls origin, ServerMetrics metrics, Supplier<EdgeEnvironment> env, Scheduler scheduler,
            InstantSource clock, ReplayBudget budget, int maxQueuedBytes, Supplier<? extends KeySource> keys) {
        this.unsubscriber = new Unsubscriber(origin, metrics, scheduler, env, keys);
        this.scheduler = scheduler;
        this.clock = clock;
        this.metrics = metrics;
        this.budget = budget;
        this.maxQueuedBytes = maxQueuedBytes;
        metrics.gauge("surrogate.subscriptions", "Subscriptions the edge holds, attached or waiting for their client", all::size);
        metrics.gauge("surrogate.subscription.clients", "Clients of the edge's subscriptions: held, waiting for their return, or joining",
                byHandle::size);
        metrics.gauge("surrogate.replay.detached.bytes", "Bytes of events kept for subscriptions no client holds", budget::used);
    }

    /** Tells {@code events} what happens to the subscriptions from now on (issue 13: the edges on Redis). */
    public void listen(RegistryEvents listener) {
        this.events = java.util.Objects.requireNonNull(listener);
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

    private static UserKey userKey(SubscriptionPlan p, String eventKey) {
        return new UserKey(p.customerCode(), p.user(), eventKey, p.settings().type());
    }

    @Override
    public Place join(SubscriptionPlan plan, String eventKey, Waiter waiter) {
        if (plan.user().isEmpty()) {
            return null;
        }
        Subscription s = byUser.get(userKey(plan, eventKey));
        if (s == null || s.expiredAt(clock.millis() / 1000)) {
            return null;
        }
        boolean[] out = new boolean[2];
        Client c = s.join(newHandle(), plan.settings().maxClients(), waiter, out);
        if (out[0]) {
            return new Full(plan.settings().maxClients());
        }
        if (c == null) {
            return null;
        }
        byHandle.put(c.handle(), c);
        if (s.ended()) {
            byHandle.remove(c.handle(), c);
            return null;
        }
        if (!out[1]) {
            events.joined(c);
        }
        LOG.fine(() -> s.logLine("client-joined").with("clients", s.clients()).with("origin-answered", !out[1]).toString());
        return new Seat(c, out[1]);
    }

    @Override
    public Client register(String token, long expiresAt, SubscriptionPlan plan, String host, String eventKey) {
        Subscription s = new Subscription(newHandle(), token, expiresAt, plan, host, eventKey, budget);
        Client first = s.first();
        if (!plan.user().isEmpty()) {
            long now = clock.millis() / 1000;
            Subscription shared = byUser.compute(userKey(plan, eventKey),
                    (k, old) -> old != null && old.joinable() && !old.expiredAt(now) ? old : s);
            if (shared != s) {
                return null;
            }
        }
        all.add(s);
        byHandle.put(first.handle(), first);
        byToken.put(s.token(), s);
        byEvent.compute(s.eventKey(), (k, set) -> {
            Set<Subscription> out = set == null ? ConcurrentHashMap.newKeySet() : set;
            if (set == null) {
                events.eventHeld(k); // under the index's lock: held and released in the index's order
            }
            out.add(s);
            return out;
        });
        return first;
    }

    @Override
    public void answered(Subscription s, OriginAnswer answer, Throwable error) {
        List<Client> joined = s.answered(error == null && answer != null && answer.accepted());
        if (s.ended()) {
            forget(s);
        } else {
            events.accepted(s);
        }
        for (Client c : joined) {
            Waiter w = s.takeWaiter(c);
            if (w != null) {
                w.answered(c, answer, error);
            }
        }
    }

    @Override
    public Client takeOver(TakeOver.Shared shared, SubscriptionPlan plan, long clientHandle, long sequence, long position) {
        long sid = Long.parseUnsignedLong(shared.sid(), 16);
        Subscription s = new Subscription(sid, shared.token(), shared.expiresAt(), plan, shared.host(), shared.eventKey(), budget);
        Client c = s.takenOver(clientHandle, sequence, position);
        if (byToken.putIfAbsent(s.token(), s) != null) {
            return null;
        }
        if (byHandle.putIfAbsent(clientHandle, c) != null) {
            byToken.remove(s.token(), s);
            return null;
        }
        if (!plan.user().isEmpty()) {
            long now = clock.millis() / 1000;
            Subscription here = byUser.compute(userKey(plan, s.eventKey()),
                    (k, old) -> old != null && old.joinable() && !old.expiredAt(now) ? old : s);
            if (here != s) {
                byToken.remove(s.token(), s);
                byHandle.remove(clientHandle, c);
                return null;
            }
        }
        all.add(s);
        byEvent.compute(s.eventKey(), (k, set) -> {
            Set<Subscription> out = set == null ? ConcurrentHashMap.newKeySet() : set;
            out.add(s);
            return out;
        });
        events.accepted(s);
        return c;
    }

    @Override
    public void discard(Subscription s) {
        List<HeldResponse<Client>> had = new ArrayList<>(0);
        if (s.end(had)) {
            forget(s);
            closeAll(had, null, "ended");
        }
    }

    @Override
    public void decline(Client c, String why) {
        left(c, c.subscription().decline(c), why);
    }

    /** What follows a client's leaving: its handle forgotten; the subscription's end when it was the last. */
    private void left(Client c, Subscription.Left how, String why) {
        if (how == Subscription.Left.REMOVED || how == Subscription.Left.LAST) {
            byHandle.remove(c.handle(), c);
        }
        if (how == Subscription.Left.LAST) {
            Subscription s = c.subscription();
            tellOrigin(s, forget(s), why);
        }
    }

    @Override
    public Subscription byToken(String token) {
        return byToken.get(token);
    }

    @Override
    public Client byHandle(long handle) {
        return byHandle.get(handle);
    }

    @Override
    public Iterable<Subscription> byEvent(String key) {
        Set<Subscription> s = byEvent.get(key);
        return s == null ? Set.of() : s;
    }

    @Override
    public HeldResponse<Client> stream(long handle) {
        return streams.get(handle);
    }

    @Override
    public int size() {
        return all.size();
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
     * The client is attached before the response is counted as held, so a delivery that sees
     * the response held finds it attached; a delivery from another thread in the meantime is
     * written after this task, once the response has started.
     */
    @Override
    public HeldResponse<Client> hold(HttpServerExchange exchange, Client c, Transport transport,
            List<Decision.HeaderField> headers, long after, boolean streamType, Notice notice) {
        Subscription s = c.subscription();
        long streamHandle = streamType && Transports.multiplexes(transport) ? newHandle() : 0;
        HeldResponse<Client> r = Transports.open(transport, exchange, this, scheduler,
                s.plan().settings().heartbeat().toMillis(), maxQueuedBytes, streamHandle);
        if (streamHandle != 0) {
            streams.put(streamHandle, r);
        }
        HeldResponse<?>[] replaced = new HeldResponse<?>[1];
        List<Subscription.Sent> missed = s.attach(c, r, after, replaced);
        if (missed != null && byHandle.putIfAbsent(c.handle(), c) == null && s.ended()) {
            byHandle.remove(c.handle(), c); // it came back as its wait ran out, and the subscription ended meanwhile
        }
        held.add(r);
        metrics.held(transport).incrementAndGet();
        r.open(c, after, (int) s.plan().settings().retry().toMillis(), headers);
        if (notice != null) {
            r.notice(notice.event(), notice.data());
        }
        sendMissed(c, r, missed, replaced[0]);
        return r;
    }

    @Override
    public boolean multiplex(HeldResponse<Client> stream, Client c) {
        if (stream.released()) {
            return false;
        }
        for (Client other : stream.feeds()) {
            if (other.subscription() == c.subscription()) {
                decline(c, "stream-gone"); // its subscription is on this stream already: its events come there once
                return true;
            }
        }
        stream.add(c);
        HeldResponse<?>[] replaced = new HeldResponse<?>[1];
        sendMissed(c, stream, c.subscription().attach(c, stream, c.start(), replaced), replaced[0]);
        return true;
    }

    private void sendMissed(Client c, HeldResponse<Client> r, List<Subscription.Sent> missed, HeldResponse<?> old) {
        if (old != null) {
            old.execute(() -> old.close("resumed-elsewhere"));
        }
        if (missed == null) {
            r.close("ended");
            return;
        }
        boolean spent = c.subscription().spent();
        if (spent && missed.isEmpty()) {
            r.close("ended"); // a one-shot subscription whose event this client had: nothing will come
            return;
        }
        for (Subscription.Sent sent : missed) {
            r.send(c, sent.seq(), sent.frame(), spent);
            if (!Transports.multiplexes(r.transport())) {
                break; // a long-poll answer carries one event
            }
        }
    }

    @Override
    public Outcome deliver(Subscription s, EventFrame frame) {
        List<Subscription.Write> writes = new ArrayList<>(1);
        long seq = s.accept(frame, writes);
        if (seq == Subscription.ALREADY) {
            return Outcome.DELIVERED; // its client has it
        }
        if (seq < 0) {
            notTaken(s, seq);
            return Outcome.GONE;
        }
        if (s.type() == SubscriptionType.ONE_SHOT) {
            unindex(s); // spent: its token takes nothing more
        }
        if (writes.isEmpty()) {
            return Outcome.QUEUED;
        }
        for (Subscription.Write w : writes) {
            w.response().execute(() -> w.response().send(w.client(), w.seq(), frame, w.last()));
        }
        return Outcome.DELIVERED;
    }

    /** {@link Subscription#accept} did not take the event; one that broke the replay budget ends. */
    private void notTaken(Subscription s, long seq) {
        if (seq == Subscription.OVER_BUDGET) {
            metrics.disconnect("replay-budget");
            LOG.warning(() -> s.logLine("replay-budget-spent").with("budget-bytes", budget.limit())
                    .with("help", "a subscription that no client holds ends when its events do not fit").toString());
            endAndTell(s, "replay-budget");
        }
    }

    /**
     * Each subscription is numbered and buffered here, then the writes (one per held client)
     * go to each IO thread as one task carrying that thread's list (not a task per response),
     * and this thread's own share is written last, inline, so the other threads start writing
     * first.
     */
    @Override
    public FanOut deliverAll(Iterable<Subscription> subs, EventFrame frame) {
        Map<Executor, List<Subscription.Write>> byThread = new HashMap<>(4);
        List<Subscription.Write> writes = new ArrayList<>(2);
        int delivered = 0;
        int queued = 0;
        for (Subscription s : subs) {
            writes.clear();
            long seq = s.accept(frame, writes);
            if (seq == Subscription.ALREADY) {
                delivered++; // its client has it
                continue;
            }
            if (seq < 0) {
                notTaken(s, seq);
                continue;
            }
            if (s.type() == SubscriptionType.ONE_SHOT) {
                unindex(s);
            }
            if (writes.isEmpty()) {
                queued++;
                continue;
            }
            delivered++;
            for (Subscription.Write w : writes) {
                byThread.computeIfAbsent(w.response().executor(), t -> new ArrayList<>()).add(w);
            }
        }
        Thread self = Thread.currentThread();
        List<Subscription.Write> mine = null;
        for (var e : byThread.entrySet()) {
            if (e.getKey() == self) {
                mine = e.getValue();
            } else {
                List<Subscription.Write> batch = e.getValue();
                e.getKey().execute(() -> batch.forEach(w -> w.response().send(w.client(), w.seq(), frame, w.last())));
            }
        }
        if (mine != null) {
            mine.forEach(w -> w.response().send(w.client(), w.seq(), frame, w.last()));
        }
        return new FanOut(delivered, queued);
    }

    /**
     * A one-shot event reached a response that had just gone: its release already made the
     * client wait one heartbeat for its return, and the event waits in the subscription's buffer.
     */
    @Override
    public void undelivered(Client c) {
        LOG.fine(() -> c.subscription().logLine("one-shot-undelivered").toString());
    }

    @Override
    public void released(HeldResponse<Client> r, String reason) {
        if (!held.contains(r)) {
            return;
        }
        if (r.streamHandle() != 0) {
            streams.remove(r.streamHandle());
        }
        // a one-shot response that ended with its event: that client is finished
        boolean done = "one-shot".equals(reason) || "answered".equals(reason);
        for (Client c : r.feeds()) {
            Subscription.Left how = c.subscription().detach(c, r, done);
            if (how == Subscription.Left.WAITS) {
                waitForReturn(c);
            } else {
                left(c, how, "one-shot");
            }
        }
        // counted as held until its clients wait for their return: whoever sees it gone sees their timers
        if (held.remove(r)) {
            metrics.held(r.transport()).decrementAndGet();
        }
        if (!"answered".equals(reason) && !"poll-timeout".equals(reason) && !"one-shot".equals(reason)) {
            LOG.fine(() -> LogLine.of("client-released").with("reason", reason).with("transport", r.transport().label()).toString());
        }
    }

    /** A detached client waits one heartbeat for its return; then it leaves, and with the last one the subscription ends and the origin is told. */
    private void waitForReturn(Client c) {
        Subscription s = c.subscription();
        try {
            s.graceTimer(c, scheduler.schedule(Scheduler.DIRECT, () -> left(c, s.expire(c), "client-gone"),
                    s.plan().settings().heartbeat().toMillis()));
        } catch (RejectedExecutionException stopped) {
            endAndTell(s, "server-stop");
        }
    }

    /** Ends the subscriptions on {@code r} whose token has expired (the origin told, their other clients closed); true when none is left (DESIGN §4). */
    @Override
    public boolean endExpired(HeldResponse<Client> r) {
        long now = clock.millis() / 1000;
        boolean live = false;
        for (Client c : r.feeds()) {
            Subscription s = c.subscription();
            if (s.expiredAt(now)) {
                List<HeldResponse<Client>> had = new ArrayList<>(1);
                if (s.end(had)) {
                    CompletionStage<Boolean> mine = forget(s);
                    closeAll(had, r, "token-expired");
                    tellOrigin(s, mine, "token-expired");
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
    public void slow(HeldResponse<Client> r) {
        metrics.disconnect("slow-client");
        LOG.info(() -> LogLine.of("slow-client-disconnected").with("transport", r.transport().label())
                .with("queued-bytes-over", maxQueuedBytes).toString());
    }

    @Override
    public void endAndTell(Subscription s, String why) {
        List<HeldResponse<Client>> had = new ArrayList<>(1);
        if (!s.end(had)) {
            return;
        }
        CompletionStage<Boolean> mine = forget(s);
        closeAll(had, null, why);
        // at a stop the origin is told at once: the stop waits for the notices in flight, not for Redis
        tellOrigin(s, "server-stop".equals(why) ? CompletableFuture.completedFuture(true) : mine, why);
    }

    /**
     * Issue 13, the reaper: tells the origin that a subscription no edge holds any more has ended
     * (another edge held it and died), from what its record on Redis says. Sent and retried like
     * every unsubscribe notice, and counted among them; nothing is registered here.
     */
    public void unsubscribeOrphan(long handle, String token, long expiresAt, SubscriptionPlan plan, String host, String why) {
        unsubscriber.unsubscribe(new Subscription(handle, token, expiresAt, plan, host, "", budget), why);
    }

    /** Closes each response but {@code except}, on its own IO thread. */
    private static void closeAll(List<HeldResponse<Client>> responses, HeldResponse<Client> except, String why) {
        for (HeldResponse<Client> r : responses) {
            if (r != except) {
                r.execute(() -> r.close(why));
            }
        }
    }

    /** Drops the entries deliveries and new clients find a subscription by: it is spent or ended. */
    private void unindex(Subscription s) {
        byToken.remove(s.token(), s);
        byEvent.computeIfPresent(s.eventKey(), (k, set) -> {
            set.remove(s);
            if (set.isEmpty()) {
                events.eventReleased(k);
                return null;
            }
            return set;
        });
        if (!s.plan().user().isEmpty()) {
            byUser.remove(userKey(s.plan(), s.eventKey()), s);
        }
    }

    /**
     * Drops every index entry of a subscription that ended, its clients' handles included;
     * completes with whether this edge still held it (false: another edge took it over, issue 13).
     */
    private CompletionStage<Boolean> forget(Subscription s) {
        unindex(s);
        all.remove(s);
        for (Client c : s.clientList()) {
            byHandle.remove(c.handle(), c);
        }
        return s.wasAccepted() ? events.ended(s) : HELD_HERE;
    }

    /** The origin is told of the end of {@code s} if it must be, and if this edge still held it (a failed check counts as held). */
    private void tellOrigin(Subscription s, CompletionStage<Boolean> mine, String why) {
        if (!s.tell()) {
            return;
        }
        mine.whenComplete((held, e) -> {
            if (e != null || held == null || held) {
                unsubscriber.unsubscribe(s, why);
            } else {
                LOG.fine(() -> s.logLine("ended-taken-over").toString());
            }
        });
    }

    @Override
    public void stop(Duration wait) {
        unsubscriber.stopRetrying();
        for (HeldResponse<Client> r : new ArrayList<>(held)) {
            r.execute(() -> r.close("server-stop"));
        }
        for (Subscription s : new ArrayList<>(all)) {
            endAndTell(s, "server-stop");
        }
        try {
            unsubscriber.awaitIdle(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
