package io.surrogate.server;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.surrogate.engine.Decision;
import java.time.Duration;
import java.util.concurrent.ExecutionException;

/**
 * Enforces the rules' {@code edgeservices:rate-limit}: at most N requests per window for each
 * value of the key, counted in fixed windows. The counters live in a bounded cache, so a
 * flood of distinct keys evicts old counters instead of growing the heap.
 */
final class RateLimiter {
    private static final int MAX_KEYS = 200_000;

    private final Cache<String, Window> windows = CacheBuilder.newBuilder()
            .maximumSize(MAX_KEYS)
            .expireAfterAccess(Duration.ofHours(1))
            .build();

    /** One key's count in its current window. */
    private static final class Window {
        private long start;
        private long count;

        synchronized long hit(long now, long length) {
            if (now - start >= length) {
                start = now;
                count = 0;
            }
            return ++count;
        }

        synchronized long retryAfterMillis(long now, long length) {
            return Math.max(0, start + length - now);
        }
    }

    /** Counts the request; the limit it broke, or null. Retry-After in seconds goes to {@code retryAfter[0]}. */
    Decision.RateLimit check(java.util.List<Decision.RateLimit> limits, long nowMillis, long[] retryAfter) {
        for (Decision.RateLimit limit : limits) {
            Window w;
            try {
                w = windows.get(limit.rule() + '\u0000' + limit.key(), Window::new);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e);
            }
            long length = limit.window().toMillis();
            if (w.hit(nowMillis, length) > limit.limit()) {
                retryAfter[0] = Math.max(1, (w.retryAfterMillis(nowMillis, length) + 999) / 1000);
                return limit;
            }
        }
        return null;
    }
}
