package io.surrogate.engine;

import java.util.Optional;

/** How a held client receives events; {@code auto} chooses by the request's Accept header. */
public enum Transport {
    AUTO("auto"),
    SSE("sse"),
    LONG_POLL("long-poll"),
    STREAM("stream");

    private final String label;

    Transport(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static Optional<Transport> byLabel(String label) {
        for (Transport t : values()) {
            if (t.label.equals(label)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
