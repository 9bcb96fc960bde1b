package io.surrogate.server.subscribe;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes the whole edge keeps for subscriptions that no client holds (a long-poll client
 * between polls, an SSE client reconnecting, a subscription the origin has not confirmed yet).
 * Each such subscription's replay buffer is bounded in events; this bounds them all together,
 * so many detached subscriptions with large events cannot fill the heap. A subscription whose
 * event does not fit ends, and its origin is told.
 */
public final class ReplayBudget {
    private final long limit;
    private final AtomicLong used = new AtomicLong();

    public ReplayBudget(long limitBytes) {
        if (limitBytes < 1) {
            throw new IllegalArgumentException("the replay budget must be at least 1 byte");
        }
        this.limit = limitBytes;
    }

    /** Takes {@code bytes} from the budget; false (and nothing taken) when they do not fit. */
    boolean charge(long bytes) {
        long now;
        do {
            now = used.get();
            if (now + bytes > limit) {
                return false;
            }
        } while (!used.compareAndSet(now, now + bytes));
        return true;
    }

    void release(long bytes) {
        used.addAndGet(-bytes);
    }

    /** Bytes taken now. */
    public long used() {
        return used.get();
    }

    public long limit() {
        return limit;
    }
}
