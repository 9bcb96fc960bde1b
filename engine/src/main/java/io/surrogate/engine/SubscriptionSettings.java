package io.surrogate.engine;

import io.surrogate.engine.token.NamedKey;
import java.time.Duration;
import java.util.Optional;

/**
 * How an {@code edgeservices:event.handle-subscription} rule subscribes: the same for every
 * request it decides, made once by the compiler with the defaults applied.
 *
 * @param origin the rule's origin base URL; empty means the server's configured origin
 * @param maxClients how many clients of one user may share one subscription (one user and
 *     event) on an edge at once
 * @param forwarding the client headers and cookies sent on to the origin with {@code /subscribe-event}
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
        int maxClients,
        OriginForwarding forwarding,
        TransientFailure transientFailure) {

    public SubscriptionSettings {
        forwarding = forwarding == null ? OriginForwarding.NONE : forwarding;
        transientFailure = transientFailure == null ? TransientFailure.DEFAULT : transientFailure;
    }

    public static final NonceSource DEFAULT_NONCE_SOURCE = NonceSource.RANDOM;
    public static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofHours(1);
    public static final String DEFAULT_ORIGIN_KEY = "origin";
    public static final Duration DEFAULT_ORIGIN_TIMEOUT = Duration.ofSeconds(5);
    public static final SubscriptionType DEFAULT_TYPE = SubscriptionType.ONE_SHOT;
    public static final Transport DEFAULT_TRANSPORT = Transport.AUTO;
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(15);
    public static final Duration DEFAULT_RETRY = Duration.ofSeconds(3);
    public static final int DEFAULT_REPLAY_BUFFER = 16;
    public static final int DEFAULT_MAX_CLIENTS = 10;
    public static final int MAX_MAX_CLIENTS = 1000;

    /** The settings with the default {@code <max-clients>} and {@code <transient-failure>}, forwarding nothing to the origin. */
    public SubscriptionSettings(NamedKey tokenKey, NonceSource nonceSource, Duration tokenLifetime, NamedKey originKey,
            Optional<String> origin, Duration originTimeout, SubscriptionType type, Transport transport, Duration heartbeat,
            Duration retry, int replayBuffer, boolean forwardRejectionBody) {
        this(tokenKey, nonceSource, tokenLifetime, originKey, origin, originTimeout, type, transport, heartbeat, retry,
                replayBuffer, forwardRejectionBody, DEFAULT_MAX_CLIENTS, OriginForwarding.NONE, TransientFailure.DEFAULT);
    }
}
