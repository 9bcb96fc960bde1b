package io.surrogate.engine.action;

import io.surrogate.engine.Decision;
import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.eval.LocatedStatement;
import io.surrogate.engine.eval.TraceEntry;
import io.surrogate.engine.print.CanonicalXml;
import io.surrogate.engine.text.Durations;
import io.surrogate.rules.model.SourcePosition;
import java.time.Duration;
import java.util.List;

/**
 * {@code edgeservices:cors}: lets pages on the allowed origins open an EventSource (or XHR)
 * to the edge. The request's Origin is echoed when it is allowed ({@code *} allows any, but
 * never with credentials); a preflight (OPTIONS with Access-Control-Request-Method) is
 * answered 204 here, and the evaluation stops.
 */
public final class Cors extends LocatedStatement {
    private final List<String> allowedOrigins;
    private final boolean allowCredentials;
    private final String allowHeaders;
    private final Duration maxAge;

    public Cors(List<String> allowedOrigins, boolean allowCredentials, String allowHeaders, Duration maxAge, SourcePosition position) {
        super("edgeservices:cors", attributes(allowedOrigins, allowCredentials, allowHeaders, maxAge), true, position);
        this.allowedOrigins = List.copyOf(allowedOrigins);
        this.allowCredentials = allowCredentials;
        this.allowHeaders = allowHeaders;
        this.maxAge = maxAge;
    }

    @Override
    public void run(EvaluationContext ctx) {
        String origin = ctx.request().headers().first("Origin");
        boolean any = allowedOrigins.contains("*");
        if (origin == null || !(any || allowedOrigins.contains(origin))) {
            if (ctx.tracing()) {
                ctx.trace().add(toString(), TraceEntry.Result.APPLIED,
                        origin == null ? "no Origin header: nothing to add" : "origin '" + origin + "' not allowed");
            }
            return;
        }
        // A later CORS rule that allows this origin replaces an earlier one whole: mixing them
        // could pair "Allow-Origin: *" with "Allow-Credentials: true", which browsers refuse.
        ctx.decision().removeHeaders(h -> h.name().regionMatches(true, 0, "Access-Control-", 0, 15)
                || (h.name().equalsIgnoreCase("Vary") && h.value().equals("Origin")));
        ctx.decision().header("Access-Control-Allow-Origin", any && !allowCredentials ? "*" : origin);
        if (!any || allowCredentials) {
            ctx.decision().header("Vary", "Origin");
        }
        if (allowCredentials) {
            ctx.decision().header("Access-Control-Allow-Credentials", "true");
        }
        boolean preflight = ctx.request().method().equals("OPTIONS")
                && ctx.request().headers().first("Access-Control-Request-Method") != null;
        if (preflight) {
            ctx.decision().header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
            ctx.decision().header("Access-Control-Allow-Headers", allowHeaders == null ? "Last-Event-ID, Content-Type" : allowHeaders);
            if (maxAge != null) {
                ctx.decision().header("Access-Control-Max-Age", Long.toString(maxAge.toSeconds()));
            }
            // The preflight is answered here: no later action of the rule may turn it into something else.
            ctx.decision().halt(new Decision.Respond(204, "text/plain; charset=utf-8", "", toString()));
        }
        if (ctx.tracing()) {
            ctx.trace().add(toString(), TraceEntry.Result.APPLIED, "origin '" + origin + "' allowed" + (preflight ? "; preflight answered 204" : ""));
        }
    }

    private static List<CanonicalXml.Attr> attributes(List<String> allowedOrigins, boolean allowCredentials, String allowHeaders,
            Duration maxAge) {
        return CanonicalXml.attrs(
                "allow-origin", String.join(" ", allowedOrigins),
                "allow-credentials", allowCredentials ? "true" : null,
                "allow-headers", allowHeaders,
                "max-age", maxAge == null ? null : Durations.format(maxAge));
    }

}
