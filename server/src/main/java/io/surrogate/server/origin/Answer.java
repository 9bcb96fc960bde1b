package io.surrogate.server.origin;

import java.time.Duration;

/**
 * How the sample origin answers a subscribe or unsubscribe request whose signature verified.
 *
 * @param contentType null for no Content-Type (and then the body should be empty)
 * @param delayMillis how long to wait before answering; other requests are served meanwhile
 * @param retryAfter the {@code Retry-After} header to send, null for none
 */
public record Answer(int status, String contentType, String body, long delayMillis, String retryAfter) {

    public Answer(int status, String contentType, String body, long delayMillis) {
        this(status, contentType, body, delayMillis, null);
    }

    public Answer {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status " + status + " is not an HTTP status");
        }
        body = body == null ? "" : body;
        if (delayMillis < 0) {
            throw new IllegalArgumentException("delayMillis " + delayMillis + " is negative");
        }
    }

    /** {@code 202 Accepted}, empty: hold the client. */
    public static Answer accepted() {
        return new Answer(202, null, "", 0);
    }

    /** {@code 200 OK}, empty: the unsubscribe acknowledgement (and, to a subscribe, a wrong answer). */
    public static Answer ok() {
        return new Answer(200, null, "", 0);
    }

    /** Any status with a short text body, e.g. {@code Answer.text(403, "mailbox closed")}. */
    public static Answer text(int status, String body) {
        return new Answer(status, "text/plain; charset=utf-8", body, 0);
    }

    public Answer delayedBy(Duration delay) {
        return new Answer(status, contentType, body, delay.toMillis(), retryAfter);
    }

    /** The same answer with a {@code Retry-After} header, e.g. {@code "7"}. */
    public Answer withRetryAfter(String value) {
        return new Answer(status, contentType, body, delayMillis, value);
    }

    @Override
    public String toString() {
        return status + (delayMillis > 0 ? " after " + delayMillis + " ms" : "");
    }
}
