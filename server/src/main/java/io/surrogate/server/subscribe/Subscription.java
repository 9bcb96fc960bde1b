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
 * One subscription at the origin (one token) and the clients that share it: every client of
 * one user and event on this edge (two tabs, a phone and a laptop), each with its own handle
 * and its own response (none between long-polls or while an SSE client reconnects). The event
 * sequence and the buffer of the last events are the subscription's, shared by its clients, so
 * a client that resumes gets what it missed whichever client it is. State is guarded by the
 * subscription's monitor; a response itself is only touched on its IO thread.
 *
 * <p>Events that arrive while no client holds a response are charged to the edge's
 * {@link ReplayBudget} until a client takes them or they leave the buffer.
 *
 * <p>Its life: registered while the origin decides (its first client, and any that join
 * meanwhile, wait for that one answer); accepted; clients join, leave and come back; it ends
 * when its last client has left and had one heartbeat to come back (or at once: token expiry,
 * replay budget, server stop). A one-shot subscription is spent by its event: it takes no more
 * events and no new clients, and serves only those of its clients that have not had it.
 */
public final class Subscription {
    /** One event sent, or queued for the client's return. */
    record Sent(long seq, EventFrame frame) {}

    /** An event to write to one client's response; {@code last} ends the response after it (one-shot). */
    record Write(HeldResponse<Client> response, Client client, long seq, boolean last) {}

    /** {@link #accept} found the subscription ended or spent. */
    static final long SPENT = -1;
    /** {@link #accept} found the edge's replay budget spent. */
    static final long OVER_BUDGET = -2;
    /**
     * {@link #accept} found the event had already: its history position is one this subscription
     * has (in its buffer, or at or before where it was taken over from). With several edges an
     * event can come twice: sent on to a dying edge that wrote it before it died, then to the edge
     * that took the subscription over.
     */
    static final long ALREADY = -3;

    /** What {@link #detach} and {@link #expire} did to the client. */
    enum Left { NOTHING, WAITS, REMOVED, LAST }

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

    /** attached, waiting for their return, or with a place reserved (not yet held) */
    private final List<Client> clients = new ArrayList<>(1);
    private long seq;
    private ArrayDeque<Sent> recent;
    /** the origin answered 202 */
    private boolean accepted;
    /** the origin has answered (either way) */
    private boolean answered;
    /** a one-shot subscription that has its event */
    private boolean spent;
    private boolean ended;
    /** bytes of buffered events charged to the budget, and the first such event's number (0: none) */
    private long charged;
    private long chargedFrom;
    /** taken over from another edge: the last event its client had there, and that event's history position */
    private long takenAt = -1;
    private long takenAtPosition;

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

    /**
     * One client of a subscription: a tab, a phone. Its handle is the first part of the ids of
     * the events it receives, so the {@code Last-Event-ID} it comes back with names it (the first
     * client's handle is the subscription's). What a held response carries.
     */
    public static final class Client implements HeldResponse.Feed {
        private final Subscription subscription;
        private final long handle;
        private final String handleHex;
        /** the last event before it joined: what it is held from */
        private final long start;
        /** told the origin's answer, while its subscription waits for it (null otherwise) */
        private SubscriptionRegistry.Waiter waiter;
        /** guarded by the subscription: the response that holds it, or null */
        private HeldResponse<Client> response;
        /** guarded by the subscription: its wait for its return */
        private Scheduler.Timer grace;

        Client(Subscription subscription, long handle, long start, SubscriptionRegistry.Waiter waiter) {
            this.subscription = subscription;
            this.handle = handle;
            this.handleHex = handle == subscription.handle ? subscription.handleHex : HexFormat.of().toHexDigits(handle);
            this.start = start;
            this.waiter = waiter;
        }

        public Subscription subscription() {
            return subscription;
        }

        public long handle() {
            return handle;
        }

        /** The last event before it joined: a new client is held from there. */
        long start() {
            return start;
        }

        @Override
        public String id(long sequence) {
            return id(sequence, subscription.positionOf(sequence));
        }

        /** {@code HANDLE-SEQ}, and {@code .P} with the event's history position when it has one (several edges). */
        @Override
        public String id(long sequence, long position) {
            return position == 0 ? handleHex + '-' + sequence : handleHex + '-' + sequence + '.' + position;
        }

        @Override
        public long lastSeq() {
            return subscription.lastSeq();
        }

