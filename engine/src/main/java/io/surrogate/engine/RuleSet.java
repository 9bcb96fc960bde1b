package io.surrogate.engine;

import com.google.common.hash.Hashing;
import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.eval.Statement;
import io.surrogate.engine.eval.Trace;
import io.surrogate.engine.print.CanonicalXml;
import io.surrogate.engine.request.EdgeRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A compiled, immutable rule set: the top-level statements of every file in order, the
 * variable slots, the index, and a fingerprint (SHA-256 of the canonical XML) that names this
 * exact behaviour. Thread-safe; the server swaps whole rule sets on reload.
 */
public final class RuleSet {
    private final List<Statement> statements;
    private final List<String> variableNames;
    private final List<String> files;
    private final RuleIndex index;
    private final String canonicalXml;
    private final String fingerprint;

    RuleSet(List<Statement> statements, List<String> variableNames, List<String> files) {
        this.statements = List.copyOf(statements);
        this.variableNames = List.copyOf(variableNames);
        this.files = List.copyOf(files);
        this.index = new RuleIndex(this.statements);
        CanonicalXml out = new CanonicalXml().openRoot();
        for (Statement s : this.statements) {
            s.print(out);
        }
        this.canonicalXml = out.closeRoot().toString();
        this.fingerprint = Hashing.sha256().hashString(canonicalXml, StandardCharsets.UTF_8).toString();
    }

    /** Runs the rules that can apply (found through the index) and returns the decision. */
    public Evaluation evaluate(EdgeRequest request, EdgeEnvironment environment) {
        EvaluationContext ctx = new EvaluationContext(request, environment, variableNames.size(), null);
        index.run(statements, ctx);
        return new Evaluation(ctx.decision().build(), variableNames, ctx.variablesView(), null);
    }

    /** Runs every rule, recording why each matched or did not: for dry runs and tests. */
    public Evaluation trace(EdgeRequest request, EdgeEnvironment environment) {
        Trace trace = new Trace();
        EvaluationContext ctx = new EvaluationContext(request, environment, variableNames.size(), trace);
        RuleIndex.scan(statements, ctx);
        return new Evaluation(ctx.decision().build(), variableNames, ctx.variablesView(), trace);
    }

    public List<Statement> statements() {
        return statements;
    }

    public List<String> variableNames() {
        return variableNames;
    }

    /** The files this rule set was compiled from, in order. */
    public List<String> files() {
        return files;
    }

    public String canonicalXml() {
        return canonicalXml;
    }

    /** Lowercase hex SHA-256 of {@link #canonicalXml()}. */
    public String fingerprint() {
        return fingerprint;
    }

    @Override
    public String toString() {
        return "rule set " + fingerprint.substring(0, 12) + " (" + statements.size() + " top-level statements from " + files + ")";
    }
}
