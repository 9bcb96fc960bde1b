package io.surrogate.server.http;

import io.surrogate.engine.Decision;
import java.util.List;

/**
 * The counters behind the rules' {@code edgeservices:rate-limit}. {@link RateLimiter} keeps
 * them in this process; edges that share clients would share one store.
 */
public interface RateLimitStore {
    /**
     * Counts the request against each limit; the first limit it broke, or null. The seconds until
     * that limit's window ends go to {@code retryAfterSeconds[0]}.
     */
    Decision.RateLimit check(List<Decision.RateLimit> limits, long nowMillis, long[] retryAfterSeconds);
}
