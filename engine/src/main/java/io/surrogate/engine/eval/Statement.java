package io.surrogate.engine.eval;

import io.surrogate.engine.print.CanonicalXml;
import io.surrogate.rules.model.SourcePosition;

/**
 * A compiled statement of a rule body: a match block, a variable extraction, or an action.
 * Immutable, shared by every request. {@code toString()} is its start tag in rule syntax and
 * its location, which is what traces show.
 */
public interface Statement {
    void run(EvaluationContext ctx);

    SourcePosition position();

    /** The start tag in rule syntax, e.g. {@code <match:uri.component value="x">}. */
    String syntax();

    void print(CanonicalXml out);
}
