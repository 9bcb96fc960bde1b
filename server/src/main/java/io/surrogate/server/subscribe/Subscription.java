package io.surrogate.server.subscribe;

import io.surrogate.engine.SubscriptionPlan;
import io.surrogate.engine.SubscriptionType;
import io.surrogate.server.LogLine;
import io.surrogate.server.time.Scheduler;
import io.surrogate.server.transport.EventFrame;
import io.surrogate.server.transport.HeldResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * One subscription the origin accepted: its token, the client response that currently holds
 * it (none between long-polls or while an SSE client reconnects), its event sequence and the
 * last events sent, for a client that resumes. State is guarded by the object's monitor; the
 * response itself is only touched on its IO thread.
 *
 * <p>Events that arrive while no response holds it are charged to the edge's
 * {@link ReplayBudget} until the client takes them or they leave the buffer.
 */
public final class Subscription implements HeldResponse.Feed {
    /** One event sent, or queued for the client's return. */
    record Sent(long seq, EventFrame frame) {}

    /** {@link #accept} found the subscription ended, or a one-shot one already has its event. */
    static final long SPENT = -1;
    /** {@link #accept} found the edge's replay budget spent. */
    static final long OVER_BUDGET = -2;

    private final long handle;
    private final String handleHex;
    private final String token;
    /** the token's expiry, seconds since the epoch: all a held subscription needs of its claims */
    private final long expiresAt;
    private final SubscriptionPlan plan;
    /** the client's Host, for the unsubscribe request when the rule names no origin */
    private final String host;
    /** who may deliver to it: the origin key's name and the event id as the origin sends it */
    private final String eventKey;
    private final ReplayBudget budget;

    private HeldResponse<Subscription> connection;
    private long seq;
    private ArrayDeque<Sent> recent;
    private boolean ended;
    private Scheduler.Timer grace;
    /** bytes of buffered events charged to the budget, and the first such event's number (0: none) */
    private long charged;
    private long chargedFrom;

    public Subscription(long handle, String token, long expiresAt, SubscriptionPlan plan, String host, String eventKey,
            ReplayBudget budget) {
        this.handle = handle;
        this.handleHex = HexFormat.of().toHexDigits(handle);
        this.token = token;
        this.expiresAt = expiresAt;
        this.plan = plan;
        this.host = host;
        this.eventKey = eventKey;
        this.budget = budget;
    }

    public long handle() {
        return handle;
    }

    public String token() {
        return token;
    }

    public long expiresAt() {
        return expiresAt;
    }

    public SubscriptionPlan plan() {
        return plan;
    }

    String host() {
        return host;
    }

    String eventKey() {
        return eventKey;
    }

    /** The name of the origin key whose deliveries it takes. */
    public String originKeyName() {
        return plan.settings().originKey().name();
    }

    public boolean expiredAt(long epochSecond) {
        return epochSecond >= expiresAt;
    }

    SubscriptionType type() {
        return plan.settings().type();
    }

    @Override
    public String id(long sequence) {
        return handleHex + '-' + sequence;
    }

    @Override
    public synchronized long lastSeq() {
        return seq;
    }

    String handleHex() {
        return handleHex;
    }

    /** Whether a resuming request's plan names this same subscription. */
    boolean sameAs(SubscriptionPlan other) {
        return plan.eventId().equals(other.eventId()) && plan.user().equals(other.user())
                && plan.customerCode().equals(other.customerCode());
    }

    /**
     * Numbers the event, remembers it for a resume, and names the response to write it to (null
     * when none holds it; then {@code seqOut[0]} is the number, or {@link #SPENT} or
     * {@link #OVER_BUDGET} when it was not taken). A one-shot subscription ends with its event.
     */
    synchronized HeldResponse<Subscription> accept(EventFrame frame, long[] seqOut) {
        HeldResponse<Subscription> c = connection;
        if (ended || c == null && type() == SubscriptionType.ONE_SHOT && seq > 0) {
            seqOut[0] = SPENT;
            return null;
        }
        if (c == null) {
            if (!budget.charge(frame.size())) {
                seqOut[0] = OVER_BUDGET;
                return null;
            }
            charged += frame.size();
            if (chargedFrom == 0) {
                chargedFrom = seq + 1;
            }
        }
        long s = ++seq;
        seqOut[0] = s;
        int bound = Math.max(1, plan.settings().replayBuffer());
        if (recent == null) {
            recent = new ArrayDeque<>(Math.min(bound, 4));
        }
        if (recent.size() >= bound) {
            Sent dropped = recent.pollFirst();
            if (chargedFrom != 0 && dropped.seq() >= chargedFrom) {
                uncharge(dropped.frame().size());
            }
        }
        recent.addLast(new Sent(s, frame));
        if (c != null && type() == SubscriptionType.ONE_SHOT) {
            ended = true;
            connection = null;
        }
        return c;
    }

    private void uncharge(long bytes) {
        budget.release(bytes);
        charged -= bytes;
        if (charged <= 0) {
            charged = 0;
            chargedFrom = 0;
        }
    }

    private void unchargeAll() {
        if (charged > 0) {
            budget.release(charged);
        }
        charged = 0;
        chargedFrom = 0;
    }

    synchronized boolean ended() {
        return ended;
    }

    /**
     * Makes {@code c} the response of this subscription; returns the events after {@code after}
     * that it must send now, or null when the subscription has ended. A one-shot subscription
     * with an event waiting ends with it. The response it had before goes to {@code replaced[0]}.
     */
    @SuppressWarnings("unchecked")
    synchronized List<Sent> attach(HeldResponse<Subscription> c, long after, HeldResponse<?>[] replaced) {
        if (ended) {
            return null;
        }
        cancelGrace();
        unchargeAll();
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

    /** The response went away; true when this was its response and the wait for its return starts. */
    synchronized boolean detach(HeldResponse<Subscription> c) {
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

    synchronized void graceTimer(Scheduler.Timer timer) {
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
        unchargeAll();
        return true;
    }

    /**
     * Ends it whatever its state (server stop, duplicate, expiry); false if it had already
     * ended. The response it had, if any, goes to {@code had[0]}.
     */
    synchronized boolean end(HeldResponse<?>[] had) {
        if (ended) {
            return false;
        }
        ended = true;
        cancelGrace();
        unchargeAll();
        had[0] = connection;
        connection = null;
        return true;
    }

    private void cancelGrace() {
        if (grace != null) {
            grace.cancel();
            grace = null;
        }
    }

    /** A log line about this subscription: {@code subscription=HANDLE event-id=ID}, never its user. */
    LogLine logLine(String event) {
        return LogLine.of(event).with("subscription", handleHex).with("event-id", plan.eventId());
    }

    /** Names the subscription by its handle and event; never its user, which logs must not carry. */
    @Override
    public String toString() {
        return "subscription " + handleHex + " (event " + plan.eventId() + ")";
    }
}
