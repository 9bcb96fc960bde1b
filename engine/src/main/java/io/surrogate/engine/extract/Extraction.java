package io.surrogate.engine.extract;

import io.surrogate.engine.Decision;
import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.eval.LocatedStatement;
import io.surrogate.engine.eval.Template;
import io.surrogate.engine.eval.TraceEntry;
import io.surrogate.engine.print.CanonicalXml;
import io.surrogate.rules.model.SourcePosition;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code variable:extract}: take a value from its source, fall back to the default when absent
 * or empty, run the transforms, store it in the variable's slot (or leave it unset when
 * absent). A required variable that ends up absent or empty stops the evaluation with 400.
 */
public final class Extraction extends LocatedStatement {
    private final String name;
    private final int slot;
    private final Extractor extractor;
    private final Template defaultValue;
    private final Transform[] transforms;
    private final boolean required;

    public Extraction(String name, int slot, Extractor extractor, Template defaultValue, List<Transform> transforms,
            boolean required, SourcePosition position) {
        super("variable:extract", attributes(name, extractor, defaultValue, transforms, required), true, position);
        this.name = name;
        this.slot = slot;
        this.extractor = extractor;
        this.defaultValue = defaultValue;
        this.transforms = transforms.toArray(Transform[]::new);
        this.required = required;
    }

    public String name() {
        return name;
    }

    public int slot() {
        return slot;
    }

    @Override
    public void run(EvaluationContext ctx) {
        String value = extractor.extract(ctx);
        if ((value == null || value.isEmpty()) && defaultValue != null) {
            value = defaultValue.render(ctx);
        }
        if (value != null) {
            for (Transform t : transforms) {
                value = t.apply(value);
            }
        }
        if (required && (value == null || value.isEmpty())) {
            ctx.decision().halt(new Decision.Respond(400, "text/plain; charset=utf-8",
                    "missing " + describeSource() + "\n", toString()));
            if (ctx.tracing()) {
                ctx.trace().add(toString(), TraceEntry.Result.FAILED, "required " + describeSource() + " is " + (value == null ? "missing" : "empty") + ": 400");
            }
            return;
        }
        // An absent value leaves the variable unset: it renders as "", and match:variable without
        // a value (a presence check) sees that it is absent.
        ctx.setVariable(slot, value);
        if (ctx.tracing()) {
            ctx.trace().add(toString(), TraceEntry.Result.SET,
                    value == null ? name + " unset (" + describeSource() + " absent)" : name + " = \"" + value + "\"");
        }
    }

    private String describeSource() {
        return extractor.key() == null ? extractor.from() : extractor.from() + " '" + extractor.key() + "'";
    }

    private static List<CanonicalXml.Attr> attributes(String name, Extractor extractor, Template defaultValue,
            List<Transform> transforms, boolean required) {
        return CanonicalXml.attrs(
                "name", name,
                "from", extractor.from(),
                "key", extractor.key(),
                "value", extractor.value(),
                "default", defaultValue == null ? null : defaultValue.source(),
                "transform", transforms.isEmpty() ? null : transforms.stream().map(Transform::spelling).collect(Collectors.joining(" ")),
                "required", required ? "true" : null);
    }

}
