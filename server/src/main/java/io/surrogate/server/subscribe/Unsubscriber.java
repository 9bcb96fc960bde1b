package io.surrogate.server.subscribe;

import io.surrogate.engine.EdgeEnvironment;
import io.surrogate.engine.OriginRequest;
import io.surrogate.engine.Subscriptions;
import io.surrogate.engine.request.EdgeRequest;
import io.surrogate.engine.request.Headers;
import io.surrogate.engine.token.KeySource;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.server.metrics.ServerMetrics;
import io.surrogate.server.time.Scheduler;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Tells the origin that a subscription ended: {@code POST /unsubscribe-event}, edge-signed,
 * retried with backoff until acknowledged (2xx or 404) or the budget runs out. Once the edge
 * stops, each notice is sent once and never retried. Every notice is counted from its first
 * attempt to its end, whatever fails on the way, so a stop waits only for notices really out.
 */
final class Unsubscriber {
    private static final Logger LOG = Logger.getLogger("surrogate.hub");
    /** the waits between unsubscribe attempts: five attempts in all */
    static final long[] BACKOFF_MILLIS = {500, 1000, 2000, 4000};

    private final OriginCalls origin;
    private final ServerMetrics metrics;
    private final Scheduler scheduler;
    private final Supplier<EdgeEnvironment> env;
    private final Supplier<? extends KeySource> keys;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private int inFlight;
    private volatile boolean stopping;

    Unsubscriber(OriginCalls origin, ServerMetrics metrics, Scheduler scheduler, Supplier<EdgeEnvironment> env,
            Supplier<? extends KeySource> keys) {
        this.origin = origin;
        this.keys = keys;
        this.metrics = metrics;
        this.scheduler = scheduler;
        this.env = env;
    }

    void unsubscribe(Subscription s, String why) {
        Optional<URI> target;
        try {
            target = origin.target(request(s));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, s.logLine("unsubscribe-failed").toString(), e);
            return;
        }
        if (target.isEmpty()) {
            metrics.unsubscribe("no-origin");
            return;
        }
        lock.lock();
        try {
            inFlight++;
        } finally {
            lock.unlock();
        }
        attempt(s, target.get(), 0, why);
    }

    /** Notices not yet acknowledged or given up, retries waiting included. */
    int inFlight() {
        lock.lock();
        try {
            return inFlight;
        } finally {
            lock.unlock();
        }
    }

    /** From now on no notice is retried: the edge stops. */
    void stopRetrying() {
        stopping = true;
    }

    /** Waits up to {@code wait} for the notices out. True when none is left. */
    boolean awaitIdle(Duration wait) throws InterruptedException {
        long nanos = wait.toNanos();
        lock.lock();
        try {
            while (inFlight > 0 && nanos > 0) {
                nanos = idle.awaitNanos(nanos);
            }
            return inFlight == 0;
        } finally {
            lock.unlock();
        }
    }

    private void done() {
        lock.lock();
        try {
            if (--inFlight <= 0) {
                inFlight = 0;
                idle.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Signed afresh for every attempt: a retry is a new request with its own nonce, never a replay. */
    private OriginRequest request(Subscription s) {
        EdgeRequest hostOnly = new EdgeRequest("POST", "/", "", "",
                s.host() == null ? Headers.EMPTY : Headers.builder().add("Host", s.host()).build(), new byte[0],
                InetAddress.getLoopbackAddress(), 0, 0);
        return Subscriptions.unsubscribe(s.plan(), hostOnly, s.token(), env.get(), signingKey(s.plan().settings().originKey()));
    }

    /**
     * The keyring's current version of the rule's origin key: a subscription may outlive a
     * rotation, and the origin may no longer hold the secret that was primary when it began.
     */
    private NamedKey signingKey(NamedKey compiledWith) {
        KeySource current = keys.get();
        return current == null ? compiledWith
                : current.find(compiledWith.name()).filter(k -> k.purpose() == compiledWith.purpose()).orElse(compiledWith);
    }

    private void attempt(Subscription s, URI uri, int attempt, String why) {
        long started = scheduler.nanoTime();
        try {
            origin.send(uri, request(s), () -> request(s), s.plan().settings().originTimeout()).whenComplete((answer, error) -> {
                try {
                    metrics.originLatency(false).record(scheduler.nanoTime() - started, TimeUnit.NANOSECONDS);
                    answered(s, uri, attempt, why, answer);
                } catch (RuntimeException e) {
                    failed(s, attempt, e);
                }
            });
        } catch (RuntimeException e) {
            failed(s, attempt, e);
        }
    }

    private void failed(Subscription s, int attempt, RuntimeException e) {
        done();
        metrics.unsubscribe("given-up");
        LOG.log(Level.WARNING, s.logLine("unsubscribe-given-up").with("attempts", attempt + 1).with("last", "failed").toString(), e);
    }

    private void answered(Subscription s, URI uri, int attempt, String why, OriginAnswer answer) {
        boolean acknowledged = answer != null && answer.failure() == null && (answer.status() / 100 == 2 || answer.status() == 404);
        if (acknowledged) {
            done();
            metrics.unsubscribe("acknowledged");
            LOG.fine(() -> s.logLine("unsubscribed").with("reason", why).toString());
            return;
        }
        String what = answer == null ? "failed" : answer.describe();
        if (attempt >= BACKOFF_MILLIS.length || stopping) {
            done();
            metrics.unsubscribe("given-up");
            LOG.warning(() -> s.logLine("unsubscribe-given-up").with("attempts", attempt + 1).with("last", what).toString());
            return;
        }
        metrics.unsubscribe("retried");
        LOG.fine(() -> s.logLine("unsubscribe-retry").with("attempt", attempt + 1).with("last", what).toString());
        try {
            scheduler.schedule(Scheduler.DIRECT, () -> attempt(s, uri, attempt + 1, why), BACKOFF_MILLIS[attempt]);
        } catch (RejectedExecutionException stopped) {
            done();
        }
    }
}
