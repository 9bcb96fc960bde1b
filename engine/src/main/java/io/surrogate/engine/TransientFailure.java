package io.surrogate.engine;

import java.time.Duration;
import java.util.Optional;

/**
 * How a rule's clients are answered when their subscription fails for a while (the origin's
 * 429 or 5xx, the origin refused, timed out or busy, the edge's rate limit or capacity): an SSE
 * client gets {@link Answer#EVENT_STREAM} (200 with {@code retry:} and an {@code event: error},
 * so that an EventSource comes back by itself), or with {@link Answer#STATUS} the failure's
 * status and a {@code Retry-After}, as every other transport does. Without a {@code Retry-After}
 * to honour, the delay is drawn evenly from {@code retryMin} to {@code retryMax}.
 */
public record TransientFailure(Answer answer, Duration retryMin, Duration retryMax) {
    public static final Duration DEFAULT_RETRY_MIN = Duration.ofSeconds(1);
    public static final Duration DEFAULT_RETRY_MAX = Duration.ofSeconds(10);
    public static final TransientFailure DEFAULT = new TransientFailure(Answer.EVENT_STREAM, DEFAULT_RETRY_MIN, DEFAULT_RETRY_MAX);

    public TransientFailure {
        if (retryMin.isNegative() || retryMax.compareTo(retryMin) < 0) {
            throw new IllegalArgumentException("retry window " + retryMin + ".." + retryMax + " is empty");
        }
    }

    /** What an SSE client gets for a transient failure. */
    public enum Answer {
        EVENT_STREAM("event-stream"),
        STATUS("status");

        private final String label;

        Answer(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        public static Optional<Answer> byLabel(String label) {
            for (Answer a : values()) {
                if (a.label.equals(label)) {
                    return Optional.of(a);
                }
            }
            return Optional.empty();
        }
    }
}
