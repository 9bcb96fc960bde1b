package io.surrogate.engine.compile;

import io.surrogate.engine.diag.DiagnosticCode;
import io.surrogate.engine.text.Durations;
import io.surrogate.rules.model.Located;
import io.surrogate.rules.model.SourcePosition;
import io.surrogate.rules.model.TextElement;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * Attribute and child-element text read as booleans, numbers, durations and fixed words, each
 * checked against its range; a bad value is reported at its attribute and read as null (or the
 * default, for a boolean), so that the step goes on and finds the next problem.
 */
final class AttributeValues {
    private final CompileContext cx;

    AttributeValues(CompileContext cx) {
        this.cx = cx;
    }

    /** One of a fixed set of words in a child element, or the default when the element is absent; null after an error. */
    <T> T choice(TextElement e, T defaultValue, Function<String, Optional<T>> lookup, String what, String expected) {
        if (e == null) {
            return defaultValue;
        }
        Optional<T> value = lookup.apply(e.value().trim());
        if (value.isEmpty()) {
            cx.diagnostics.error(DiagnosticCode.E105, e.position(), "invalid " + what + " '" + e.value() + "'", "expected one of: " + expected);
        }
        return value.orElse(null);
    }

    boolean bool(Located e, String attribute, String text, boolean defaultValue) {
        if (text == null) {
            return defaultValue;
        }
        switch (text.trim()) {
            case "true", "1":
                return true;
            case "false", "0":
                return false;
            default:
                cx.diagnostics.error(DiagnosticCode.E105, attribute == null ? e.position() : cx.attribute(e, attribute),
                        "invalid value '" + text + "'" + (attribute == null ? "" : " for attribute '" + attribute + "'"), "expected true or false");
                return defaultValue;
        }
    }

    Integer integer(Located e, String attribute, String text, int min, int max) {
        SourcePosition at = attribute == null ? e.position() : cx.attribute(e, attribute);
        try {
            int n = Integer.parseInt(text.trim());
            if (n < min || n > max) {
                cx.diagnostics.error(DiagnosticCode.E211, at, "value " + n + " is out of range", "expected " + min + " to " + max);
                return null;
            }
            return n;
        } catch (NumberFormatException ex) {
            cx.diagnostics.error(DiagnosticCode.E105, at, "invalid number '" + text + "'", "expected a whole number from " + min + " to " + max);
            return null;
        }
    }

    Integer status(Located e, String text, int min) {
        return integer(e, "status", text, min, 599);
    }

    Duration duration(TextElement e, Duration min, Duration max, DiagnosticCode rangeCode) {
        return checkDuration(e.position(), e.value(), min, max, rangeCode, "'" + e.elementName() + "'");
    }

    Duration durationAttr(Located e, String attribute, String text, Duration min, Duration max) {
        return checkDuration(cx.attribute(e, attribute), text, min, max, DiagnosticCode.E211, "attribute '" + attribute + "'");
    }

    private Duration checkDuration(SourcePosition at, String text, Duration min, Duration max, DiagnosticCode rangeCode, String what) {
        Optional<Duration> d = Durations.parse(text);
        if (d.isEmpty()) {
            cx.diagnostics.error(DiagnosticCode.E105, at, "invalid duration '" + text + "' for " + what,
                    "expected a number and a unit: 250ms, 15s, 5m, 1h, 1d");
            return null;
        }
        if (d.get().compareTo(min) < 0 || d.get().compareTo(max) > 0) {
            cx.diagnostics.error(rangeCode, at, "duration " + text.trim() + " for " + what + " is out of range",
                    "expected " + Durations.format(min) + " to " + Durations.format(max));
            return null;
        }
        return d.get();
    }
}
