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

    public Decision build() {
        return new Decision(outcome, headers == null ? List.of() : headers, rateLimits == null ? List.of() : rateLimits);
    }
}
