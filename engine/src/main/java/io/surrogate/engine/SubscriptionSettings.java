package io.surrogate.engine;

import io.surrogate.engine.token.NamedKey;
import java.time.Duration;
import java.util.Optional;

/**
 * How an {@code edgeservices:event.handle-subscription} rule subscribes: the same for every
 * request it decides, made once by the compiler with the defaults applied.
 *
 * @param origin the rule's origin base URL; empty means the server's configured origin
 * @param transientFailure how a failure the client may retry is answered ({@code <transient-failure>})
 */
public record SubscriptionSettings(
        NamedKey tokenKey,
        NonceSource nonceSource,
        Duration tokenLifetime,
        NamedKey originKey,
        Optional<String> origin,
        Duration originTimeout,
        SubscriptionType type,
        Transport transport,
        Duration heartbeat,
        Duration retry,
        int replayBuffer,
        boolean forwardRejectionBody,
        TransientFailure transientFailure) {

    public static final NonceSource DEFAULT_NONCE_SOURCE = NonceSource.RANDOM;
    public static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofHours(1);
    public static final String DEFAULT_ORIGIN_KEY = "origin";
    public static final Duration DEFAULT_ORIGIN_TIMEOUT = Duration.ofSeconds(5);
    public static final SubscriptionType DEFAULT_TYPE = SubscriptionType.ONE_SHOT;
    public static final Transport DEFAULT_TRANSPORT = Transport.AUTO;
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(15);
    public static final Duration DEFAULT_RETRY = Duration.ofSeconds(3);
    public static final int DEFAULT_REPLAY_BUFFER = 16;
}
