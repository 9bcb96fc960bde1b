package io.surrogate.engine.action;

import io.surrogate.engine.Decision;
import io.surrogate.engine.eval.DecisionBuilder;
import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.eval.LocatedStatement;
import io.surrogate.engine.eval.TraceEntry;
import io.surrogate.engine.print.CanonicalXml;
import io.surrogate.engine.request.EdgeRequest;
import io.surrogate.engine.text.Durations;
import io.surrogate.rules.model.SourcePosition;
import java.time.Duration;
import java.util.List;

/**
 * {@code edgeservices:cors}: lets pages on the allowed origins open an EventSource (or XHR)
 * to the edge. The request's Origin is echoed when it is allowed ({@code *} allows any, but
 * never with credentials); a preflight (OPTIONS with Access-Control-Request-Method) is
 * answered 204 here, and the evaluation stops. Any other Origin (except the request's own:
 * same host and port as its Host) is refused with 403 at the edge, so that the origin never
 * hears of a request the browser would block; a later CORS rule that allows it lifts that.
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
        boolean preflight = preflight(ctx.request());
        if (origin == null) {
            if (ctx.tracing()) {
                ctx.trace().add(toString(), TraceEntry.Result.APPLIED, "no Origin header: nothing to add");
            }
            return;
        }
        if (!(any || allowedOrigins.contains(origin))) {
            String host = ctx.request().headers().first("Host");
            if (!preflight && sameOrigin(origin, host)) {
                if (ctx.tracing()) {
                    ctx.trace().add(toString(), TraceEntry.Result.APPLIED, "origin '" + origin + "' is the request's own (Host '"
                            + host + "'): nothing to add");
                }
                return;
            }
            // Refused here, so that the origin never hears of it: the browser would block the answer anyway.
            ctx.decision().removeHeaders(DecisionBuilder::corsHeader);
            ctx.decision().corsRefusal(new Decision.Respond(403, "text/plain; charset=utf-8",
                    preflight ? "preflight refused: origin not allowed\n" : "cross-origin request refused: origin not allowed\n", toString()));
            if (ctx.tracing()) {
                ctx.trace().add(toString(), TraceEntry.Result.APPLIED, "origin '" + origin + "' not allowed"
                        + (preflight ? "; preflight" : "") + ": refused 403 at the edge");
            }
            return;
        }
        // A later CORS rule that allows this origin replaces an earlier one whole: mixing them
        // could pair "Allow-Origin: *" with "Allow-Credentials: true", which browsers refuse.
        ctx.decision().removeHeaders(DecisionBuilder::corsHeader);
        ctx.decision().corsRefusal(null);
        ctx.decision().header("Access-Control-Allow-Origin", any && !allowCredentials ? "*" : origin);
        if (!any || allowCredentials) {
            ctx.decision().header("Vary", "Origin");
        }
        if (allowCredentials) {
            ctx.decision().header("Access-Control-Allow-Credentials", "true");
        }
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

    /** Whether an answer is a CORS rule's refusal (for the server's log line). */
    public static boolean refusal(Decision.Respond answer) {
        return answer.status() == 403 && answer.rule().startsWith("<edgeservices:cors ");
    }

    /** A CORS preflight: {@code OPTIONS} with {@code Access-Control-Request-Method}. */
    public static boolean preflight(EdgeRequest request) {
        return request.method().equals("OPTIONS") && request.headers().first("Access-Control-Request-Method") != null;
    }

    /**
     * Whether {@code origin} ({@code scheme://host[:port]}) names the host and port the request
     * was sent to ({@code Host}, whose missing port is the origin scheme's default): a page's
     * request to its own site, which browsers send with an Origin for a POST.
     */
    public static boolean sameOrigin(String origin, String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        int colon = origin.indexOf("://");
        if (colon <= 0) {
            return false;
        }
        String scheme = origin.substring(0, colon).toLowerCase(java.util.Locale.ROOT);
        int defaultPort = scheme.equals("https") ? 443 : scheme.equals("http") ? 80 : -1;
        if (defaultPort < 0) {
            return false;
        }
        String[] a = hostAndPort(origin.substring(colon + 3), defaultPort);
        String[] b = hostAndPort(host.trim(), defaultPort);
        return a != null && b != null && a[0].equalsIgnoreCase(b[0]) && a[1].equals(b[1]);
    }

    /** {@code host[:port]} (an IPv6 host in brackets) as host and port, the default port filled in; null when malformed. */
    private static String[] hostAndPort(String authority, int defaultPort) {
        int close = authority.lastIndexOf(']');
        int colon = authority.lastIndexOf(':');
        if (colon > close) {
            String port = authority.substring(colon + 1);
            if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            return new String[] {authority.substring(0, colon), Integer.toString(Integer.parseInt(port))};
        }
        return authority.isEmpty() || authority.contains("/") ? null : new String[] {authority, Integer.toString(defaultPort)};
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
