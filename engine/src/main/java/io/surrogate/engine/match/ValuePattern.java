package io.surrogate.engine.match;

import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.eval.Template;
import io.surrogate.engine.print.CanonicalXml;
import io.surrogate.engine.text.Wildcards;
import java.util.List;

/**
 * How a match compares a value: exactly, by prefix, by wildcard or by regex, with or without
 * case. Patterns are compiled once, by the compiler; a regex's named groups become captures
 * that {@code variable:extract from="regex-capture"} reads.
 *
 * <p>Every comparison takes time linear in the value: wildcards run on {@link Wildcards}'
 * matcher, regexes on RE2/J, neither of which backtracks. A wildcard or regex comparison
 * reads at most {@link #MAX_VALUE_LENGTH} characters: a longer value does not match.
 */
public final class ValuePattern {
    public enum Mode { EXACT, PREFIX, WILDCARD, REGEX }

    /** The longest value a wildcard or regex is run on (8 KiB of characters); longer values do not match. */
    public static final int MAX_VALUE_LENGTH = 8192;

    private final Mode mode;
    private final Template value;
    private final boolean ignoreCase;
    private final Wildcards.Glob glob;
    private final com.google.re2j.Pattern regex;
    private final List<String> groupNames;

    private ValuePattern(Mode mode, Template value, boolean ignoreCase, Wildcards.Glob glob, com.google.re2j.Pattern regex,
            List<String> groupNames) {
        this.mode = mode;
        this.value = value;
        this.ignoreCase = ignoreCase;
        this.glob = glob;
        this.regex = regex;
        this.groupNames = List.copyOf(groupNames);
    }

    public static ValuePattern exact(Template value, boolean ignoreCase) {
        return new ValuePattern(Mode.EXACT, value, ignoreCase, null, null, List.of());
    }

    public static ValuePattern prefix(Template value, boolean ignoreCase) {
        return new ValuePattern(Mode.PREFIX, value, ignoreCase, null, null, List.of());
    }

    public static ValuePattern wildcard(String pattern, boolean ignoreCase) {
        return new ValuePattern(Mode.WILDCARD, Template.constant(pattern), ignoreCase, Wildcards.compile(pattern, ignoreCase), null, List.of());
    }

    /** A regex compiled by RE2/J (with its case flag) and the names of its groups, in order. */
    public static ValuePattern regex(String source, boolean ignoreCase, com.google.re2j.Pattern regex, List<String> groupNames) {
        return new ValuePattern(Mode.REGEX, Template.constant(source), ignoreCase, null, regex, groupNames);
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
            case WILDCARD -> {
                return input.length() <= MAX_VALUE_LENGTH && glob.matches(input);
            }
            default -> {
                if (input.length() > MAX_VALUE_LENGTH) {
                    return false;
                }
                com.google.re2j.Matcher m = regex.matcher(input);
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
