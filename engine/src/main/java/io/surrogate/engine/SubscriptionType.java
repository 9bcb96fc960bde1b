package io.surrogate.engine;

import java.util.Optional;

/** The seed's subscription types. */
public enum SubscriptionType {
    /** one event, then the connection closes and the client subscribes again */
    ONE_SHOT("one-shot"),
    /** many events over one held connection */
    REPEATABLE("repeatable"),
    /** several subscriptions multiplexed over one connection */
    STREAM("stream");

    private final String label;

    SubscriptionType(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static Optional<SubscriptionType> byLabel(String label) {
        for (SubscriptionType t : values()) {
            if (t.label.equals(label)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
