package io.surrogate.engine.action;

import io.surrogate.engine.Decision;
import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.eval.LocatedStatement;
import io.surrogate.engine.eval.Template;
import io.surrogate.engine.eval.TraceEntry;
import io.surrogate.engine.print.CanonicalXml;
import io.surrogate.rules.model.SourcePosition;

/**
 * {@code edgeservices:respond} and {@code edgeservices:deny}: answer the client directly.
 * Deny is a respond with a reason as its body, 403 unless told otherwise.
 */
public final class Respond extends LocatedStatement {
    public static final String DEFAULT_CONTENT_TYPE = "text/plain; charset=utf-8";

    private final boolean deny;
    private final int status;
    private final String contentType;
    private final Template body;

    public Respond(boolean deny, int status, String contentType, Template body, SourcePosition position) {
        super(deny ? "edgeservices:deny" : "edgeservices:respond", deny
                ? CanonicalXml.attrs("status", Integer.toString(status), "reason", body.source().isEmpty() ? null : body.source())
                : CanonicalXml.attrs("status", Integer.toString(status),
                        "content-type", contentType.equals(DEFAULT_CONTENT_TYPE) ? null : contentType), deny, position);
        this.deny = deny;
        this.status = status;
        this.contentType = contentType;
        this.body = body;
    }

    @Override
    public void run(EvaluationContext ctx) {
        String text = body.render(ctx);
        ctx.decision().outcome(new Decision.Respond(status, contentType,
                deny && !text.isEmpty() && !text.endsWith("\n") ? text + "\n" : text, toString()));
        if (ctx.tracing()) {
            ctx.trace().add(toString(), TraceEntry.Result.APPLIED, (deny ? "deny " : "respond ") + status);
        }
    }

    @Override
    public void print(CanonicalXml out) {
        if (deny) {
            super.print(out);
        } else {
            out.text(element(), attributes(), body.source());
        }
    }
}
