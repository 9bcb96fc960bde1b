package io.surrogate.engine;

import io.surrogate.engine.token.NamedKey;
import java.time.Duration;
import java.util.Optional;

/**
 * What {@code edgeservices:event.handle-subscription} decided for one request: who waits for
 * what, how the token is made, where the origin is, and how the client is held.
 *
 * @param origin the rule's origin base URL; empty means the server's configured origin
 * @param rule the action's rule syntax and location, for logs
 */
public record SubscriptionPlan(
        String user,
        String eventId,
        String customerCode,
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
        String rule) {}
