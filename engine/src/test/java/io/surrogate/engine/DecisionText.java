package io.surrogate.engine;

import io.surrogate.engine.text.Durations;
import java.util.Map;

/** A decision and the variables as stable text, for golden files and failure messages. */
public final class DecisionText {
    private DecisionText() {}

    public static String render(Evaluation evaluation) {
        StringBuilder out = new StringBuilder(render(evaluation.decision()));
        for (Map.Entry<String, String> v : evaluation.variables().entrySet()) {
            out.append("variable ").append(v.getKey()).append(" = ").append(quote(v.getValue())).append('\n');
        }
        return out.toString();
    }

    public static String render(Decision decision) {
        StringBuilder out = new StringBuilder();
        Decision.Outcome outcome = decision.outcome();
        if (outcome instanceof Decision.NoMatch) {
            out.append("outcome: no match\n");
        } else if (outcome instanceof Decision.Respond r) {
            out.append("outcome: respond ").append(r.status()).append('\n')
                    .append("  content-type: ").append(r.contentType()).append('\n')
                    .append("  body: ").append(quote(r.body())).append('\n')
                    .append("  rule: ").append(r.rule()).append('\n');
        } else if (outcome instanceof Decision.Subscribe s) {
            SubscriptionPlan p = s.plan();
            out.append("outcome: subscribe\n")
                    .append("  user: ").append(quote(p.user())).append('\n')
                    .append("  event-id: ").append(quote(p.eventId())).append('\n')
                    .append("  customer-code: ").append(quote(p.customerCode())).append('\n')
                    .append("  token-key: ").append(p.settings().tokenKey().name()).append('\n')
                    .append("  nonce-source: ").append(p.settings().nonceSource()).append('\n')
                    .append("  token-lifetime: ").append(Durations.format(p.settings().tokenLifetime())).append('\n')
                    .append("  origin-key: ").append(p.settings().originKey().name()).append('\n')
                    .append("  origin: ").append(p.settings().origin().orElse("(the server's)")).append('\n')
                    .append("  origin-timeout: ").append(Durations.format(p.settings().originTimeout())).append('\n')
                    .append("  type: ").append(p.settings().type().label()).append('\n')
                    .append("  transport: ").append(p.settings().transport().label()).append('\n')
                    .append("  heartbeat: ").append(Durations.format(p.settings().heartbeat())).append('\n')
                    .append("  retry: ").append(Durations.format(p.settings().retry())).append('\n')
                    .append("  replay-buffer: ").append(p.settings().replayBuffer()).append('\n')
                    .append("  forward-rejection-body: ").append(p.settings().forwardRejectionBody()).append('\n')
                    .append("  transient-failure: ").append(p.settings().transientFailure().answer().label()).append(", retry ")
                    .append(Durations.format(p.settings().transientFailure().retryMin())).append(" to ")
                    .append(Durations.format(p.settings().transientFailure().retryMax())).append('\n')
                    .append("  rule: ").append(p.rule()).append('\n');
        }
        for (Decision.HeaderField h : decision.responseHeaders()) {
            out.append("header ").append(h.name()).append(": ").append(h.value()).append('\n');
        }
        for (Decision.RateLimit l : decision.rateLimits()) {
            out.append("rate-limit key=").append(quote(l.key())).append(" limit=").append(l.limit())
                    .append(" per=").append(Durations.format(l.window())).append(" status=").append(l.status())
                    .append(" rule=").append(l.rule()).append('\n');
        }
        return out.toString();
    }

    private static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\r' -> out.append("\\r");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> out.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return out.append('"').toString();
    }
}
