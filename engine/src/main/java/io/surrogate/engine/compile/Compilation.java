package io.surrogate.engine.compile;

import io.surrogate.engine.diag.Diagnostic;
import io.surrogate.engine.diag.DiagnosticCode;
import io.surrogate.engine.eval.Statement;
import io.surrogate.engine.token.KeySource;
import io.surrogate.rules.schema.ReadResult;
import io.surrogate.rules.schema.SchemaProblem;
import io.surrogate.rules.schema.SourceText;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One run of the compiler over a list of documents; {@code RuleCompiler} wraps its output. */
public final class Compilation {
    /** The compiled statements and what is known about them. */
    public record Output(List<Statement> statements, List<String> variableNames, List<String> files,
            List<Diagnostic> diagnostics, boolean hasErrors, Map<String, SourceText> sources) {}

    private final CompileContext cx;

    public Compilation(KeySource keys) {
        this.cx = new CompileContext(keys);
    }

    public Output run(List<ReadResult> documents) {
        Map<String, SourceText> sources = new LinkedHashMap<>();
        List<Statement> statements = new ArrayList<>();
        List<String> files = new ArrayList<>();
        Scope root = new Scope(null);
        StatementCompiler compiler = new StatementCompiler(cx);
        for (String problem : cx.keyProblems()) {
            cx.diagnostics.error(DiagnosticCode.E303, new io.surrogate.rules.model.SourcePosition(problem.split(": ", 2)[0], 1, 1),
                    problem.contains(": ") ? problem.split(": ", 2)[1] : problem, "regenerate it with 'surrogate keys generate' or remove it");
        }
        for (ReadResult doc : documents) {
            sources.put(doc.source().file(), doc.source());
            files.add(doc.source().file());
            for (SchemaProblem p : doc.problems()) {
                cx.diagnostics.fromSchema(new Diagnostic(DiagnosticCode.of(p.kind()), p.position(), p.message(), p.help()));
            }
            if (doc.rules().isPresent()) {
                cx.source = doc.source();
                statements.addAll(compiler.body(doc.rules().get().statements(), root));
            }
        }
        cx.reportUnused();
        return new Output(statements, cx.variableNames(), files, cx.diagnostics.sorted(), cx.diagnostics.hasErrors(), sources);
    }
}