        /** Names the client by its handle and its subscription; never the user. */
        @Override
        public String toString() {
            return "client " + handleHex + " of " + subscription;
        }
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

    public String host() {
        return host;
    }

    public String eventKey() {
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

    /** The id of event {@code sequence} as its first client sees it ({@code HANDLE-SEQ}, without a history position). */
    public String id(long sequence) {
        return handleHex + '-' + sequence;
    }

    public synchronized long lastSeq() {
        return seq;
    }

    /** The history position of event {@code sequence} while it is in the buffer; 0 when it has none or has left it. */
    synchronized long positionOf(long sequence) {
        if (recent != null) {
            for (Sent s : recent) {
                if (s.seq() == sequence) {
                    return s.frame().position();
                }
            }
        }
        return sequence == takenAt ? takenAtPosition : 0;
    }

    /** Under the monitor: whether an event at history {@code position} came already (taken over at or after it, or buffered). */
    private boolean hasPosition(long position) {
        if (takenAtPosition != 0 && position <= takenAtPosition) {
            return true;
        }
        if (recent != null) {
            for (Sent s : recent) {
                if (s.frame().position() == position) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Its one client when it is taken over from another edge (issue 13): the origin accepted it
     * there, the client keeps its handle {@code clientHandle}, and events go on after
     * {@code sequence}, the last one the client had, which was at history position {@code position}.
     */
    synchronized Client takenOver(long clientHandle, long sequence, long position) {
        seq = sequence;
        takenAt = sequence;
        takenAtPosition = position;
        answered = true;
        accepted = true;
        Client c = new Client(this, clientHandle, sequence, null);
        clients.add(c);
        return c;
    }

    /** Whether a resuming request's plan names this same subscription. */
    boolean sameAs(SubscriptionPlan other) {
        return plan.eventId().equals(other.eventId()) && plan.user().equals(other.user())
                && plan.customerCode().equals(other.customerCode());
    }

    /** Its first client, whose place is reserved while the origin is asked. */
    Client first() {
        Client c = new Client(this, handle, 0, null);
        synchronized (this) {
            clients.add(c);
        }
        return c;
    }

    /** Whether new clients may join it: not spent, not ended. */
    synchronized boolean joinable() {
        return !ended && !spent;
    }

    /**
     * Reserves a place for another client (handle {@code clientHandle}): null when it cannot be
     * joined (spent, ended) or it has {@code max} clients already (then {@code out[0]} is set).
     * While the origin decides, the client waits for the answer with {@code waiter} (then
     * {@code out[1]} is set); otherwise it is held from the latest event on.
     */
    synchronized Client join(long clientHandle, int max, SubscriptionRegistry.Waiter waiter, boolean[] out) {
        if (ended || spent) {
            return null;
        }
        if (clients.size() >= max) {
            out[0] = true;
            return null;
        }
        Client c = new Client(this, clientHandle, answered ? seq : 0, answered ? null : waiter);
        out[1] = !answered;
        clients.add(c);
        return c;
    }

    /**
     * The origin answered: accepted, or not (then it ends). Returns the clients that joined
     * while it decided, each to be told with its waiter.
     */
    synchronized List<Client> answered(boolean ok) {
        answered = true;
        accepted = ok;
        if (!ok) {
            ended = true;
            unchargeAll();
        }
        List<Client> told = new ArrayList<>(0);
        for (Client c : clients) {
            if (c.waiter != null) {
                told.add(c);
            }
        }
        return told;
    }

    /** Takes the waiter of a client that joined while the origin decided. */
    synchronized SubscriptionRegistry.Waiter takeWaiter(Client c) {
        SubscriptionRegistry.Waiter w = c.waiter;
        c.waiter = null;
        return w;
    }

    /** Whether the origin accepted it (here, or at the edge it was taken over from). */
    synchronized boolean wasAccepted() {
        return accepted;
    }

    synchronized boolean spent() {
        return spent;
    }

    synchronized boolean ended() {
        return ended;
    }

    /** Clients attached, waiting for their return, or with a place reserved. */
    synchronized int clients() {
        return clients.size();
    }

    /**
     * Numbers the event, remembers it for a resume, and adds a write for each client a response
     * holds to {@code out}. Returns the event's number, or {@link #SPENT} or {@link #OVER_BUDGET}
     * when it was not taken. No write means that no client is held: the event waits in the
     * buffer for a client's return. A one-shot subscription is spent by its event.
     */
    synchronized long accept(EventFrame frame, List<Write> out) {
        if (ended || spent) {
            return SPENT;
        }
        if (frame.position() != 0 && hasPosition(frame.position())) {
            return ALREADY;
        }
        boolean anyHeld = false;
        for (Client c : clients) {
            if (c.response != null) {
                anyHeld = true;
                break;
            }
        }
        if (!anyHeld) {
            if (!budget.charge(frame.size())) {
                return OVER_BUDGET;
            }
            charged += frame.size();
            if (chargedFrom == 0) {
                chargedFrom = seq + 1;
            }
        }
        long s = ++seq;
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
        boolean oneShot = type() == SubscriptionType.ONE_SHOT;
        spent = oneShot;
        if (anyHeld) {
            for (Client c : clients) {
                if (c.response != null) {
                    out.add(new Write(c.response, c, s, oneShot));
                }
            }
        }
        return s;
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

    /**
     * Makes {@code r} the response of client {@code c}; returns the events after {@code after}
     * that it must send now (of a spent one-shot subscription, its one event), or null when the
     * subscription has ended. The response the client had before goes to {@code replaced[0]}: a
     * client that comes back while the edge still holds its old response is one client, not two.
     */
    synchronized List<Sent> attach(Client c, HeldResponse<Client> r, long after, HeldResponse<?>[] replaced) {
        if (ended) {
            return null;
        }
        if (!clients.contains(c)) {
            // its wait ran out while it came back, but the subscription lives on with others
            clients.add(c);
        }
        cancelGrace(c);
        unchargeAll();
        replaced[0] = c.response != r ? c.response : null;
        c.response = r;
        c.waiter = null;
        List<Sent> out = new ArrayList<>(0);
        if (recent != null) {
            for (Sent s : recent) {
                if (s.seq() > after) {
                    out.add(s);
                }
            }
        }
        if (!out.isEmpty() && spent) {
            return List.of(out.get(0));
        }
        return out;
    }

    /**
     * Response {@code r} of client {@code c} went away. {@code done}: it ended with the client's
     * one-shot event, so the client is finished. Otherwise the client waits for its return.
     */
    synchronized Left detach(Client c, HeldResponse<Client> r, boolean done) {
        if (ended || c.response != r) {
            return Left.NOTHING;
        }
        c.response = null;
        if (done && spent) {
            return remove(c);
        }
        return Left.WAITS;
    }

    /** A client whose place was reserved does not come (it left while the origin decided). */
    synchronized Left decline(Client c) {
        if (ended || c.response != null || !clients.contains(c)) {
            return Left.NOTHING;
        }
        c.waiter = null;
        return remove(c);
    }

    private Left remove(Client c) {
        clients.remove(c);
        cancelGrace(c);
        if (clients.isEmpty()) {
            ended = true;
            unchargeAll();
            return Left.LAST;
        }
        return Left.REMOVED;
    }

    synchronized void graceTimer(Client c, Scheduler.Timer timer) {
        cancelGrace(c);
        c.grace = timer;
    }

    /** The wait of a detached client is over and it did not come back: it leaves; LAST when the subscription ends with it. */
    synchronized Left expire(Client c) {
        c.grace = null;
        if (ended || c.response != null || !clients.contains(c)) {
            return Left.NOTHING;
        }
        return remove(c);
    }

    /**
     * Whether the origin must be told of its end: not when it refused, nor when a one-shot event
     * spent the token (the origin forgets it on {@code 200} and {@code 202}); yes while it may
     * still accept (a server stop during the call).
     */
    synchronized boolean tell() {
        return !spent && (accepted || !answered);
    }

    /**
     * Ends it whatever its state (server stop, token expiry, replay budget); false if it had
     * already ended. The responses its clients had go to {@code had}.
     */
    synchronized boolean end(List<HeldResponse<Client>> had) {
        if (ended) {
            return false;
        }
        ended = true;
        unchargeAll();
        for (Client c : clients) {
            cancelGrace(c);
            if (c.response != null) {
                had.add(c.response);
                c.response = null;
            }
        }
        return true;
    }

    /** Its clients now, for the index by handle. */
    public synchronized List<Client> clientList() {
        return List.copyOf(clients);
    }

    private static void cancelGrace(Client c) {
        if (c.grace != null) {
            c.grace.cancel();
            c.grace = null;
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
