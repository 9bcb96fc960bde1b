package io.surrogate.server.delivery;

import com.google.common.hash.HashCode;
import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The delivery nonces seen within the signature window. A nonce is remembered until its
 * timestamp leaves the window (after that the signature check refuses it as stale anyway).
 * Bounded: when full even after dropping the expired ones, it fails closed, so a flood of
 * deliveries can neither grow the heap nor sneak a replay through.
 *
 * <p>Stored compactly, because an edge at thousands of deliveries a second holds hundreds of
 * thousands of them: an open-addressing table of the nonces' 128-bit hashes (murmur3 with a
 * random seed per edge, so an origin cannot aim for a collision; a collision would refuse a
 * fresh delivery as a replay, never admit a replay) and their expiry, 24 bytes a slot in three
 * arrays that grow by doubling up to twice the capacity and are reused in place: a delivery leaves no
 * object behind (a map of strings kept about 140 bytes per nonce, and every one became garbage
 * for the collector's old generation). Expired slots are reused on insert and dropped when the
 * table is rebuilt. One lock: a check takes well under a microsecond.
 */
public final class ReplayGuard implements ReplayStore {

    private static final int MIN_SLOTS = 1 << 12;

    private final HashFunction hash = Hashing.murmur3_128(new SecureRandom().nextInt());
    private final int capacity;
    private final long windowSeconds;
    private final int maxSlots;
    private long[] high;
    private long[] low;
    private long[] expiry;
    /** Slots holding a nonce, expired or not. */
    private int used;
    /** When the table was last rebuilt (the expired dropped), in epoch seconds. */
    private long rebuiltAt = Long.MIN_VALUE;

    public ReplayGuard(int capacity, long windowSeconds) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.capacity = capacity;
        this.windowSeconds = windowSeconds;
        // at the capacity at most half full, so that a rebuild (which drops the expired) frees a quarter at least
        long wanted = Math.min(1L << 30, capacity * 2L);
        this.maxSlots = (int) Math.max(MIN_SLOTS, Long.highestOneBit(wanted - 1) << 1);
        allocate(Math.min(MIN_SLOTS, maxSlots));
    }

    @Override
    public CompletionStage<Result> remember(String nonce, long timestamp, long nowSeconds) {
        return CompletableFuture.completedFuture(check(nonce, timestamp, nowSeconds));
    }

    /** {@link #remember}, answered now. */
    public synchronized Result check(String nonce, long timestamp, long nowSeconds) {
        HashCode h = hash.hashString(nonce, StandardCharsets.US_ASCII);
        byte[] b = h.asBytes();
        long hi = longAt(b, 0);
        long lo = longAt(b, 8);
        if (hi == 0 && lo == 0) {
            lo = 1; // (0, 0) marks an empty slot
        }
        boolean full = false;
        if (used >= capacity) {
            // expiries are whole seconds: a second rebuild within the same second would free nothing
            full = rebuiltAt == nowSeconds || !makeRoom(nowSeconds);
        }
        if (!full && used + 1 > high.length / 4 * 3) {
            full = !makeRoom(nowSeconds);
        }
        if (full) {
            // as many live nonces as the capacity: refuse, unless this is a replay
            return find(hi, lo, nowSeconds) >= 0 ? Result.REPLAY : Result.FULL;
        }
        int mask = high.length - 1;
        int reusable = -1;
        for (int i = (int) (hi ^ lo) & mask; ; i = (i + 1) & mask) {
            if (high[i] == 0 && low[i] == 0) {
                int at = reusable >= 0 ? reusable : i;
                if (reusable < 0) {
                    used++;
                }
                high[at] = hi;
                low[at] = lo;
                expiry[at] = timestamp + windowSeconds;
                return Result.FRESH;
            }
            boolean expired = expiry[i] < nowSeconds;
            if (high[i] == hi && low[i] == lo) {
                if (!expired) {
                    return Result.REPLAY;
                }
                expiry[i] = timestamp + windowSeconds; // the same nonce after its window: fresh again, as before
                return Result.FRESH;
            }
            if (expired && reusable < 0) {
                reusable = i;
            }
        }
    }

    /** The slot of a live nonce, or -1. */
    private int find(long hi, long lo, long nowSeconds) {
        int mask = high.length - 1;
        for (int i = (int) (hi ^ lo) & mask; ; i = (i + 1) & mask) {
            if (high[i] == 0 && low[i] == 0) {
                return -1;
            }
            if (high[i] == hi && low[i] == lo) {
                return expiry[i] >= nowSeconds ? i : -1;
            }
        }
    }

    /** Rebuilds without the expired nonces, larger if they still fill half of it; false when at the capacity. */
    private boolean makeRoom(long nowSeconds) {
        rebuiltAt = nowSeconds;
        int live = 0;
        for (int i = 0; i < high.length; i++) {
            if ((high[i] != 0 || low[i] != 0) && expiry[i] >= nowSeconds) {
                live++;
            }
        }
        if (live >= capacity) {
            return false;
        }
        int slots = high.length;
        while (live + 1 > slots / 2 && slots < maxSlots) {
            slots <<= 1;
        }
        if (live + 1 > slots / 4 * 3) {
            return false;
        }
        long[] oldHigh = high;
        long[] oldLow = low;
        long[] oldExpiry = expiry;
        allocate(slots);
        int mask = slots - 1;
        for (int j = 0; j < oldHigh.length; j++) {
            if ((oldHigh[j] != 0 || oldLow[j] != 0) && oldExpiry[j] >= nowSeconds) {
                int i = (int) (oldHigh[j] ^ oldLow[j]) & mask;
                while (high[i] != 0 || low[i] != 0) {
                    i = (i + 1) & mask;
                }
                high[i] = oldHigh[j];
                low[i] = oldLow[j];
                expiry[i] = oldExpiry[j];
                used++;
            }
        }
        return true;
    }

    private void allocate(int slots) {
        high = new long[slots];
        low = new long[slots];
        expiry = new long[slots];
        used = 0;
    }

    private static long longAt(byte[] b, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[at + i] & 0xff);
        }
        return v;
    }

    /** How long after its timestamp a nonce is remembered, in seconds: the signature window. */
    public long windowSeconds() {
        return windowSeconds;
    }

    /** Nonces held, expired or not (the expired ones go at the next rebuild). */
    @Override
    public synchronized int size() {
        return used;
    }
}
