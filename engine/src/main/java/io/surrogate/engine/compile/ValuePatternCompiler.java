package io.surrogate.engine.compile;

import io.surrogate.engine.diag.DiagnosticCode;
import io.surrogate.engine.eval.Template;
import io.surrogate.engine.match.ValuePattern;
import io.surrogate.engine.text.Wildcards;
import io.surrogate.rules.model.ValueMatchElement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The value of a match and its switches (ignore-case, wildcard, regex, prefix) compiled into a
 * {@link ValuePattern}; named regex groups become captures of the body's scope.
 */
final class ValuePatternCompiler {
    private static final Pattern GROUP_NAME = Pattern.compile("\\(\\?<([a-zA-Z][a-zA-Z0-9]*)>");

    private final CompileContext cx;
    private final AttributeValues values;

    ValuePatternCompiler(CompileContext cx, AttributeValues values) {
        this.cx = cx;
        this.values = values;
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
        if (regex || wildcard) {
            String source = regex ? value : Wildcards.toRegex(value);
            try {
                Pattern p = Pattern.compile(source, ignoreCase ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0);
                List<String> groups = new ArrayList<>();
                java.util.regex.Matcher g = GROUP_NAME.matcher(regex ? value : "");
                while (g.find()) {
                    groups.add(g.group(1));
                    inner.defineCapture(g.group(1));
                }
                return ValuePattern.pattern(regex ? ValuePattern.Mode.REGEX : ValuePattern.Mode.WILDCARD,
                        Template.constant(value), ignoreCase, p, groups);
            } catch (PatternSyntaxException e) {
                cx.diagnostics.error(DiagnosticCode.E202, cx.attribute(m, "value"),
                        "invalid regex '" + value + "': " + e.getDescription() + (e.getIndex() >= 0 ? " at index " + e.getIndex() : ""),
                        "the syntax is Java's java.util.regex; named groups are (?<name>...)");
                return null;
            }
        }
        Template t = cx.template(value, scope, cx.attribute(m, "value"));
        return prefix ? ValuePattern.prefix(t, ignoreCase) : ValuePattern.exact(t, ignoreCase);
    }
}
