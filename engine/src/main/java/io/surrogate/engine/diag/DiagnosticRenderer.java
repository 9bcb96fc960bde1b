package io.surrogate.engine.diag;

import io.surrogate.rules.schema.SourceText;
import java.util.Map;

/**
 * Renders a diagnostic the way compilers do:
 * <pre>
 * mail.xml:13:13: error[E201]: unknown variable 'USR'; variables in scope: EVENT, USER
 *    |
 * 13 |       <user>$(USR)</user>
 *    |             ^
 *    = help: did you mean 'USER'?
 * </pre>
 */
public final class DiagnosticRenderer {
    private final Map<String, SourceText> sources;

    public DiagnosticRenderer(Map<String, SourceText> sources) {
        this.sources = sources;
    }

    public String render(Diagnostic d) {
        StringBuilder out = new StringBuilder(d.headline()).append('\n');
        SourceText source = sources.get(d.position().file());
        int line = d.position().line();
        String text = source == null ? "" : source.line(line);
        String gutter = " ".repeat(String.valueOf(Math.max(line, 1)).length());
        if (!text.isEmpty()) {
            String shown = text.replace('\t', ' ');
            out.append(gutter).append(" |\n");
            out.append(line).append(" | ").append(shown).append('\n');
            int caret = Math.max(1, Math.min(d.position().column(), shown.length() + 1));
            out.append(gutter).append(" | ").append(" ".repeat(caret - 1)).append("^\n");
        }
        if (d.help() != null && !d.help().isBlank()) {
            out.append(gutter).append(" = help: ").append(d.help()).append('\n');
        }
        return out.toString();
    }
}
