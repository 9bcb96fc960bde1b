package io.surrogate.rules.schema;

import io.surrogate.rules.model.RulesElement;
import java.util.List;
import java.util.Optional;

/**
 * What the reader made of one file: the bound model (absent when the document could not be
 * parsed at all) and every problem found, in document order.
 */
public record ReadResult(SourceText source, Optional<RulesElement> rules, List<SchemaProblem> problems) {
    public ReadResult {
        problems = List.copyOf(problems);
    }

    public boolean clean() {
        return problems.isEmpty() && rules.isPresent();
    }
}
