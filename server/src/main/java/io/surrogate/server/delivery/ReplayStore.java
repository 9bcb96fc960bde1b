package io.surrogate.server.delivery;

import java.util.concurrent.CompletionStage;

/**
 * The delivery nonces seen within the signature window, against replays. {@link ReplayGuard}
 * keeps them in this process; with several edges, {@code RedisReplayStore} keeps one set for all
 * of them. The answer may come later (from Redis): it never blocks the caller's thread.
 */
public interface ReplayStore {
    /** What a nonce check found. */
    enum Result {
        FRESH, REPLAY,
        /** cannot remember more now (the local set at its capacity) */
        FULL,
        /** the shared set did not answer (Redis down or slow) */
        UNAVAILABLE
    }

    /** Remembers {@code nonce} (signed at {@code timestamp}) unless already seen. */
    CompletionStage<Result> remember(String nonce, long timestamp, long nowSeconds);

    /** Nonces held by this edge (-1 when they are held elsewhere). */
    int size();
}
