package io.surrogate.engine.diag;

import io.surrogate.rules.model.SourcePosition;

/** One finding: a stable code, where, what, and optionally how to fix it. */
public record Diagnostic(DiagnosticCode code, SourcePosition position, String message, String help) {

    public Severity severity() {
        return code.severity();
    }

    /** {@code file:line:col: error[E201]: message}, the first line of the rendered form. */
    public String headline() {
        return position + ": " + severity().label() + "[" + code + "]: " + message;
    }

    @Override
    public String toString() {
        return headline();
    }
}
