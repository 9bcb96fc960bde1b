package io.surrogate.engine.extract;

import io.surrogate.engine.Decision;
import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.eval.LocatedStatement;
import io.surrogate.engine.eval.TraceEntry;
import io.surrogate.engine.print.CanonicalXml;
import io.surrogate.engine.token.JwtVerifier;
import io.surrogate.rules.model.SourcePosition;
import java.util.List;

/**
 * {@code variable:jwt}: take a token from its source (a header's {@code Bearer} scheme removed),
 * verify it at the evaluation's clock, and copy the named claims into their variables. A
 * missing or bad token, or a verified one without a named claim, answers the rule's status
 * with a short body and stops the evaluation; the reason is in the trace, never the body.
 */
public final class JwtExtraction extends LocatedStatement {
    /** One {@code VARIABLE=claim} pair, with the variable's slot. */
    public record ClaimVariable(String variable, int slot, String claim) {
        String spelling() {
            return variable + "=" + claim;
        }
    }

    private final Extractor source;
    private final JwtVerifier verifier;
    private final ClaimVariable[] claims;
    private final int status;

    public JwtExtraction(Extractor source, JwtVerifier verifier, List<ClaimVariable> claims, int status,
            List<CanonicalXml.Attr> attributes, SourcePosition position) {
        super("variable:jwt", attributes, true, position);
        this.source = source;
        this.verifier = verifier;
        this.claims = claims.toArray(ClaimVariable[]::new);
        this.status = status;
    }

    @Override
    public void run(EvaluationContext ctx) {
        String raw = source.extract(ctx);
        String token = source.from().equals("header") ? bearer(raw) : raw;
        if (token == null || token.isEmpty()) {
            refuse(ctx, "missing token\n", "Bearer", "no token in " + describeSource());
            return;
        }
        JwtVerifier.Result result = verifier.verify(token, ctx.environment().clock().instant());
        if (!result.verified()) {
            refuse(ctx, "invalid token\n", "Bearer error=\"invalid_token\"", result.refusal());
            return;
        }
        String[] values = new String[claims.length];
        for (int i = 0; i < claims.length; i++) {
            values[i] = JwtVerifier.claimText(result.claims(), claims[i].claim());
            if (values[i] == null || values[i].isEmpty()) {
                refuse(ctx, "invalid token\n", "Bearer error=\"invalid_token\"",
                        "verified token has no string, number or boolean claim '" + claims[i].claim() + "'");
                return;
            }
        }
        for (int i = 0; i < claims.length; i++) {
            ctx.setVariable(claims[i].slot(), values[i]);
        }
        if (ctx.tracing()) {
            ctx.trace().add(toString(), TraceEntry.Result.SET, describe(result, values));
        }
    }

    /** The credentials of {@code Authorization: Bearer ...}; any other value as it is. */
    static String bearer(String value) {
        if (value != null && value.length() > 7 && value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return value.substring(7).strip();
        }
        return value;
    }

    private void refuse(EvaluationContext ctx, String body, String challenge, String reason) {
        ctx.decision().halt(new Decision.Respond(status, "text/plain; charset=utf-8", body, toString()));
        if (status == 401 && source.from().equals("header")) {
            ctx.decision().header("WWW-Authenticate", challenge);
        }
        if (ctx.tracing()) {
            ctx.trace().add(toString(), TraceEntry.Result.FAILED, reason + ": " + status);
        }
    }

    private String describe(JwtVerifier.Result result, String[] values) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < claims.length; i++) {
            b.append(i == 0 ? "" : ", ").append(claims[i].variable()).append(" = \"").append(values[i]).append('"');
        }
        b.append(claims.length == 0 ? "" : " ").append("(verified by ").append(result.key()).append("; claims ")
                .append(result.claims().toJSONObject().keySet().stream().sorted().toList())
                .append(", exp ").append(result.claims().getExpirationTime().toInstant()).append(')');
        return b.toString();
    }

    private String describeSource() {
        return source.key() == null ? source.from() : source.from() + " '" + source.key() + "'";
    }
}
