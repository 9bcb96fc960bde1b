package io.surrogate.server.upstream;

import io.surrogate.server.LogLine;
import io.undertow.client.ClientConnection;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.logging.Logger;
import org.xnio.IoUtils;
import org.xnio.XnioIoThread;

/**
 * The books of the origin connections: idle connections per origin (scheme, host, port), the
 * count of connections open or opening (at most {@link OriginClient#MAX_IN_FLIGHT}), the connects
 * under way per origin ({@link OriginConnects}), and the queue of requests waiting for one
 * ({@link WaitingQueue}; first come first served among those that can start: a request whose
 * origin has its most connects under way lets those behind it pass). The books are kept under
 * one lock, held for a few field updates at a time (and one walk of the queue when a place
 * frees while requests wait); everything a connection does runs on the IO thread it belongs to.
 */
final class ConnectionPool {
    private static final Logger LOG = Logger.getLogger("surrogate.origin");

    private final Connector connector;

    private final Object lock = new Object();
    /** Idle connections by origin key, most recently used last. Under {@link #lock}. */
    private final Map<String, ArrayDeque<PooledConnection>> idle = new HashMap<>();
    /** Every connected connection not yet discarded. Under {@link #lock}. */
    private final Set<PooledConnection> connections = new HashSet<>();
    /** Requests waiting for a connection. Under {@link #lock}. */
    private final WaitingQueue waiting;
    /** Connections open or being opened: at most {@link OriginClient#MAX_IN_FLIGHT}. Under {@link #lock}. */
    private int open;
    /** The connects under way per origin and those given up. Under {@link #lock}. */
    private final OriginConnects connects = new OriginConnects();
    private boolean closed;

    ConnectionPool(Connector connector, int maxWaiting) {
        this.connector = connector;
        this.waiting = new WaitingQueue(maxWaiting);
    }

    /**
     * Gives the request a connection: an idle one of its origin (its own IO thread's first), a
     * new one while fewer than {@link OriginClient#MAX_IN_FLIGHT} are open (or in place of an
     * idle one of another origin) and its origin has fewer than
     * {@link OriginClient#MAX_CONNECTS_PER_ORIGIN} connects under way, else a place in the queue:
     * at the back for a new request (or {@link OriginClient.Failure#BUSY} at once when the queue
     * is full), at the front for one that already had its turn (its connection turned out
     * closed). {@code fresh}: only a new connection, or one that has just answered, will do (a
     * retry). A request waiting in the queue is there because no place is free or because its
     * origin has its most connects under way (whenever either changes, {@link #pump} starts what
     * can start), so a new request that can start does not wait behind them.
     */
    void dispatch(OriginCall call, boolean front, boolean fresh) {
        Start start = null;
        boolean full = false;
        boolean report = false;
        synchronized (lock) {
            if (call.result.isDone()) {
                return; // timed out already: its timer's removal from the queue has run or will find it there
            }
            if (!closed) {
                waiting.dropCompleted();
                start = tryStart(call, fresh);
                if (start == null) {
                    WaitingQueue.Admission admission = waiting.add(call, front, fresh);
                    if (admission == WaitingQueue.Admission.QUEUED) {
                        return;
                    }
                    full = true;
                    report = admission == WaitingQueue.Admission.FULL_FIRST;
                }
            }
        }
        if (full) {
            if (report) {
                waiting.logFull();
            }
            finish(call, OriginClient.BUSY);
        } else if (start == null) {
            finish(call, OriginClient.UNREACHABLE); // closed
        } else {
            begin(start);
        }
    }

    /** How a request starts: on an idle connection of its origin, or on a new one (in the place of {@code evicted}, when not null). */
    private record Start(OriginCall call, PooledConnection reuse, PooledConnection evicted) {}

    /**
     * Under {@link #lock}: books the way {@code call} starts now, or null when it cannot (no
     * place free, or its origin has its most connects under way).
     */
    private Start tryStart(OriginCall call, boolean fresh) {
        PooledConnection reuse = fresh ? null : takeIdle(call.key, call.home);
        if (reuse != null) {
            return new Start(call, reuse, null);
        }
        if (!connects.roomFor(call.key)) {
            return null;
        }
        PooledConnection evicted = null;
        if (open < OriginClient.MAX_IN_FLIGHT) {
            open++;
        } else if ((evicted = takeAnyIdle()) == null) {
            return null; // else the evicted connection's place passes to this one
        }
        connects.started(call.key);
        return new Start(call, null, evicted);
    }

    /** Outside {@link #lock}: starts what {@link #tryStart} booked. */
    private void begin(Start s) {
        OriginCall call = s.call();
        if (s.reuse() != null) {
            PooledConnection c = s.reuse();
            on(c.thread, () -> start(call, c), call);
        } else if (s.evicted() != null) {
            // closed first, on its own thread, then the new one opened there: never one file over the budget
            connector.connectOn(s.evicted().thread, call, s.evicted());
        } else {
            connector.connectOn(call.home, call, null);
        }
    }

