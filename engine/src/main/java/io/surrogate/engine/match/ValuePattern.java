package io.surrogate.engine.match;

import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.eval.Template;
import io.surrogate.engine.print.CanonicalXml;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How a match compares a value: exactly, by prefix, by wildcard or by regex, with or without
 * case. Patterns are compiled once here; a regex's named groups become captures that
 * {@code variable:extract from="regex-capture"} reads.
 */
public final class ValuePattern {
    public enum Mode { EXACT, PREFIX, WILDCARD, REGEX }

    private final Mode mode;
    private final Template value;
    private final boolean ignoreCase;
    private final Pattern pattern;
    private final List<String> groupNames;

    private ValuePattern(Mode mode, Template value, boolean ignoreCase, Pattern pattern, List<String> groupNames) {
        this.mode = mode;
        this.value = value;
        this.ignoreCase = ignoreCase;
        this.pattern = pattern;
        this.groupNames = List.copyOf(groupNames);
    }

    public static ValuePattern exact(Template value, boolean ignoreCase) {
        return new ValuePattern(Mode.EXACT, value, ignoreCase, null, List.of());
    }

    public static ValuePattern prefix(Template value, boolean ignoreCase) {
        return new ValuePattern(Mode.PREFIX, value, ignoreCase, null, List.of());
    }

    /** A compiled pattern (wildcard already translated to a regex). */
    public static ValuePattern pattern(Mode mode, Template value, boolean ignoreCase, Pattern pattern, List<String> groupNames) {
        return new ValuePattern(mode, value, ignoreCase, pattern, groupNames);
    }

    public Mode mode() {
        return mode;
    }

    public boolean ignoreCase() {
        return ignoreCase;
    }

    public Template value() {
        return value;
    }

    public List<String> groupNames() {
        return groupNames;
    }

    public boolean test(String input, EvaluationContext ctx) {
        if (input == null) {
            return false;
        }
        switch (mode) {
            case EXACT -> {
                String v = value.render(ctx);
                return ignoreCase ? input.equalsIgnoreCase(v) : input.equals(v);
            }
            case PREFIX -> {
                String v = value.render(ctx);
                return input.regionMatches(ignoreCase, 0, v, 0, v.length());
            }
            default -> {
                java.util.regex.Matcher m = pattern.matcher(input);
                if (!m.matches()) {
                    return false;
                }
                for (String name : groupNames) {
                    String g = m.group(name);
                    if (g != null) {
                        ctx.capture(name, g);
                    }
                }
                return true;
            }
        }
    }

    /** The switches as attributes (defaults left out). */
    public void addAttributes(List<CanonicalXml.Attr> attrs, boolean prefixAllowed) {
        if (ignoreCase) {
            attrs.add(new CanonicalXml.Attr("ignore-case", "true"));
        }
        if (mode == Mode.WILDCARD) {
            attrs.add(new CanonicalXml.Attr("wildcard", "true"));
        }
        if (mode == Mode.REGEX) {
            attrs.add(new CanonicalXml.Attr("regex", "true"));
        }
        if (prefixAllowed && mode == Mode.PREFIX) {
            attrs.add(new CanonicalXml.Attr("prefix", "true"));
        }
    }
}
