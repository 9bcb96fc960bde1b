package io.surrogate.engine;

import io.surrogate.engine.eval.Trace;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The result of running a rule set on a request: the decision, the variables, and (dry runs) the trace. */
public final class Evaluation {
    private final Decision decision;
    private final List<String> variableNames;
    private final String[] values;
    private final Trace trace;

    Evaluation(Decision decision, List<String> variableNames, String[] values, Trace trace) {
        this.decision = decision;
        this.variableNames = variableNames;
        this.values = values;
        this.trace = trace;
    }

    public Decision decision() {
        return decision;
    }

    /** The variables that were set, in the order the rule set defines them. */
    public Map<String, String> variables() {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                out.put(variableNames.get(i), values[i]);
            }
        }
        return out;
    }

    public Optional<Trace> trace() {
        return Optional.ofNullable(trace);
    }
}
