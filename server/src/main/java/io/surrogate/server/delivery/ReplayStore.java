package io.surrogate.server.delivery;

/**
 * The delivery nonces seen within the signature window, against replays. {@link ReplayGuard}
 * keeps them in this process; edges that share deliveries would share one store.
 */
public interface ReplayStore {
    /** What a nonce check found. */
    enum Result { FRESH, REPLAY, FULL }

    /** Remembers {@code nonce} (signed at {@code timestamp}) unless already seen; FULL when it cannot remember more. */
    Result check(String nonce, long timestamp, long nowSeconds);

    /** Nonces held. */
    int size();
}
