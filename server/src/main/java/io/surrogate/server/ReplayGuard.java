package io.surrogate.server;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The delivery nonces seen within the signature window. A nonce is remembered until its
 * timestamp leaves the window (after that the signature check refuses it as stale anyway).
 * Bounded: when full even after dropping the expired ones, it fails closed, so a flood of
 * deliveries can neither grow the heap nor sneak a replay through.
 */
final class ReplayGuard {
    enum Result { FRESH, REPLAY, FULL }

    private final ConcurrentHashMap<String, Long> seen = new ConcurrentHashMap<>();
    private final int capacity;
    private final long windowSeconds;
    private final AtomicLong lastPurge = new AtomicLong();

    ReplayGuard(int capacity, long windowSeconds) {
        this.capacity = capacity;
        this.windowSeconds = windowSeconds;
    }

    Result check(String nonce, long timestamp, long nowSeconds) {
        if (seen.size() >= capacity) {
            purge(nowSeconds);
            if (seen.size() >= capacity) {
                return Result.FULL;
            }
        }
        Long previous = seen.putIfAbsent(nonce, timestamp + windowSeconds);
        return previous == null ? Result.FRESH : Result.REPLAY;
    }

    /** Drops the nonces whose window has passed; at most once a second, whoever calls. */
    void purge(long nowSeconds) {
        long last = lastPurge.get();
        if (nowSeconds > last && lastPurge.compareAndSet(last, nowSeconds)) {
            seen.values().removeIf(expiry -> expiry < nowSeconds);
        }
    }

    int size() {
        return seen.size();
    }
}
