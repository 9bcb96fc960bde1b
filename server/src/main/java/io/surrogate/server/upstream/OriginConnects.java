package io.surrogate.server.upstream;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The connects under way per origin key (scheme, host, port), so that an origin whose connects
 * hang cannot take every place: at most {@link OriginClient#MAX_CONNECTS_PER_ORIGIN} hold a place
 * per origin; one at a time (a probe) once one to the origin was given up at its connect timeout,
 * until one connects; and the connects given up whose sockets are left to the kernel (at most
 * {@link OriginClient#MAX_ABANDONED_CONNECTS}: past that, a connect given up keeps its place until
 * its socket closes or an abandoned place frees, which then goes to the oldest such connect).
 *
 * <p>Guarded by the pool's lock: {@link ConnectionPool} calls every method holding it. The
 * count of places open or opening stays with the pool; a method that frees one says so and the
 * pool gives it back.
 */
final class OriginConnects {
    /** Connects given up at their connect timeout whose sockets the kernel has not closed yet, their places freed. */
    private int abandoned;
    /**
     * Connects per origin key that hold a place: under way, or given up with no abandoned place
     * free (see {@link #keptPlaces}). At most {@link OriginClient#MAX_CONNECTS_PER_ORIGIN} each; a
     * key leaves the map at zero.
     */
    private final Map<String, Integer> connecting = new HashMap<>();
    /** Calls whose connect was given up and keeps its place, oldest first: the next abandoned place freed goes to the oldest. */
    private final ArrayDeque<OriginCall> keptPlaces = new ArrayDeque<>();
    /** Origin keys whose last connect to end was given up at its timeout: one connect at a time goes to them until one connects. */
    private final Set<String> unresponsive = new HashSet<>();

    /**
     * Whether another connect to {@code key} may start: fewer than
     * {@link OriginClient#MAX_CONNECTS_PER_ORIGIN} hold a place, and, when its last connect was
     * given up, none is under way.
     */
    boolean roomFor(String key) {
        int places = connecting.getOrDefault(key, 0);
        if (places >= OriginClient.MAX_CONNECTS_PER_ORIGIN) {
            return false;
        }
        if (places == 0 || !unresponsive.contains(key)) {
            return true;
        }
        int kept = 0;
        for (OriginCall k : keptPlaces) {
            if (k.key.equals(key)) {
                kept++;
            }
        }
        return places == kept;
    }

    /** A connect to {@code key} starts (the caller checked {@link #roomFor}). */
    void started(String key) {
        connecting.merge(key, 1, Integer::sum);
    }

    /** A connect to {@code key} opened: it no longer holds a place here, and the origin answers again. */
    void connected(String key) {
        ended(key);
        unresponsive.remove(key);
    }

    /** A connect to {@code key} failed: it no longer holds a place here (the pool frees its place). */
    void failed(String key) {
        ended(key);
    }

    /**
     * {@code call}'s connect was given up at its connect timeout: its origin gets one connect at a
     * time from now on; returns true when its socket was left to the kernel and its place is to be
     * freed, false when {@link OriginClient#MAX_ABANDONED_CONNECTS} sockets are already left and
     * the call keeps its place (see {@link #abandonedEnded}).
     */
    boolean gaveUp(OriginCall call) {
        unresponsive.add(call.key);
        if (abandoned < OriginClient.MAX_ABANDONED_CONNECTS) {
            abandoned++;
            ended(call.key);
            return true;
        }
        call.placeKept = true;
        keptPlaces.addLast(call);
        return false;
    }

    /**
     * The socket of {@code call}'s connect, given up at its timeout, is closed at last: its place
     * is freed if it kept one; else its abandoned place is free, and goes to the oldest connect
     * that kept its place, whose place is freed then. Returns true when a place is to be freed.
     */
    boolean abandonedEnded(OriginCall call) {
        if (call.placeKept) {
            call.placeKept = false;
            keptPlaces.remove(call);
            ended(call.key);
            return true;
        }
        OriginCall kept = keptPlaces.pollFirst();
        if (kept == null) {
            abandoned--;
            return false;
        }
        kept.placeKept = false;
        ended(kept.key);
        return true;
    }

    /** Connects given up whose sockets are left to the kernel. */
    int abandoned() {
        return abandoned;
    }

    /** A connect of {@code key} no longer holds a place (connected, failed, or given up with its place freed). */
    private void ended(String key) {
        connecting.computeIfPresent(key, (k, n) -> n > 1 ? n - 1 : null);
    }
}
