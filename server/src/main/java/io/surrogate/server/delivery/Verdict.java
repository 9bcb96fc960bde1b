package io.surrogate.server.delivery;

import io.surrogate.engine.token.NamedKey;
import io.surrogate.engine.token.OriginSignature;
import io.surrogate.server.subscribe.Subscription;

/** What {@link DeliveryVerifier} decided about a delivery. */
public sealed interface Verdict permits Verdict.Verified, Verdict.Refusal {
    /**
     * The delivery may go on to the replay check and its subscribers.
     *
     * @param key the origin key that verified the signature
     * @param header the parsed signature (its nonce and timestamp, for the replay check)
     * @param held the subscription the token names when this edge holds it; null for a fan-out or a token held nowhere here
     */
    record Verified(NamedKey key, OriginSignature.Header header, Subscription held) implements Verdict {}

    /**
     * The answer to a refused delivery: its status, its one-word body (docs/protocol.md), a
     * detail line, and for {@code foreign-token} the other edge's address for {@code X-Event-Edge}.
     */
    record Refusal(int status, String word, String detail, String edgeAddress) implements Verdict {
        public Refusal(int status, String word, String detail) {
            this(status, word, detail, null);
        }
    }
}
