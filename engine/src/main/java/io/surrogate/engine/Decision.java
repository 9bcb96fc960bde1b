package io.surrogate.engine;

import java.time.Duration;
import java.util.List;

/**
 * What the rules decided for a request: the outcome (subscribe, respond, or no rule matched),
 * response headers to add, and rate limits the server must enforce before acting.
 */
public record Decision(Outcome outcome, List<HeaderField> responseHeaders, List<RateLimit> rateLimits) {

    public Decision {
        responseHeaders = List.copyOf(responseHeaders);
        rateLimits = List.copyOf(rateLimits);
    }

    public sealed interface Outcome permits Subscribe, Respond, NoMatch {}

    /** Subscribe the client at the origin and hold it. */
    public record Subscribe(SubscriptionPlan plan) implements Outcome {}

    /** Answer directly (respond, deny, a refused extract, a CORS preflight). */
    public record Respond(int status, String contentType, String body, String rule) implements Outcome {}

    /** No rule decided anything: the server answers 404. */
    public record NoMatch() implements Outcome {}

    /** A header value, already escaped for a header. */
    public record HeaderField(String name, String value) {}

    /** At most {@code limit} requests per {@code window} for each value of {@code key}. */
    public record RateLimit(String key, long limit, Duration window, int status, String rule) {}
}
