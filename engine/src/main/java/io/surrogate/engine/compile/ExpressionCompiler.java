package io.surrogate.engine.compile;

import io.surrogate.engine.diag.DiagnosticCode;
import io.surrogate.engine.eval.ExpressionLanguage;
import io.surrogate.engine.eval.SandboxedExpression;
import io.surrogate.rules.model.Located;
import io.surrogate.rules.model.SourcePosition;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.jexl3.JexlException;
import org.apache.commons.jexl3.JexlExpression;
import org.apache.commons.jexl3.JexlScript;

/**
 * The expression of {@code match:expression} and {@code from="expression"}: parsed once by the
 * locked-down {@link ExpressionLanguage}, every name resolved to a variable in scope or a
 * built-in; anything else is a compile error at the attribute.
 */
final class ExpressionCompiler {
    private static final String ALLOWED = "expressions may use variables, literals and operators (== != < > && || ! =~ =^ =$ + - * / %), nothing else";

    private final CompileContext cx;
    private final RegexCompiler regexes;

    ExpressionCompiler(CompileContext cx) {
        this.cx = cx;
        this.regexes = new RegexCompiler(cx);
    }

    SandboxedExpression compile(Located element, String source, Scope scope) {
        SourcePosition at = cx.attribute(element, "value");
        if (source == null) {
            return null;
        }
        if (source.length() > ExpressionLanguage.MAX_LENGTH) {
            cx.diagnostics.error(DiagnosticCode.E203, at, "expression is " + source.length() + " characters; the limit is "
                    + ExpressionLanguage.MAX_LENGTH, "an expression is a condition; split it over nested matches");
            return null;
        }
        int reference = source.indexOf("$(");
        if (reference >= 0) {
            int close = source.indexOf(')', reference);
            String name = close < 0 ? "NAME" : source.substring(reference + 2, close);
            cx.diagnostics.error(DiagnosticCode.E203, cx.find(at, "$("), "an expression names variables directly, not as $(" + name + ")",
                    "write " + name + " == 'value' instead of $(" + name + ") == 'value'");
            return null;
        }
        JexlExpression parsed;
        try {
            parsed = ExpressionLanguage.parse(source);
        } catch (ExpressionLanguage.TooDeep e) {
            cx.diagnostics.error(DiagnosticCode.E203, at, "invalid expression: " + e.getMessage(),
                    "an expression is a condition; split it over nested matches or extracts");
            return null;
        } catch (ExpressionLanguage.BadRegex e) {
            // the regex compiler reports why (E202, E214 or E215)
            if (regexes.compile(e.regex(), false, at) != null) {
                cx.diagnostics.error(DiagnosticCode.E202, at, "invalid regex '" + e.regex() + "' in the expression", null);
            }
            return null;
        } catch (ExpressionLanguage.Forbidden e) {
            cx.diagnostics.error(DiagnosticCode.E204, at, "forbidden in an expression: " + e.construct(),
                    e.construct().startsWith("a call") ? ALLOWED + "; the only functions are size(x) and empty(x)"
                            : "expressions see variables as plain values; there are no objects to reach into");
            return null;
        } catch (JexlException.Feature e) {
            cx.diagnostics.error(DiagnosticCode.E204, at, "forbidden in an expression: " + jexlMessage(e), ALLOWED);
            return null;
        } catch (JexlException e) {
            if (ExpressionLanguage.usesStatementKeyword(source)) {
                cx.diagnostics.error(DiagnosticCode.E204, at, "forbidden in an expression: loops, functions and other statements", ALLOWED);
            } else {
                cx.diagnostics.error(DiagnosticCode.E203, at, "invalid expression '" + source + "': " + jexlMessage(e), null);
            }
            return null;
        }
        String access = ExpressionLanguage.forbiddenAccess(source);
        if (access != null) {
            cx.diagnostics.error(DiagnosticCode.E204, at, "forbidden in an expression: property or index access near '" + access + "'",
                    "expressions see variables as plain values; there are no objects to reach into");
            return null;
        }
        Map<String, Integer> slots = new HashMap<>();
        boolean ok = true;
        for (List<String> path : parsed instanceof JexlScript script ? script.getVariables() : Set.<List<String>>of()) {
            String name = path.get(0);
            if (path.size() > 1) {
                cx.diagnostics.error(DiagnosticCode.E204, at, "forbidden in an expression: property access '" + String.join(".", path) + "'",
                        "expressions see variables as plain values; there are no objects to reach into");
                ok = false;
            } else if (SandboxedExpression.BUILTINS.contains(name) && !scope.hasVariable(name)) {
                continue;
            } else {
                int slot = cx.use(name, scope, at);
                ok &= slot >= 0;
                slots.put(name, slot);
            }
        }
        return ok ? new SandboxedExpression(source, parsed, slots) : null;
    }

    private static String jexlMessage(JexlException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        // JEXL prefixes its own location; ours is the element's, and the source is in the message
        m = m.replaceAll("^[^ ]*@\\d+:\\d+(:\\d+)? ", "");
        return m.replace('\n', ' ');
    }
}
