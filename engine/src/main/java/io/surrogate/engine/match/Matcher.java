package io.surrogate.engine.match;

import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.print.CanonicalXml;
import java.util.List;

/** A condition on a request, one per match element. Immutable and thread-safe. */
public interface Matcher {
    /** Whether the request matches, before negation. */
    boolean test(EvaluationContext ctx);

    /** What the matcher looked at, for traces: "path segments: mail, subscribe-event". */
    String observed(EvaluationContext ctx);

    /** The element name in canonical form, e.g. {@code match:uri.component}. */
    String elementName();

    /** Attributes in schema order, defaults left out ({@code result} is added by the block). */
    List<CanonicalXml.Attr> attributes();

    /** A key the rule index can file this matcher under, or null. */
    default IndexHint indexHint() {
        return null;
    }
}
