package io.surrogate.engine.action;

import io.surrogate.engine.Decision;
import io.surrogate.engine.OriginForwarding;
import io.surrogate.engine.SubscriptionPlan;
import io.surrogate.engine.SubscriptionSettings;
import io.surrogate.engine.Subscriptions;
import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.eval.LocatedStatement;
import io.surrogate.engine.eval.Template;
import io.surrogate.engine.eval.TraceEntry;
import io.surrogate.engine.print.CanonicalXml;
import io.surrogate.engine.text.Durations;
import io.surrogate.engine.token.TinkTokenCodec;
import io.surrogate.rules.model.SourcePosition;
import java.util.List;

/**
 * {@code edgeservices:event.handle-subscription}: decide to subscribe the client. Renders the
 * user, event id and customer code; an empty event id answers 400 instead, since there is
 * nothing to wait for, and so do an event id and user too long for a token the edge can read
 * back ({@link TinkTokenCodec#MAX_TOKEN_LENGTH}). A request whose headers or cookies the rule
 * forwards to the origin but that cannot be forwarded ({@link OriginForwarding#select}) gets the
 * status {@link OriginForwarding.Refuse} names. A CORS preflight that no {@link Cors} allowed
 * is answered 403 and never subscribed, and nothing is subscribed once a CORS rule refused the
 * request's origin.
 */
public final class HandleSubscription extends LocatedStatement {
    public static final String DEFAULT_CUSTOMER = "default";

    private final Template user;
    private final Template eventId;
    private final Template customerCode;
    private final SubscriptionSettings settings;

    public HandleSubscription(Template user, Template eventId, Template customerCode, SubscriptionSettings settings,
            SourcePosition position) {
        super("edgeservices:event.handle-subscription", List.of(), false, position);
        this.user = user;
        this.eventId = eventId;
        this.customerCode = customerCode;
        this.settings = settings;
    }

    public SubscriptionSettings settings() {
        return settings;
    }

    @Override
    public void run(EvaluationContext ctx) {
        if (ctx.decision().corsRefused()) {
            if (ctx.tracing()) {
                ctx.trace().add(toString(), TraceEntry.Result.FAILED, "not subscribed: the request's origin was refused by CORS");
            }
            return;
        }
        if (Cors.preflight(ctx.request())) {
            // an allowed preflight stopped at its cors rule; any other is answered here, never subscribed
            ctx.decision().outcome(new Decision.Respond(403, "text/plain; charset=utf-8",
                    "preflight refused: no edgeservices:cors allows this origin\n", toString()));
            if (ctx.tracing()) {
                ctx.trace().add(toString(), TraceEntry.Result.FAILED, "a CORS preflight that no cors rule allowed: 403, not subscribed");
            }
            return;
        }
        String event = eventId.render(ctx);
        if (event.isEmpty()) {
            ctx.decision().outcome(new Decision.Respond(400, "text/plain; charset=utf-8",
                    "missing event id\n", toString()));
            if (ctx.tracing()) {
                ctx.trace().add(toString(), TraceEntry.Result.FAILED, "event-id '" + eventId.source() + "' is empty: 400");
            }
            return;
        }
        if (!settings.forwarding().isEmpty()
                && settings.forwarding().select(ctx.request().headers()) instanceof OriginForwarding.Refuse refused) {
            // the origin could not be sent what the rule forwards: refuse before anything is held or asked
            ctx.decision().outcome(new Decision.Respond(refused.status(), "text/plain; charset=utf-8", refused.reason() + "\n", toString()));
            if (ctx.tracing()) {
                ctx.trace().add(toString(), TraceEntry.Result.FAILED, refused.reason() + ": " + refused.status());
            }
            return;
        }
        SubscriptionPlan plan = new SubscriptionPlan(user.render(ctx), event, customerCode.render(ctx), settings, toString());
        int tokenLength = Subscriptions.tokenLength(plan, ctx.request(), ctx.environment());
        if (tokenLength > TinkTokenCodec.MAX_TOKEN_LENGTH) {
            // the edge could not read such a token back: refuse before anything is held or asked
            ctx.decision().outcome(new Decision.Respond(400, "text/plain; charset=utf-8",
                    "event id and user too long: their token would have " + tokenLength + " characters, at most "
                            + TinkTokenCodec.MAX_TOKEN_LENGTH + "\n", toString()));
            if (ctx.tracing()) {
                ctx.trace().add(toString(), TraceEntry.Result.FAILED, "event id of " + event.length() + " and user of "
                        + plan.user().length() + " characters make a token of " + tokenLength + " characters, more than "
                        + TinkTokenCodec.MAX_TOKEN_LENGTH + ": 400");
            }
            return;
        }
        ctx.decision().outcome(new Decision.Subscribe(plan));
        if (ctx.tracing()) {
            ctx.trace().add(toString(), TraceEntry.Result.APPLIED,
                    "subscribe user '" + plan.user() + "' to event '" + plan.eventId() + "'"
                            + (settings.forwarding().isEmpty() ? "" : ", forwarding " + settings.forwarding() + " to the origin"));
        }
    }

    @Override
    public void print(CanonicalXml out) {
        SubscriptionSettings s = settings;
        out.start("edgeservices:event.handle-subscription", List.of());
        out.start("token", List.of());
        out.text("key", List.of(), s.tokenKey().name());
        out.text("nonce-source", List.of(), s.nonceSource().name());
        out.text("lifetime", List.of(), Durations.format(s.tokenLifetime()));
        out.end("token");
        out.text("user", List.of(), user.source());
        out.text("event-id", List.of(), eventId.source());
        out.text("customer-code", List.of(), customerCode.source());
        if (s.origin().isPresent()) {
            out.text("origin", CanonicalXml.attrs("timeout", Durations.format(s.originTimeout())), s.origin().get());
        }
        out.text("origin-key", List.of(), s.originKey().name());
        out.text("subscription-type", List.of(), s.type().label());
        out.text("transport", List.of(), s.transport().label());
        out.text("heartbeat", List.of(), Durations.format(s.heartbeat()));
        out.text("retry", List.of(), Durations.format(s.retry()));
        out.text("replay-buffer", List.of(), Integer.toString(s.replayBuffer()));
        out.text("forward-rejection-body", List.of(), Boolean.toString(s.forwardRejectionBody()));
        out.empty("transient-failure", CanonicalXml.attrs("answer", s.transientFailure().answer().label(),
                "retry-min", Durations.format(s.transientFailure().retryMin()), "retry-max", Durations.format(s.transientFailure().retryMax())));
        if (!s.forwarding().isEmpty()) {
            out.start("forward-to-origin", List.of());
            for (String h : s.forwarding().headers()) {
                out.empty("header", CanonicalXml.attrs("name", h));
            }
            for (String c : s.forwarding().cookies()) {
                out.empty("cookie", CanonicalXml.attrs("name", c));
            }
            out.end("forward-to-origin");
        }
        if (s.maxClients() != SubscriptionSettings.DEFAULT_MAX_CLIENTS) {
            // printed when set, like <origin>, so the canonical form of rules written before it is unchanged
            out.text("max-clients", List.of(), Integer.toString(s.maxClients()));
        }
        out.end("edgeservices:event.handle-subscription");
    }
}
