package io.surrogate.server.cluster;

import io.lettuce.core.SetArgs;
import io.surrogate.server.LogLine;
import io.surrogate.server.delivery.ReplayGuard;
import io.surrogate.server.delivery.ReplayStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * The replay set the edges share (issue 13): a delivery nonce is one Redis key,
 * {@code surrogate:n:<nonce>}, set with {@code SET ... 1 NX PX <ms>} that lives until the
 * nonce's timestamp leaves the signature window (one second more, as the local set keeps it
 * through its last second; at least one second). {@code OK} is a fresh nonce; no answer (the key
 * was there) is a replay, whichever edge saw it first. One command per delivery, on the shared
 * connection where Lettuce pipelines it with every other command in flight: one round trip, no
 * wait for another delivery's answer.
 *
 * <p>The nonce is the one {@code OriginSignature.Header.parse} took from a verified signature:
 * 8 to 64 characters of {@code [A-Za-z0-9_-]}, so a key is at most 76 bytes, whatever an origin
 * sends.
 *
 * <p>When Redis does not answer (down, or slower than the command timeout), the answer is
 * {@link Result#UNAVAILABLE} (the delivery gets a retryable 503), or, when the operator chose
 * {@code --redis-replay-fallback local}, this edge's own {@link ReplayGuard}'s answer: that
 * catches a replay posted to this edge, not one posted to another. In that mode every nonce
 * Redis takes is also remembered in the local set, so that during an outage the local set
 * knows this edge's deliveries from before it, and after it a nonce the local set took while
 * Redis was away is still refused here (a Redis that restarted empty does not know it). Without
 * the fallback the local set is not used: Redis alone answers, and the edge holds no nonce.
 * Each failure is counted ({@code surrogate.redis.failures{use="replay"}}); the log says once
 * when Redis stops answering nonce checks and once when it answers again.
 */
public final class RedisReplayStore implements ReplayStore {
    private static final Logger LOG = Logger.getLogger("surrogate.redis");
    /** The prefix of a nonce's key. */
    static final String PREFIX = "surrogate:n:";
    private static final byte[] ONE = {'1'};

    private final Redis redis;
    private final RedisHealth health;
    private final ReplayGuard local;
    private final boolean fallbackLocal;
    private final AtomicBoolean failing = new AtomicBoolean();

    /**
     * @param local this edge's own set: its window is the one the keys live for; it answers when
     *        Redis does not only if {@code redis.settings().replayFallbackLocal()}
     */
    public RedisReplayStore(Redis redis, RedisHealth health, ReplayGuard local) {
        this.redis = redis;
        this.health = health;
        this.local = local;
        this.fallbackLocal = redis.settings().replayFallbackLocal();
    }

    @Override
    public CompletionStage<Result> remember(String nonce, long timestamp, long nowSeconds) {
        long millis = Math.max(1, timestamp + local.windowSeconds() + 1 - nowSeconds) * 1000;
        CompletionStage<String> set;
        try {
            set = redis.commands().set(PREFIX + nonce, ONE, SetArgs.Builder.nx().px(millis));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(unavailable(e, nonce, timestamp, nowSeconds));
        }
        return set.handle((ok, error) -> {
            if (error != null) {
                return unavailable(error, nonce, timestamp, nowSeconds);
            }
            if (failing.compareAndSet(true, false)) {
                LOG.info(() -> LogLine.of("replay-set-available").toString());
            }
            Result shared = ok != null ? Result.FRESH : Result.REPLAY;
            if (shared == Result.FRESH && fallbackLocal && local.check(nonce, timestamp, nowSeconds) == Result.REPLAY) {
                return Result.REPLAY; // taken here while Redis was away, and Redis has forgotten it
            }
            return shared;
        });
    }

    private Result unavailable(Throwable error, String nonce, long timestamp, long nowSeconds) {
        health.failed("replay");
        if (failing.compareAndSet(false, true)) {
            LOG.warning(() -> LogLine.of("replay-set-unavailable").with("fallback", fallbackLocal ? "local" : "refuse")
                    .with("reason", String.valueOf(error))
                    .with("help", fallbackLocal ? "deliveries are checked against this edge's nonces only"
                            : "deliveries are refused with 503 until Redis answers")
                    .toString());
        }
        return fallbackLocal ? local.check(nonce, timestamp, nowSeconds) : Result.UNAVAILABLE;
    }

    /** The nonces this edge holds too (with the local fallback), else -1: they are held in Redis. */
    @Override
    public int size() {
        return fallbackLocal ? local.size() : -1;
    }
}
