package io.surrogate.engine.action;

import io.surrogate.engine.Decision;
import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.eval.LocatedStatement;
import io.surrogate.engine.eval.Template;
import io.surrogate.engine.eval.TraceEntry;
import io.surrogate.engine.print.CanonicalXml;
import io.surrogate.engine.text.Durations;
import io.surrogate.rules.model.SourcePosition;
import java.time.Duration;

/**
 * {@code edgeservices:rate-limit}: at most {@code limit} requests per {@code per} for each value
 * of {@code key} (typically {@code $(USER)}). The engine only renders the key; the server keeps
 * the counters and answers {@code status} when one is exceeded.
 */
public final class RateLimit extends LocatedStatement {
    private final Template key;
    private final long limit;
    private final Duration per;
    private final int status;

    public RateLimit(Template key, long limit, Duration per, int status, SourcePosition position) {
        super("edgeservices:rate-limit", CanonicalXml.attrs("key", key.source(), "limit", Long.toString(limit),
                "per", Durations.format(per), "status", status == 429 ? null : Integer.toString(status)), true, position);
        this.key = key;
        this.limit = limit;
        this.per = per;
        this.status = status;
    }

    @Override
    public void run(EvaluationContext ctx) {
        String k = key.render(ctx);
        ctx.decision().rateLimit(new Decision.RateLimit(k, limit, per, status, toString()));
        if (ctx.tracing()) {
            ctx.trace().add(toString(), TraceEntry.Result.APPLIED, "limit key '" + k + "': " + limit + " per " + Durations.format(per));
        }
    }

}
