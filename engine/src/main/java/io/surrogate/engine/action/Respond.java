package io.surrogate.engine.action;

import io.surrogate.engine.Decision;
import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.eval.Statement;
import io.surrogate.engine.eval.Template;
import io.surrogate.engine.eval.TraceEntry;
import io.surrogate.engine.print.CanonicalXml;
import io.surrogate.rules.model.SourcePosition;

/**
 * {@code edgeservices:respond} and {@code edgeservices:deny}: answer the client directly.
 * Deny is a respond with a reason as its body, 403 unless told otherwise.
 */
public final class Respond implements Statement {
    public static final String DEFAULT_CONTENT_TYPE = "text/plain; charset=utf-8";

    private final boolean deny;
    private final int status;
    private final String contentType;
    private final Template body;
    private final SourcePosition position;
    private final String syntax;

    public Respond(boolean deny, int status, String contentType, Template body, SourcePosition position) {
        this.deny = deny;
        this.status = status;
        this.contentType = contentType;
        this.body = body;
        this.position = position;
        this.syntax = deny
                ? CanonicalXml.tag("edgeservices:deny", CanonicalXml.attrs("status", Integer.toString(status),
                        "reason", body.source().isEmpty() ? null : body.source()), true)
                : CanonicalXml.tag("edgeservices:respond", CanonicalXml.attrs("status", Integer.toString(status),
                        "content-type", contentType.equals(DEFAULT_CONTENT_TYPE) ? null : contentType), false);
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
    public SourcePosition position() {
        return position;
    }

    @Override
    public String syntax() {
        return syntax;
    }

    @Override
    public void print(CanonicalXml out) {
        if (deny) {
            out.empty("edgeservices:deny", CanonicalXml.attrs("status", Integer.toString(status),
                    "reason", body.source().isEmpty() ? null : body.source()));
        } else {
            out.text("edgeservices:respond", CanonicalXml.attrs("status", Integer.toString(status),
                    "content-type", contentType.equals(DEFAULT_CONTENT_TYPE) ? null : contentType), body.source());
        }
    }

    @Override
    public String toString() {
        return syntax + " (" + position + ")";
    }
}
