package io.surrogate.engine.extract;

import io.surrogate.engine.eval.EvaluationContext;
import java.util.Optional;

/** The values {@code variable:extract from="builtin" key="..."} can read. */
public enum Builtin {
    CLIENT_PORT("client-port"),
    CLIENT_IP("client-ip"),
    CONNECTION_ID("connection-id"),
    EDGE_ID("edge-id"),
    EDGE_ADDRESS("edge-address"),
    /** seconds since the epoch */
    TIME("time"),
    /** milliseconds since the epoch */
    TIME_MS("time-ms"),
    /** ISO-8601 instant */
    TIME_ISO("time-iso"),
    METHOD("method"),
    PATH("path"),
    HOST("host");

    private final String key;

    Builtin(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    public static Optional<Builtin> byKey(String key) {
        for (Builtin b : values()) {
            if (b.key.equals(key)) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    String value(EvaluationContext ctx) {
        return switch (this) {
            case CLIENT_PORT -> Integer.toString(ctx.request().clientPort());
            case CLIENT_IP -> ctx.request().clientIp();
            case CONNECTION_ID -> Long.toString(ctx.request().connectionId());
            case EDGE_ID -> ctx.environment().edgeId();
            case EDGE_ADDRESS -> ctx.environment().edgeAddress();
            case TIME -> Long.toString(ctx.environment().clock().instant().getEpochSecond());
            case TIME_MS -> Long.toString(ctx.environment().clock().millis());
            case TIME_ISO -> ctx.environment().clock().instant().toString();
            case METHOD -> ctx.request().method();
            case PATH -> ctx.request().path();
            case HOST -> ctx.request().host();
        };
    }
}