    /** Runs {@code task} on {@code thread} (now, when already on it); if the worker has stopped, {@code call} fails instead. */
    void on(XnioIoThread thread, Runnable task, OriginCall call) {
        if (Thread.currentThread() == thread) {
            task.run();
            return;
        }
        try {
            thread.execute(task);
        } catch (RejectedExecutionException stopped) {
            if (call != null) {
                finish(call, OriginClient.UNREACHABLE);
            }
        }
    }

    /** Under {@link #lock}: an idle connection to {@code key}, preferring one of {@code thread}. */
    private PooledConnection takeIdle(String key, XnioIoThread thread) {
        ArrayDeque<PooledConnection> list = idle.get(key);
        if (list == null || list.isEmpty()) {
            return null;
        }
        for (Iterator<PooledConnection> it = list.descendingIterator(); it.hasNext();) {
            PooledConnection c = it.next();
            if (c.thread == thread) {
                it.remove();
                return c;
            }
        }
        return list.pollLast();
    }

    /** Under {@link #lock}: the least recently used idle connection of any origin, taken out of the books (its place is reused). */
    private PooledConnection takeAnyIdle() {
        for (ArrayDeque<PooledConnection> list : idle.values()) {
            PooledConnection c = list.pollFirst();
            if (c != null) {
                c.discarded = true;
                connections.remove(c);
                return c;
            }
        }
        return null;
    }

    /** A call's timeout passed: out of the queue wherever it waits, or its connection closed. */
    void timedOut(OriginCall call) {
        synchronized (lock) {
            waiting.remove(call);
        }
        PooledConnection c = call.conn;
        if (c != null) {
            on(c.thread, () -> {
                Exchange e = c.exchange;
                if (e != null && e.call() == call) {
                    c.exchange = null;
                    call.conn = null;
                    kill(c);
                }
            }, null);
        }
    }

    /** A connection opened for {@code call}, on its thread: into the books, and the call sent on it. */
    void connected(OriginCall call, ClientConnection connection) {
        PooledConnection c = new PooledConnection(call.key, connection);
        connection.addCloseListener(closedConnection -> discard(c));
        boolean stopped;
        boolean others;
        synchronized (lock) {
            connects.connected(call.key);
            stopped = closed;
            others = !waiting.isEmpty();
            if (!stopped) {
                connections.add(c);
            }
        }
        if (stopped) {
            kill(c);
            finish(call, OriginClient.UNREACHABLE);
            return;
        }
        start(call, c);
        if (others) {
            pump(); // one connect fewer under way to this origin: one of its waiting requests may start
        }
    }

    void connectFailed(OriginCall call, IOException e) {
        LOG.fine(() -> LogLine.of("origin-connect-failed").with("origin", call.origin).with("error", e).toString());
        synchronized (lock) {
            open--;
            connects.failed(call.key);
        }
        finish(call, OriginClient.UNREACHABLE);
        pump();
    }

    /**
     * A connect not done at its connect timeout: the call fails with {@code answer}, and its
     * place is freed now unless it has to keep it (see {@link OriginConnects#gaveUp}).
     */
    void connectTimedOut(OriginCall call, OriginClient.Answer answer) {
        boolean freed;
        synchronized (lock) {
            freed = connects.gaveUp(call);
            if (freed) {
                open--;
            }
        }
        boolean wasFreed = freed;
        LOG.fine(() -> LogLine.of("origin-connect-timeout").with("origin", call.origin).with("place-freed", wasFreed).toString());
        finish(call, answer);
        pump(); // a place freed, or at least a connect no longer under way: the origin's probe may start
    }

    /**
     * The socket of {@code call}'s connect, given up at its timeout, is closed at last: its file
     * is free, and a place with it (see {@link OriginConnects#abandonedEnded}).
     */
    void abandonedConnectEnded(OriginCall call) {
        synchronized (lock) {
            if (connects.abandonedEnded(call)) {
                open--;
            }
        }
        pump();
    }

    /** A connection closed (by either side): its place is free for the next request waiting. */
    private void discard(PooledConnection c) {
        synchronized (lock) {
            if (c.discarded) {
                return;
            }
            c.discarded = true;
            open--;
            connections.remove(c);
            ArrayDeque<PooledConnection> list = idle.get(c.key);
            if (list != null) {
                list.remove(c);
            }
        }
        pump();
    }

