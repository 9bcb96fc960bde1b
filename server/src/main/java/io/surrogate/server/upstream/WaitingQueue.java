package io.surrogate.server.upstream;

import io.surrogate.server.LogLine;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The requests waiting for an origin connection, oldest first: at most {@code max} new ones
 * (one that finds it full fails at once, which is logged once and again only after the queue
 * has drained to half); a request that had its turn already goes back to the front. A request
 * that times out leaves it at once ({@link #remove}); one found completed is dropped as it is met.
 *
 * <p>Guarded by the pool's lock: {@link ConnectionPool} calls every method holding it, except
 * {@link #logFull}.
 */
final class WaitingQueue {
    private static final Logger LOG = Logger.getLogger("surrogate.origin");

    /** What became of a request offered to the queue. */
    enum Admission { QUEUED, FULL, FULL_FIRST }

    private final int max;
    private final ArrayDeque<OriginCall> calls = new ArrayDeque<>();
    /** The queue was full and that was logged; logged again once it has drained to half. */
    private boolean fullReported;

    WaitingQueue(int max) {
        this.max = max;
    }

    /**
     * Queues {@code call} (with {@code fresh}, see {@link OriginCall#fresh}): at the front when
     * it already had its turn, else at the back unless {@code max} wait ({@link Admission#FULL},
     * or {@link Admission#FULL_FIRST} when that is to be logged).
     */
    Admission add(OriginCall call, boolean front, boolean fresh) {
        if (front) {
            call.fresh = fresh;
            calls.addFirst(call);
            return Admission.QUEUED;
        }
        if (calls.size() >= max) {
            Admission full = fullReported ? Admission.FULL : Admission.FULL_FIRST;
            fullReported = true;
            return full;
        }
        if (calls.size() < max / 2) {
            fullReported = false;
        }
        call.fresh = fresh;
        calls.addLast(call);
        return Admission.QUEUED;
    }

    /** Outside the pool's lock: logs that the queue is full. */
    void logFull() {
        LOG.warning(() -> LogLine.of("origin-queue-full").with("waiting", max)
                .with("action", "more requests fail at once until half of the queue has drained").toString());
    }

    /** Drops requests at the head of the queue that already completed (a timer's removal not yet made). */
    void dropCompleted() {
        while (!calls.isEmpty() && calls.peekFirst().result.isDone()) {
            calls.pollFirst();
        }
    }

    /** Takes {@code call} out, wherever it waits. */
    void remove(OriginCall call) {
        calls.remove(call);
    }

    boolean isEmpty() {
        return calls.isEmpty();
    }

    int size() {
        return calls.size();
    }

    /** The requests oldest first; the walk may remove the one it is at. */
    Iterator<OriginCall> iterator() {
        return calls.iterator();
    }

    /**
     * The oldest request a free connection to {@code key} can serve, taken out: one of its
     * origin, or one of an origin with room for another connect (booked in {@code connects}),
     * to be opened in its place; requests of an origin found with no room are passed over.
     * Null when there is none.
     */
    OriginCall takeFor(String key, OriginConnects connects) {
        Set<String> blocked = null; // origins found with no room this walk
        for (Iterator<OriginCall> it = calls.iterator(); it.hasNext();) {
            OriginCall w = it.next();
            if (w.result.isDone()) {
                it.remove();
            } else if (blocked != null && blocked.contains(w.key)) {
                continue;
            } else if (w.key.equals(key)) {
                it.remove();
                return w;
            } else if (connects.roomFor(w.key)) {
                it.remove();
                connects.started(w.key);
                return w;
            } else {
                if (blocked == null) {
                    blocked = new HashSet<>();
                }
                blocked.add(w.key);
            }
        }
        return null;
    }

    /** Every request still waiting, taken out. */
    List<OriginCall> drain() {
        List<OriginCall> all = new ArrayList<>(calls);
        calls.clear();
        return all;
    }
}
