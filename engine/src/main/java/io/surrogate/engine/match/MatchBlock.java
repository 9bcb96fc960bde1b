package io.surrogate.engine.match;

import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.eval.LocatedStatement;
import io.surrogate.engine.eval.Statement;
import io.surrogate.engine.eval.TraceEntry;
import io.surrogate.engine.print.CanonicalXml;
import io.surrogate.rules.model.SourcePosition;
import java.util.ArrayList;
import java.util.List;

/** A match element: its matcher, the negation switch, and the body that runs when it matches. */
public final class MatchBlock extends LocatedStatement {
    private final Matcher matcher;
    private final boolean negate;
    private final Statement[] body;

    public MatchBlock(Matcher matcher, boolean negate, List<Statement> body, SourcePosition position) {
        super(matcher.elementName(), attributes(matcher, negate), false, position);
        this.matcher = matcher;
        this.negate = negate;
        this.body = body.toArray(Statement[]::new);
    }

    public Matcher matcher() {
        return matcher;
    }

    public boolean negate() {
        return negate;
    }

    public List<Statement> body() {
        return List.of(body);
    }

    /** Whether the request satisfies this match, negation included; no body runs. */
    public boolean matches(EvaluationContext ctx) {
        return matcher.test(ctx) != negate;
    }

    @Override
    public void run(EvaluationContext ctx) {
        // Regex captures are visible in this block's body only, as the compiler scopes them.
        int mark = ctx.captureMark();
        boolean matched = matches(ctx);
        if (ctx.tracing()) {
            ctx.trace().add(toString(), matched ? TraceEntry.Result.MATCHED : TraceEntry.Result.NOT_MATCHED, matcher.observed(ctx));
        }
        if (!matched) {
            ctx.dropCapturesAfter(mark);
            return;
        }
        if (ctx.tracing()) {
            ctx.trace().enter();
        }
        for (Statement s : body) {
            if (ctx.decision().halted()) {
                break;
            }
            s.run(ctx);
        }
        if (ctx.tracing()) {
            ctx.trace().leave();
        }
        ctx.dropCapturesAfter(mark);
    }

    /** The index key of this block, when it is not negated. */
    public IndexHint indexHint() {
        return negate ? null : matcher.indexHint();
    }

    private static List<CanonicalXml.Attr> attributes(Matcher matcher, boolean negate) {
        List<CanonicalXml.Attr> attrs = new ArrayList<>(matcher.attributes());
        if (negate) {
            attrs.add(new CanonicalXml.Attr("result", "false"));
        }
        return attrs;
    }

    @Override
    public void print(CanonicalXml out) {
        if (matcher instanceof Combinator c) {
            out.start(matcher.elementName(), List.of());
            out.start("when", List.of());
            for (MatchBlock operand : c.operands()) {
                operand.print(out);
            }
            out.end("when");
        } else if (body.length == 0) {
            out.empty(element(), attributes());
            return;
        } else {
            out.start(element(), attributes());
        }
        for (Statement s : body) {
            s.print(out);
        }
        out.end(matcher.elementName());
    }
}
