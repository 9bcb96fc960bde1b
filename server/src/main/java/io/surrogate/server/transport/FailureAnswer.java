package io.surrogate.server.transport;

import io.surrogate.engine.Decision;
import io.surrogate.engine.Transport;
import io.surrogate.engine.TransientFailure;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;
import java.nio.ByteBuffer;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

import static io.surrogate.server.transport.Responses.headers;
import static io.surrogate.server.transport.Responses.text;

/**
 * The one place that answers a subscribing client whose request failed (docs/protocol.md, "What
 * clients see"). A failure is <em>transient</em> when the edge would answer it 429 or 5xx (the
 * origin's 429 and 5xx, the origin refused, timed out or busy, the edge's own rate limit and
 * capacity, an edge error), permanent otherwise (the origin's 401, 403, 404…).
 *
 * <ul>
 *   <li>Transient, SSE transport, the rule's {@code <transient-failure answer="event-stream">}
 *       (the default): {@code 200 text/event-stream} with {@code retry:}, an {@code event: error}
 *       whose {@code data:} is one JSON object ({@code status}, {@code reason}, {@code message},
 *       {@code retry}), and the end of the response, so that an EventSource reconnects by itself.
 *   <li>Transient otherwise (long-poll, NDJSON, {@code answer="status"}): the failure's status,
 *       a short text and {@code Retry-After} in whole seconds: the one to honour as it is, else
 *       the drawn delay rounded up.
 *   <li>Permanent: the failure's status and its text (or the origin's body it forwards), which
 *       ends an EventSource for good; with a Retry-After to honour (a rate limit with the rule's
 *       own 4xx status), that too.
 * </ul>
 *
 * The delay: with a {@code Retry-After} of R seconds (the origin's, the rate limit's, the
 * capacity's), drawn evenly from R to 2R, so never earlier than asked; without one, drawn evenly
 * from the rule's {@code retry-min} to {@code retry-max}. Every client draws its own, so that a
 * thousand clients failed in the same second do not come back in the same second.
 */
public final class FailureAnswer {
    /** The longest Retry-After honoured: a larger one (or a date further away) counts as this. */
    public static final long MAX_RETRY_AFTER_SECONDS = 3600;

    private FailureAnswer() {}

    /**
     * What failed, as the edge says it in a plain answer.
     *
     * @param reason the subscribe outcome's word in the metrics and logs ({@code origin-timeout}, {@code rate-limited}…)
     * @param message one line for a person, without its final newline
     * @param retryAfterSeconds the Retry-After to honour, 0 for none
     * @param bodyType with {@code body}: the origin's answer forwarded in a plain answer, null for the message
     */
    public record Failure(int status, String reason, String message, long retryAfterSeconds, String bodyType, byte[] body) {
        public static Failure of(int status, String reason, String message) {
            return new Failure(status, reason, message, 0, null, null);
        }

        public Failure retryAfter(long seconds) {
            return new Failure(status, reason, message, Math.max(0, Math.min(seconds, MAX_RETRY_AFTER_SECONDS)), bodyType, body);
        }

        /** In a plain answer, the origin's body instead of the message (forward-rejection-body). */
        public Failure body(String type, byte[] bytes) {
            return new Failure(status, reason, message, retryAfterSeconds, type == null ? "application/octet-stream" : type, bytes);
        }

        /** Whether a client may succeed by trying again: 429 and every 5xx. */
        public boolean isTransient() {
            return status == StatusCodes.TOO_MANY_REQUESTS || status >= 500;
        }
    }

    /**
     * Answers {@code failure} on {@code exchange}, which ends.
     *
     * @param transport the transport the request would have had ({@link Transports#choose}); with {@code AUTO}
     *                  (no rule known) the client's Accept decides
     * @param headers the rule's response headers (CORS among them), added to every answer
     */
    public static void send(HttpServerExchange exchange, Failure failure, Transport transport, TransientFailure policy,
            List<Decision.HeaderField> headers) {
        send(exchange, failure, transport, policy, headers, ThreadLocalRandom.current());
    }

    static void send(HttpServerExchange exchange, Failure failure, Transport transport, TransientFailure policy,
            List<Decision.HeaderField> headers, RandomGenerator random) {
        headers(exchange, headers);
        if (!failure.isTransient()) {
            plain(exchange, failure);
            return;
        }
        long retry = retryMillis(failure, policy, random);
        Transport chosen = Transports.choose(transport, exchange.getRequestHeaders().getFirst(Headers.ACCEPT));
        if (chosen == Transport.SSE && policy.answer() == TransientFailure.Answer.EVENT_STREAM) {
            exchange.setStatusCode(StatusCodes.OK);
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-cache");
            exchange.getResponseSender().send("retry: " + retry + "\nevent: error\ndata: " + data(failure, retry) + "\n\n");
            return;
        }
        exchange.getResponseHeaders().put(Headers.RETRY_AFTER, Long.toString(failure.retryAfterSeconds() > 0
                ? failure.retryAfterSeconds() : Math.max(1, (retry + 999) / 1000)));
        plain(exchange, failure);
    }

    private static void plain(HttpServerExchange exchange, Failure failure) {
        if (failure.retryAfterSeconds() > 0) {
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, Long.toString(failure.retryAfterSeconds()));
        }
        if (failure.body() != null && failure.body().length > 0) {
            exchange.setStatusCode(failure.status());
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, failure.bodyType());
            exchange.getResponseSender().send(ByteBuffer.wrap(failure.body()));
        } else {
            text(exchange, failure.status(), failure.message() + "\n");
        }
    }

    /** The delay a client is told, in milliseconds: R to 2R for a Retry-After of R, else the rule's window. */
    static long retryMillis(Failure failure, TransientFailure policy, RandomGenerator random) {
        if (failure.retryAfterSeconds() > 0) {
            long r = failure.retryAfterSeconds() * 1000;
            return r + random.nextLong(r + 1);
        }
        long min = policy.retryMin().toMillis();
        long max = policy.retryMax().toMillis();
        return min + random.nextLong(max - min + 1);
    }

    /** The {@code data:} line's JSON: {@code {"status":503,"reason":"…","message":"…","retry":4186}}. */
    static String data(Failure failure, long retryMillis) {
        return "{\"status\":" + failure.status() + ",\"reason\":" + json(failure.reason()) + ",\"message\":" + json(failure.message())
                + ",\"retry\":" + retryMillis + "}";
    }

    private static String json(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    /**
     * A {@code Retry-After} value in seconds from now: delay-seconds or an HTTP date; 0 when
     * absent, unreadable or past, at most {@link #MAX_RETRY_AFTER_SECONDS}.
     */
    public static long retryAfterSeconds(String value, long nowMillis) {
        if (value == null || value.isBlank()) {
            return 0;
        }
        String v = value.trim();
        if (v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return v.length() > 9 ? MAX_RETRY_AFTER_SECONDS : Math.min(Long.parseLong(v), MAX_RETRY_AFTER_SECONDS);
        }
        try {
            long at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
            return Math.max(0, Math.min((at - nowMillis + 999) / 1000, MAX_RETRY_AFTER_SECONDS));
        } catch (DateTimeParseException e) {
            return 0;
        }
    }
}
