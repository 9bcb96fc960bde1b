package io.surrogate.engine.diag;

import io.surrogate.rules.model.SourcePosition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Collects every diagnostic of a compilation. One error per position: when the schema already
 * reported an element, the compiler's finding at the same place would only repeat it.
 */
public final class Diagnostics {
    private final List<Diagnostic> all = new ArrayList<>();
    private final Set<SourcePosition> errorPositions = new HashSet<>();

    public void error(DiagnosticCode code, SourcePosition at, String message) {
        add(new Diagnostic(code, at, message, null));
    }

    public void error(DiagnosticCode code, SourcePosition at, String message, String help) {
        add(new Diagnostic(code, at, message, help));
    }

    public void warning(DiagnosticCode code, SourcePosition at, String message, String help) {
        add(new Diagnostic(code, at, message, help));
    }

    public void add(Diagnostic d) {
        if (d.severity() == Severity.ERROR && !errorPositions.add(d.position())) {
            return;
        }
        all.add(d);
    }

    public boolean hasErrors() {
        return !errorPositions.isEmpty();
    }

    public int errorCount() {
        return (int) all.stream().filter(d -> d.severity() == Severity.ERROR).count();
    }

    /** All diagnostics, by file, then line, then column. */
    public List<Diagnostic> sorted() {
        List<Diagnostic> out = new ArrayList<>(all);
        out.sort(Comparator.comparing((Diagnostic d) -> d.position().file())
                .thenComparingInt(d -> d.position().line())
                .thenComparingInt(d -> d.position().column()));
        return List.copyOf(out);
    }
}
