package io.surrogate.engine.action;

import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.eval.LocatedStatement;
import io.surrogate.engine.eval.Template;
import io.surrogate.engine.eval.TraceEntry;
import io.surrogate.engine.print.CanonicalXml;
import io.surrogate.engine.text.Escaping;
import io.surrogate.rules.model.SourcePosition;

/** {@code edgeservices:response.header}: a header on whatever answer the client gets, escaped for a header. */
public final class SetResponseHeader extends LocatedStatement {
    private final String name;
    private final Template value;

    public SetResponseHeader(String name, Template value, SourcePosition position) {
        super("edgeservices:response.header", CanonicalXml.attrs("name", name, "value", value.source()), true, position);
        this.name = name;
        this.value = value;
    }

    @Override
    public void run(EvaluationContext ctx) {
        String v = Escaping.headerValue(value.render(ctx));
        ctx.decision().header(name, v);
        if (ctx.tracing()) {
            ctx.trace().add(toString(), TraceEntry.Result.APPLIED, name + ": " + v);
        }
    }

}
