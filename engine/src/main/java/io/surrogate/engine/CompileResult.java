package io.surrogate.engine;

import io.surrogate.engine.diag.Diagnostic;
import io.surrogate.engine.diag.DiagnosticRenderer;
import io.surrogate.engine.diag.Severity;
import io.surrogate.rules.schema.SourceText;
import java.util.List;
import java.util.Map;

/** The outcome of compiling rule files: a rule set with its warnings, or every error found. */
public sealed interface CompileResult permits CompileResult.Success, CompileResult.Failure {

    List<Diagnostic> diagnostics();

    /** The text of each file, by name, for rendering excerpts. */
    Map<String, SourceText> sources();

    default boolean hasErrors() {
        return diagnostics().stream().anyMatch(d -> d.severity() == Severity.ERROR);
    }

    /** Every diagnostic rendered with its source line and caret. */
    default String render() {
        DiagnosticRenderer renderer = new DiagnosticRenderer(sources());
        StringBuilder out = new StringBuilder();
        for (Diagnostic d : diagnostics()) {
            out.append(renderer.render(d)).append('\n');
        }
        return out.toString();
    }

    record Success(RuleSet ruleSet, List<Diagnostic> diagnostics, Map<String, SourceText> sources) implements CompileResult {
        public Success {
            diagnostics = List.copyOf(diagnostics);
            sources = Map.copyOf(sources);
        }
    }

    record Failure(List<Diagnostic> diagnostics, Map<String, SourceText> sources) implements CompileResult {
        public Failure {
            diagnostics = List.copyOf(diagnostics);
            sources = Map.copyOf(sources);
        }
    }
}
