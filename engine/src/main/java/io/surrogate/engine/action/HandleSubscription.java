package io.surrogate.engine.action;

import io.surrogate.engine.Decision;
import io.surrogate.engine.NonceSource;
import io.surrogate.engine.SubscriptionPlan;
import io.surrogate.engine.SubscriptionType;
import io.surrogate.engine.Transport;
import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.eval.LocatedStatement;
import io.surrogate.engine.eval.Template;
import io.surrogate.engine.eval.TraceEntry;
import io.surrogate.engine.print.CanonicalXml;
import io.surrogate.engine.text.Durations;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.rules.model.SourcePosition;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@code edgeservices:event.handle-subscription}: decide to subscribe the client. Renders the
 * user, event id and customer code; an empty event id answers 400 instead, since there is
 * nothing to wait for.
 */
public final class HandleSubscription extends LocatedStatement {
    /** The settings, with defaults applied by the compiler. */
    public record Settings(
            Template user,
            Template eventId,
            Template customerCode,
            NamedKey tokenKey,
            NonceSource nonceSource,
            Duration tokenLifetime,
            NamedKey originKey,
            Optional<String> origin,
            Duration originTimeout,
            SubscriptionType type,
            Transport transport,
            Duration heartbeat,
            Duration retry,
            int replayBuffer,
            boolean forwardRejectionBody) {}

    public static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofHours(1);
    public static final Duration DEFAULT_ORIGIN_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(15);
    public static final Duration DEFAULT_RETRY = Duration.ofSeconds(3);
    public static final int DEFAULT_REPLAY_BUFFER = 16;
    public static final String DEFAULT_ORIGIN_KEY = "origin";
    public static final String DEFAULT_CUSTOMER = "default";

    private final Settings settings;

    public HandleSubscription(Settings settings, SourcePosition position) {
        super("edgeservices:event.handle-subscription", List.of(), false, position);
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    @Override
    public void run(EvaluationContext ctx) {
        Settings s = settings;
        String eventId = s.eventId().render(ctx);
        if (eventId.isEmpty()) {
            ctx.decision().outcome(new Decision.Respond(400, "text/plain; charset=utf-8",
                    "missing event id\n", toString()));
            if (ctx.tracing()) {
                ctx.trace().add(toString(), TraceEntry.Result.FAILED, "event-id '" + s.eventId().source() + "' is empty: 400");
            }
            return;
        }
        SubscriptionPlan plan = new SubscriptionPlan(s.user().render(ctx), eventId, s.customerCode().render(ctx),
                s.tokenKey(), s.nonceSource(), s.tokenLifetime(), s.originKey(), s.origin(), s.originTimeout(),
                s.type(), s.transport(), s.heartbeat(), s.retry(), s.replayBuffer(), s.forwardRejectionBody(), toString());
        ctx.decision().outcome(new Decision.Subscribe(plan));
        if (ctx.tracing()) {
            ctx.trace().add(toString(), TraceEntry.Result.APPLIED,
                    "subscribe user '" + plan.user() + "' to event '" + plan.eventId() + "'");
        }
    }

    @Override
    public void print(CanonicalXml out) {
        Settings s = settings;
        out.start("edgeservices:event.handle-subscription", List.of());
        out.start("token", List.of());
        out.text("key", List.of(), s.tokenKey().name());
        out.text("nonce-source", List.of(), s.nonceSource().name());
        out.text("lifetime", List.of(), Durations.format(s.tokenLifetime()));
        out.end("token");
        out.text("user", List.of(), s.user().source());
        out.text("event-id", List.of(), s.eventId().source());
        out.text("customer-code", List.of(), s.customerCode().source());
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
        out.end("edgeservices:event.handle-subscription");
    }
}
