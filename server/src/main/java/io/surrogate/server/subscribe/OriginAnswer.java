package io.surrogate.server.subscribe;

/**
 * What an origin said, or how reaching it failed ({@code failure} non-null, status 0).
 *
 * @param retryAfter the origin's {@code Retry-After} as it sent it, null without one
 */
public record OriginAnswer(int status, String contentType, byte[] body, Failure failure, String retryAfter) {
    /** How a call failed without an answer: unreachable, no answer in time, or too many waiting for the origin. */
    public enum Failure { REFUSED, TIMEOUT, BUSY }

    public OriginAnswer {
        body = body == null ? new byte[0] : body;
    }

    public OriginAnswer(int status, String contentType, byte[] body, Failure failure) {
        this(status, contentType, body, failure, null);
    }

    public boolean accepted() {
        return failure == null && status == 202;
    }

    /** What it was, for a log line: {@code answered 503}, {@code unreachable}, {@code no answer in time}. */
    public String describe() {
        if (failure == Failure.TIMEOUT) {
            return "no answer in time";
        }
        if (failure == Failure.REFUSED) {
            return "unreachable";
        }
        if (failure == Failure.BUSY) {
            return "too many requests waiting";
        }
        return "answered " + status;
    }
}
