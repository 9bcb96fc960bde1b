package io.surrogate.engine.compile;

import io.surrogate.engine.action.Cors;
import io.surrogate.engine.action.RateLimit;
import io.surrogate.engine.action.Respond;
import io.surrogate.engine.action.SetResponseHeader;
import io.surrogate.engine.diag.DiagnosticCode;
import io.surrogate.engine.eval.Template;
import io.surrogate.rules.model.CorsElement;
import io.surrogate.rules.model.DenyElement;
import io.surrogate.rules.model.RateLimitElement;
import io.surrogate.rules.model.RespondElement;
import io.surrogate.rules.model.ResponseHeaderElement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The compiler steps of the actions that shape the answer: {@code action:respond},
 * {@code action:deny}, {@code action:response-header}, {@code action:cors} and
 * {@code action:rate-limit}.
 */
final class ResponseCompiler {
    private static final Set<String> RESERVED_HEADERS = Set.of("content-length", "transfer-encoding", "connection",
            "keep-alive", "upgrade", "te", "trailer", "proxy-connection");
    private static final Pattern ORIGIN = Pattern.compile("https?://[A-Za-z0-9.\\-\\[\\]:]+");

    private final CompileContext cx;
    private final AttributeValues values;

    ResponseCompiler(CompileContext cx, AttributeValues values) {
        this.cx = cx;
        this.values = values;
    }

    Respond respond(RespondElement r, Scope scope) {
        if (r.status() == null) {
            // the schema reported the missing attribute
            return null;
        }
        Integer status = values.status(r, r.status(), 100);
        String contentType = r.contentType() == null ? Respond.DEFAULT_CONTENT_TYPE : r.contentType();
        if (contentType.indexOf('\r') >= 0 || contentType.indexOf('\n') >= 0) {
            cx.diagnostics.error(DiagnosticCode.E105, cx.attribute(r, "content-type"), "content-type cannot span lines");
            return null;
        }
        Template body = cx.template(r.body(), scope, r.position());
        return status == null ? null : new Respond(false, status, contentType, body, r.position());
    }

    Respond deny(DenyElement d, Scope scope) {
        Integer status = d.status() == null ? Integer.valueOf(403) : values.status(d, d.status(), 400);
        Template reason = d.reason() == null ? Template.constant("") : cx.template(d.reason(), scope, cx.attribute(d, "reason"));
        return status == null ? null : new Respond(true, status, Respond.DEFAULT_CONTENT_TYPE, reason, d.position());
    }

    SetResponseHeader responseHeader(ResponseHeaderElement h, Scope scope) {
        if (h.name() == null || h.value() == null) {
            return null;
        }
        if (RESERVED_HEADERS.contains(h.name().toLowerCase(Locale.ROOT))) {
            cx.diagnostics.error(DiagnosticCode.E211, cx.attribute(h, "name"), "header '" + h.name() + "' belongs to the server's framing and cannot be set by a rule", null);
            return null;
        }
        if (!h.name().matches("[!#$%&'*+\\-.^_`|~0-9A-Za-z]{1,128}")) {
            return null;
        }
        return new SetResponseHeader(h.name(), cx.template(h.value(), scope, cx.attribute(h, "value")), h.position());
    }

    Cors cors(CorsElement c) {
        if (c.allowOrigin() == null) {
            return null;
        }
        List<String> origins = new ArrayList<>();
        boolean ok = true;
        for (String o : c.allowOrigin().trim().split("\\s+")) {
            if (o.equals("*") || ORIGIN.matcher(o).matches()) {
                origins.add(o);
            } else if (!o.isEmpty()) {
                cx.diagnostics.error(DiagnosticCode.E211, cx.attribute(c, "allow-origin"), "invalid origin '" + o + "'",
                        "an origin is scheme://host[:port] without a path, e.g. https://mail.example.com, or *");
                ok = false;
            }
        }
        boolean credentials = values.bool(c, "allow-credentials", c.allowCredentials(), false);
        if (credentials && origins.contains("*")) {
            cx.diagnostics.error(DiagnosticCode.E211, cx.attribute(c, "allow-credentials"), "allow-credentials cannot be used with allow-origin=\"*\"",
                    "browsers refuse credentials with a wildcard origin; list the origins");
            ok = false;
        }
        Duration maxAge = c.maxAge() == null ? null : values.durationAttr(c, "max-age", c.maxAge(), Duration.ZERO, Duration.ofDays(1));
        if (c.maxAge() != null && maxAge == null) {
            ok = false;
        }
        if (c.allowHeaders() != null && (c.allowHeaders().indexOf('\n') >= 0 || c.allowHeaders().indexOf('\r') >= 0)) {
            cx.diagnostics.error(DiagnosticCode.E105, cx.attribute(c, "allow-headers"), "allow-headers cannot span lines");
            ok = false;
        }
        return ok && !origins.isEmpty() ? new Cors(origins, credentials, c.allowHeaders(), maxAge, c.position()) : null;
    }

    RateLimit rateLimit(RateLimitElement r, Scope scope) {
        if (r.key() == null || r.limit() == null || r.per() == null) {
            return null;
        }
        Template key = cx.template(r.key(), scope, cx.attribute(r, "key"));
        Integer limit = values.integer(r, "limit", r.limit(), 1, 1_000_000_000);
        Duration per = values.durationAttr(r, "per", r.per(), Duration.ofSeconds(1), Duration.ofDays(1));
        Integer status = r.status() == null ? Integer.valueOf(429) : values.status(r, r.status(), 400);
        return limit == null || per == null || status == null ? null : new RateLimit(key, limit, per, status, r.position());
    }
}
