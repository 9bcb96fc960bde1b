package io.surrogate.engine.compile;

import io.surrogate.engine.diag.DiagnosticCode;
import io.surrogate.engine.eval.Template;
import io.surrogate.engine.match.ValuePattern;
import io.surrogate.engine.text.Wildcards;
import io.surrogate.rules.model.ValueMatchElement;
import java.util.List;
import java.util.Map;

/**
 * The value of a match and its switches (ignore-case, wildcard, regex, prefix) compiled into a
 * {@link ValuePattern}; named regex groups become captures of the body's scope.
 */
final class ValuePatternCompiler {
    /** Wildcards above these bounds draw a warning (W005): matching costs up to value length × pattern length. */
    static final int COSTLY_STARS = 8;
    static final int COSTLY_WILDCARD_LENGTH = 256;

    private final CompileContext cx;
    private final AttributeValues values;
    private final RegexCompiler regexes;

    ValuePatternCompiler(CompileContext cx, AttributeValues values) {
        this.cx = cx;
        this.values = values;
        this.regexes = new RegexCompiler(cx);
    }

    /** @param prefixAttribute the raw {@code prefix} attribute where the element has one, else null */
    ValuePattern compile(ValueMatchElement m, Scope scope, Scope inner, boolean alwaysIgnoreCase, String prefixAttribute) {
        String value = m.value();
        if (value == null) {
            cx.diagnostics.error(DiagnosticCode.E106, m.position(), "'" + m.elementName() + "' needs the attribute 'value'");
            return null;
        }
        boolean ignoreCase = alwaysIgnoreCase | values.bool(m, "ignore-case", m.ignoreCase(), false);
        boolean wildcard = values.bool(m, "wildcard", m.wildcard(), false);
        boolean regex = values.bool(m, "regex", m.regex(), false);
        boolean prefix = prefixAttribute != null && values.bool(m, "prefix", prefixAttribute, false);
        if ((wildcard ? 1 : 0) + (regex ? 1 : 0) + (prefix ? 1 : 0) > 1) {
            cx.diagnostics.error(DiagnosticCode.E206, m.position(), "'" + m.elementName() + "' sets more than one of "
                    + (prefixAttribute != null ? "prefix, " : "") + "wildcard and regex", "choose one way to compare the value");
            return null;
        }
        if ((wildcard || regex) && value.contains("$(")) {
            cx.diagnostics.error(DiagnosticCode.E213, cx.attribute(m, "value"), "a " + (regex ? "regex" : "wildcard")
                    + " value cannot hold a variable reference: patterns are compiled once, at load time",
                    "compare with <match:variable name=\"...\" value=\"...\"/> instead, or write the pattern out");
            return null;
        }
        if (wildcard) {
            if (Wildcards.stars(value) > COSTLY_STARS || value.length() > COSTLY_WILDCARD_LENGTH) {
                cx.diagnostics.warning(DiagnosticCode.W005, cx.attribute(m, "value"), "costly wildcard: " + Wildcards.stars(value)
                        + " '*' in " + value.length() + " characters; a value is compared with every segment between them",
                        "keep a wildcard under " + (COSTLY_STARS + 1) + " '*' and " + COSTLY_WILDCARD_LENGTH + " characters, or split it over nested matches");
            }
            return ValuePattern.wildcard(value, ignoreCase);
        }
        if (regex) {
            com.google.re2j.Pattern p = regexes.compile(value, ignoreCase, cx.attribute(m, "value"));
            if (p == null) {
                return null;
            }
            List<String> groups = p.namedGroups().entrySet().stream()
                    .sorted(Map.Entry.comparingByValue()).map(Map.Entry::getKey).toList();
            groups.forEach(inner::defineCapture);
            return ValuePattern.regex(value, ignoreCase, p, groups);
        }
        Template t = cx.template(value, scope, cx.attribute(m, "value"));
        return prefix ? ValuePattern.prefix(t, ignoreCase) : ValuePattern.exact(t, ignoreCase);
    }
}