    /**
     * Starts waiting requests while there is room, oldest first, passing over those whose
     * origin has its most connects under way.
     */
    private void pump() {
        List<Start> starts = null;
        synchronized (lock) {
            waiting.dropCompleted();
            if (closed || waiting.isEmpty()) {
                return;
            }
            Set<String> blocked = null; // origins found with no room this walk: their other requests are passed over at once
            for (Iterator<OriginCall> it = waiting.iterator(); it.hasNext();) {
                if (open >= OriginClient.MAX_IN_FLIGHT && !anyIdle()) {
                    break;
                }
                OriginCall next = it.next();
                if (next.result.isDone()) {
                    it.remove();
                    continue;
                }
                if (blocked != null && blocked.contains(next.key)) {
                    continue;
                }
                Start s = tryStart(next, next.fresh);
                if (s != null) {
                    it.remove();
                    if (starts == null) {
                        starts = new ArrayList<>();
                    }
                    starts.add(s);
                } else if (!next.fresh) {
                    if (blocked == null) {
                        blocked = new HashSet<>();
                    }
                    blocked.add(next.key);
                }
            }
        }
        if (starts != null) {
            starts.forEach(this::begin);
        }
    }

    /** Under {@link #lock}: whether any connection is idle. */
    private boolean anyIdle() {
        for (ArrayDeque<PooledConnection> list : idle.values()) {
            if (!list.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /**
     * A connection free again ({@code reusable}: its last exchange ended cleanly): to the oldest
     * waiting request, back to the idle list, or (the oldest waits for another origin) closed
     * so that one can be opened in its place. On the connection's thread.
     */
    void release(PooledConnection c, boolean reusable) {
        if (!reusable || !c.client.isOpen()) {
            kill(c);
            return;
        }
        OriginCall next = null;
        boolean transfer = false;
        synchronized (lock) {
            if (c.discarded) {
                return;
            }
            waiting.dropCompleted();
            if (!closed) {
                next = waiting.takeFor(c.key, connects);
                transfer = next != null && !next.key.equals(c.key);
                if (transfer) {
                    c.discarded = true; // a new connection is opened in this one's place
                    connections.remove(c);
                }
                if (next == null) {
                    idle.computeIfAbsent(c.key, k -> new ArrayDeque<>()).addLast(c);
                    return;
                }
            }
        }
        if (next == null) {
            kill(c); // closed meanwhile
        } else if (transfer) {
            kill(c);
            connector.connectOn(c.thread, next, null);
        } else {
            start(next, c);
        }
    }

    /**
     * Sends {@code call} on {@code c}, on the connection's thread. A connection that closed
     * while idle (the origin ended its keep-alive; Undertow watches idle connections for that)
     * is not used: the request goes back to the head of the queue, nothing having been sent.
     */
    void start(OriginCall call, PooledConnection c) {
        if (!c.client.isOpen()) {
            kill(c);
            dispatch(call, true, call.fresh);
            return;
        }
        Exchange exchange = new Exchange(call, c, c.uses++ > 0, this);
        c.exchange = exchange;
        call.conn = c;
        // the timer reads conn after completing the future; this reads the future after setting
        // conn: one of the two sees the other, so a request that timed out meanwhile is not sent
        if (call.result.isDone()) {
            c.exchange = null;
            call.conn = null;
            release(c, true);
            return;
        }
        try {
            c.client.sendRequest(OutgoingHeaders.clientRequest(call), exchange);
        } catch (RuntimeException e) {
            exchange.failed(new IOException(e));
        }
    }

    /**
     * Closes a connection now, without the graceful drain of {@code ClientConnection.close}
     * (which can keep the file open for seconds), and frees its place unless it was given away.
     */
    void kill(PooledConnection c) {
        try {
            IoUtils.safeClose(c.client.performUpgrade());
        } catch (IOException | RuntimeException e) {
            IoUtils.safeClose(c.client);
        }
        discard(c); // the close listener did already, unless the connection was closed before it was added
    }

    /** The call's answer; its timer is cancelled first, so none is left once the caller hears (a timer already running loses the race to complete). */
    void finish(OriginCall call, OriginClient.Answer answer) {
        if (call.result.isDone()) {
            return;
        }
        OriginScheduler.Scheduled t = call.timer;
        if (t != null) {
            t.cancel();
        }
        call.result.complete(answer);
    }

    int open() {
        synchronized (lock) {
            return open;
        }
    }

    int waiting() {
        synchronized (lock) {
            return waiting.size();
        }
    }

    int abandoned() {
        synchronized (lock) {
            return connects.abandoned();
        }
    }

    boolean closed() {
        synchronized (lock) {
            return closed;
        }
    }

    /** Closes every connection and fails every request still out. */
    void close() {
        List<PooledConnection> all;
        List<OriginCall> queued;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>(connections);
            queued = waiting.drain();
            idle.clear();
        }
        for (OriginCall q : queued) {
            finish(q, OriginClient.UNREACHABLE);
        }
        for (PooledConnection c : all) {
            Runnable end = () -> {
                Exchange e = c.exchange;
                c.exchange = null;
                kill(c);
                if (e != null) {
                    finish(e.call(), OriginClient.UNREACHABLE);
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
}
