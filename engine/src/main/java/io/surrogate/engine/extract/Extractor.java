package io.surrogate.engine.extract;

import io.surrogate.engine.eval.EvaluationContext;

/** Where a variable's value comes from. Returns null when the request does not have it. */
public interface Extractor {
    String extract(EvaluationContext ctx);

    /** The {@code from} attribute. */
    String from();

    /** The {@code key} attribute, or null. */
    default String key() {
        return null;
    }

    /** The {@code value} attribute (constants, expressions), or null. */
    default String value() {
        return null;
    }
}
