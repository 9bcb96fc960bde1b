package io.surrogate.engine.eval;

import io.surrogate.engine.Decision;
import java.util.ArrayList;
import java.util.List;

/** The decision as the statements build it: the last terminal action wins, headers accumulate. */
public final class DecisionBuilder {
    private static final Decision.Outcome NO_MATCH = new Decision.NoMatch();

    private Decision.Outcome outcome = NO_MATCH;
    private List<Decision.HeaderField> headers;
    private List<Decision.RateLimit> rateLimits;
    private boolean halted;
    private Decision.Respond corsRefusal;

    public void outcome(Decision.Outcome outcome) {
        this.outcome = outcome;
    }

    public Decision.Outcome outcome() {
        return outcome;
    }

    /** Sets a response header; a later setting of the same name replaces the earlier one. */
    public void header(String name, String value) {
        if (headers == null) {
            headers = new ArrayList<>(4);
        }
        headers.removeIf(h -> h.name().equalsIgnoreCase(name));
        headers.add(new Decision.HeaderField(name, value));
    }

    /** Drops the headers an earlier policy set (a later CORS rule replaces an earlier one whole). */
    public void removeHeaders(java.util.function.Predicate<Decision.HeaderField> which) {
        if (headers != null) {
            headers.removeIf(which);
        }
    }

    public void rateLimit(Decision.RateLimit limit) {
        if (rateLimits == null) {
            rateLimits = new ArrayList<>(2);
        }
        rateLimits.add(limit);
    }

    /** Stops the evaluation: nothing after this statement runs (a required variable is missing). */
    public void halt(Decision.Outcome outcome) {
        this.outcome = outcome;
        this.halted = true;
    }

    public boolean halted() {
        return halted;
    }

    /**
     * The last {@code edgeservices:cors} that judged the request's origin refused it (null: allowed,
     * or not judged). A refusal is the outcome whatever terminal action follows; a later CORS
     * rule that allows the origin lifts it.
     */
    public void corsRefusal(Decision.Respond refusal) {
        this.corsRefusal = refusal;
    }

    public boolean corsRefused() {
        return corsRefusal != null;
    }

    /** Whether a header is one that a CORS rule sets. */
    public static boolean corsHeader(Decision.HeaderField h) {
        return h.name().regionMatches(true, 0, "Access-Control-", 0, 15) || (h.name().equalsIgnoreCase("Vary") && h.value().equals("Origin"));
    }

    public Decision build() {
        if (corsRefusal != null) {
            removeHeaders(DecisionBuilder::corsHeader);
            return new Decision(corsRefusal, headers == null ? List.of() : headers, rateLimits == null ? List.of() : rateLimits);
        }
        return new Decision(outcome, headers == null ? List.of() : headers, rateLimits == null ? List.of() : rateLimits);
    }
}
