package io.surrogate.engine.action;

import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.eval.Statement;
import io.surrogate.engine.eval.Template;
import io.surrogate.engine.eval.TraceEntry;
import io.surrogate.engine.print.CanonicalXml;
import io.surrogate.engine.text.Escaping;
import io.surrogate.rules.model.SourcePosition;

/** {@code edgeservices:response.header}: a header on whatever answer the client gets, escaped for a header. */
public final class SetResponseHeader implements Statement {
    private final String name;
    private final Template value;
    private final SourcePosition position;
    private final String syntax;

    public SetResponseHeader(String name, Template value, SourcePosition position) {
        this.name = name;
        this.value = value;
        this.position = position;
        this.syntax = CanonicalXml.tag("edgeservices:response.header", CanonicalXml.attrs("name", name, "value", value.source()), true);
    }

    @Override
    public void run(EvaluationContext ctx) {
        String v = Escaping.headerValue(value.render(ctx));
        ctx.decision().header(name, v);
        if (ctx.tracing()) {
            ctx.trace().add(toString(), TraceEntry.Result.APPLIED, name + ": " + v);
        }
    }

    @Override
    public SourcePosition position() {
        return position;
    }

    @Override
    public String syntax() {
        return syntax;
    }

    @Override
    public void print(CanonicalXml out) {
        out.empty("edgeservices:response.header", CanonicalXml.attrs("name", name, "value", value.source()));
    }

    @Override
    public String toString() {
        return syntax + " (" + position + ")";
    }
}
