package io.surrogate.server.http;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.surrogate.engine.Decision;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * The in-process {@link RateLimitStore}: at most N requests per window for each value of the
 * key, counted in fixed windows. A counter is named by what the limit says (its rendered key,
 * its limit and its window), not by where the rule sits in its file, so editing a rule file
 * (a comment above it, a rule added before it) keeps the counts; two limits that say the same
 * thing share a counter. The counters live in a bounded cache, so a flood of distinct keys
 * evicts old counters instead of growing the heap.
 */
public final class RateLimiter implements RateLimitStore {
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

    /** The counter's name: the rendered key, the limit and the window. */
    static String counter(Decision.RateLimit limit) {
        return limit.limit() + "/" + limit.window().toMillis() + '\u0000' + limit.key();
    }

    @Override
    public Decision.RateLimit check(List<Decision.RateLimit> limits, long nowMillis, long[] retryAfter) {
        for (Decision.RateLimit limit : limits) {
            Window w;
            try {
                w = windows.get(counter(limit), Window::new);
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
