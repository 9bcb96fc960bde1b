package io.surrogate.engine.diag;

import io.surrogate.rules.model.SourcePosition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Collects every diagnostic of a compilation. Where the schema already reported an element or
 * attribute (an E1xx at that position), the compiler's own finding there would only repeat it
 * in other words, so it is dropped; exact repeats are dropped too.
 */
public final class Diagnostics {
    private final List<Diagnostic> all = new ArrayList<>();
    private final Set<SourcePosition> schemaErrorPositions = new HashSet<>();
    private final Set<Diagnostic> seen = new HashSet<>();
    private boolean errors;

    public void error(DiagnosticCode code, SourcePosition at, String message) {
        add(new Diagnostic(code, at, message, null));
    }

    public void error(DiagnosticCode code, SourcePosition at, String message, String help) {
        add(new Diagnostic(code, at, message, help));
    }

    public void warning(DiagnosticCode code, SourcePosition at, String message, String help) {
        add(new Diagnostic(code, at, message, help));
    }

    /** A problem the reader or the schema found: recorded, and its position claimed. */
    public void fromSchema(Diagnostic d) {
        if (seen.add(d)) {
            schemaErrorPositions.add(d.position());
            errors |= d.severity() == Severity.ERROR;
            all.add(d);
        }
    }

    /** A compiler finding: dropped when the schema already reported that spot. */
    public void add(Diagnostic d) {
        if (!seen.add(d)) {
            return;
        }
        if (d.severity() == Severity.ERROR && schemaErrorPositions.contains(d.position())) {
            return;
        }
        errors |= d.severity() == Severity.ERROR;
        all.add(d);
    }

    public boolean hasErrors() {
        return errors;
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
