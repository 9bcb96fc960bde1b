package io.surrogate.engine.compile;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.surrogate.engine.diag.DiagnosticCode;
import io.surrogate.engine.text.RegexShape;
import io.surrogate.rules.model.SourcePosition;

/**
 * A match's regex compiled by RE2/J, which matches in time linear in the value and never
 * backtracks, so no value can make a match slow (no ReDoS). Before RE2/J sees it, the text is
 * scanned ({@link RegexShape}): a construct RE2/J lacks is {@code E214}, a regex whose counted
 * repetitions expand past {@link #MAX_SIZE} steps is {@code E215}, and a costly one draws
 * {@code W005}.
 */
final class RegexCompiler {
    static final long MAX_SIZE = RegexShape.MAX_SIZE;
    /** Expanded size above which a regex draws a warning. */
    static final long COSTLY_SIZE = 1_000;

    private final CompileContext cx;

    RegexCompiler(CompileContext cx) {
        this.cx = cx;
    }

    /** The compiled regex, or null after reporting at {@code at}. */
    Pattern compile(String regex, boolean ignoreCase, SourcePosition at) {
        RegexShape shape = RegexShape.of(regex);
        if (shape.unsupported() != null) {
            cx.diagnostics.error(DiagnosticCode.E214, at, "regex '" + regex + "' uses " + describe(shape.unsupported())
                    + " '" + shape.unsupportedText() + "', which the linear-time regex engine does not have", help(shape.unsupported()));
            return null;
        }
        if (shape.size() > MAX_SIZE) {
            cx.diagnostics.error(DiagnosticCode.E215, at, "regex '" + abbreviate(regex) + "' expands to about " + shape.size()
                    + " steps; the limit is " + MAX_SIZE, "counted repetitions multiply: (a{100}){100} is 10000 steps; use + or * or smaller counts");
            return null;
        }
        if (shape.depth() > RegexShape.MAX_DEPTH) {
            cx.diagnostics.error(DiagnosticCode.E215, at, "regex '" + abbreviate(regex) + "' nests groups " + shape.depth()
                    + " deep; the limit is " + RegexShape.MAX_DEPTH, "write it with fewer nested groups");
            return null;
        }
        Pattern compiled;
        try {
            compiled = Pattern.compile(regex, ignoreCase ? Pattern.CASE_INSENSITIVE : 0);
        } catch (PatternSyntaxException e) {
            cx.diagnostics.error(DiagnosticCode.E202, at, "invalid regex '" + regex + "': " + e.getDescription()
                            + (e.getPattern() == null || e.getPattern().isEmpty() ? "" : " near '" + e.getPattern() + "'"),
                    "the syntax is RE2's, as in Go's regexp: most of Java's, without backreferences and lookaround; named groups are (?<name>...)");
            return null;
        }
        if (shape.nestedRepetition() != null) {
            cx.diagnostics.warning(DiagnosticCode.W005, at, "costly regex: a repetition nested in a repetition, '"
                            + shape.nestedRepetition() + "'",
                    "it runs in linear time here, but takes exponential time on a backtracking engine and more steps per character here;"
                            + " write it without the nesting");
        } else if (shape.size() > COSTLY_SIZE) {
            cx.diagnostics.warning(DiagnosticCode.W005, at, "costly regex: it expands to about " + shape.size() + " steps,"
                    + " each tried on every character of a value", "use + or * or smaller counts in counted repetitions");
        }
        return compiled;
    }

    private static String describe(RegexShape.Unsupported kind) {
        return switch (kind) {
            case BACKREFERENCE -> "a backreference";
            case LOOKAROUND -> "a lookaround";
            case POSSESSIVE -> "a possessive quantifier";
            case ATOMIC_GROUP -> "an atomic group";
        };
    }

    private static String help(RegexShape.Unsupported kind) {
        return switch (kind) {
            case BACKREFERENCE -> "capture the group with (?<name>...) and compare it in the body with <match:variable>";
            case LOOKAROUND -> "test the other condition in a nested match, or in a match with result=\"false\"";
            case POSSESSIVE -> "the engine never backtracks, so a plain quantifier does the same: drop the trailing '+'";
            case ATOMIC_GROUP -> "the engine never backtracks, so a plain group (?:...) does the same";
        };
    }

    private static String abbreviate(String regex) {
        return regex.length() <= 80 ? regex : regex.substring(0, 77) + "...";
    }
}
