package io.surrogate.server;

import io.surrogate.engine.SubscriptionPlan;
import io.surrogate.engine.SubscriptionType;
import io.surrogate.engine.token.TokenClaims;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Future;

/**
 * One subscription the origin accepted: its token, the client connection that currently holds
 * it (none between long-polls or while an SSE client reconnects), its event sequence and the
 * last events sent, for a client that resumes. State is guarded by the object's monitor; the
 * connection itself is only touched on its IO thread.
 */
final class Subscription {
    /** One event sent, or queued for the client's return. */
    record Sent(long seq, EventFrame frame) {}

    final long handle;
    final String handleHex;
    final String token;
    /** the token's expiry, seconds since the epoch: all a held subscription needs of its claims */
    final long expiresAt;
    final SubscriptionPlan plan;
    /** the client's Host, for the unsubscribe request when the rule names no origin */
    final String host;
    /** who may deliver to it: the origin key's name and the event id as the origin sends it */
    final String eventKey;

    private HeldConnection connection;
    private long seq;
    private ArrayDeque<Sent> recent;
    private boolean ended;
    private Future<?> grace;

    Subscription(long handle, String token, TokenClaims claims, SubscriptionPlan plan, String host, String eventKey) {
        this.handle = handle;
        this.handleHex = HexFormat.of().toHexDigits(handle);
        this.token = token;
        this.expiresAt = claims.expiresAt();
        this.plan = plan;
        this.host = host;
        this.eventKey = eventKey;
    }

    boolean expiredAt(long epochSecond) {
        return epochSecond >= expiresAt;
    }

    SubscriptionType type() {
        return plan.settings().type();
    }

    String id(long sequence) {
        return handleHex + '-' + sequence;
    }

    /** Whether a resuming request's plan names this same subscription. */
    boolean sameAs(SubscriptionPlan other) {
        return plan.eventId().equals(other.eventId()) && plan.user().equals(other.user())
                && plan.customerCode().equals(other.customerCode());
    }

    /** What a delivery found. */
    enum Outcome { DELIVERED, QUEUED, GONE }

    /**
     * Numbers the event, remembers it for a resume, and names the connection to write it to
     * (null when detached). A one-shot subscription ends with its event.
     */
    synchronized HeldConnection accept(EventFrame frame, long[] seqOut) {
        if (ended) {
            return null;
        }
        long s = ++seq;
        seqOut[0] = s;
        int bound = Math.max(1, plan.settings().replayBuffer());
        if (recent == null) {
            recent = new ArrayDeque<>(Math.min(bound, 4));
        }
        if (recent.size() >= bound) {
            recent.pollFirst();
        }
        recent.addLast(new Sent(s, frame));
        HeldConnection c = connection;
        if (c != null && type() == SubscriptionType.ONE_SHOT) {
            ended = true;
            connection = null;
        }
        return c;
    }

    synchronized boolean ended() {
        return ended;
    }

    synchronized long seq() {
        return seq;
    }

    /**
     * Makes {@code c} the connection of this subscription; returns the events after {@code after}
     * that it must send now, or null when the subscription has ended. A one-shot subscription
     * with an event waiting ends with it.
     */
    synchronized List<Sent> attach(HeldConnection c, long after, HeldConnection[] replaced) {
        if (ended) {
            return null;
        }
        cancelGrace();
        replaced[0] = connection != c ? connection : null;
        connection = c;
        List<Sent> out = new ArrayList<>(0);
        if (recent != null) {
            for (Sent s : recent) {
                if (s.seq() > after) {
                    out.add(s);
                }
            }
        }
        if (!out.isEmpty() && type() == SubscriptionType.ONE_SHOT) {
            ended = true;
            connection = null;
            return List.of(out.get(0));
        }
        return out;
    }

    /** The connection went away; true when this was its connection and the wait for its return starts. */
    synchronized boolean detach(HeldConnection c) {
        if (ended || connection != c) {
            return false;
        }
        connection = null;
        return true;
    }

    /** Undoes the end of a one-shot subscription whose event could not be written; false if it was not ended. */
    synchronized boolean reopen() {
        if (!ended) {
            return false;
        }
        ended = false;
        connection = null;
        return true;
    }

    synchronized void graceTimer(Future<?> timer) {
        cancelGrace();
        grace = timer;
    }

    /** Ends a detached subscription whose client did not come back; false if it did, or it already ended. */
    synchronized boolean expire() {
        if (ended || connection != null) {
            return false;
        }
        ended = true;
        grace = null;
        return true;
    }

    /**
     * Ends it whatever its state (server stop, duplicate, expiry); false if it had already
     * ended. The connection it had, if any, goes to {@code had[0]}.
     */
    synchronized boolean end(HeldConnection[] had) {
        if (ended) {
            return false;
        }
        ended = true;
        cancelGrace();
        had[0] = connection;
        connection = null;
        return true;
    }

    private void cancelGrace() {
        if (grace != null) {
            grace.cancel(false);
            grace = null;
        }
    }

    @Override
    public String toString() {
        return "subscription " + handleHex + " (event " + plan.eventId() + (plan.user().isEmpty() ? "" : ", user " + plan.user()) + ")";
    }
}
