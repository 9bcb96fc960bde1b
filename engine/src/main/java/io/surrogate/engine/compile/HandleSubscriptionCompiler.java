package io.surrogate.engine.compile;

import io.surrogate.engine.NonceSource;
import io.surrogate.engine.OriginForwarding;
import io.surrogate.engine.SubscriptionSettings;
import io.surrogate.engine.SubscriptionType;
import io.surrogate.engine.Transport;
import io.surrogate.engine.TransientFailure;
import io.surrogate.engine.action.HandleSubscription;
import io.surrogate.engine.diag.DiagnosticCode;
import io.surrogate.engine.eval.Template;
import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.text.Durations;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.rules.model.ForwardCookieElement;
import io.surrogate.rules.model.ForwardHeaderElement;
import io.surrogate.rules.model.ForwardToOriginElement;
import io.surrogate.rules.model.HandleSubscriptionElement;
import io.surrogate.rules.model.Located;
import io.surrogate.rules.model.SourcePosition;
import io.surrogate.rules.model.TokenElement;
import io.surrogate.rules.model.TransientFailureElement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The compiler step of {@code action:handle-subscription}: the token (key, nonce source,
 * lifetime), the user, event id and customer templates, the origin and its key, and the
 * subscription's settings, each checked against its range, and the headers and cookies
 * forwarded to the origin.
 */
final class HandleSubscriptionCompiler {
    private final CompileContext cx;
    private final AttributeValues values;

    HandleSubscriptionCompiler(CompileContext cx, AttributeValues values) {
        this.cx = cx;
        this.values = values;
    }

    HandleSubscription handleSubscription(HandleSubscriptionElement h, Scope scope) {
        boolean ok = true;
        TokenElement token = h.token();
        NamedKey tokenKey = null;
        NonceSource nonce = SubscriptionSettings.DEFAULT_NONCE_SOURCE;
        Duration lifetime = SubscriptionSettings.DEFAULT_TOKEN_LIFETIME;
        if (token == null || token.key() == null) {
            if (token != null) {
                cx.diagnostics.error(DiagnosticCode.E106, token.position(), "<token> needs a <key>");
            } else {
                cx.diagnostics.error(DiagnosticCode.E106, h.position(), "'" + h.elementName() + "' needs a <token> with a <key>");
            }
            ok = false;
        } else {
            tokenKey = cx.key(token.key().value().trim(), KeyPurpose.TOKEN, token.key().position(), "the token key").orElse(null);
            ok &= tokenKey != null;
            nonce = values.choice(token.nonceSource(), nonce, NonceSource::byName, "nonce source", "PORT, CONNECTION, RANDOM");
            ok &= nonce != null;
            if (token.lifetime() != null) {
                Duration d = values.duration(token.lifetime(), Duration.ofSeconds(1), Duration.ofDays(7), DiagnosticCode.E304);
                ok &= d != null;
                lifetime = d == null ? lifetime : d;
            }
        }
        Template user = h.user() == null ? Template.constant("") : cx.template(h.user().value().strip(), scope, h.user().position());
        Template eventId = null;
        if (h.eventId() == null) {
            cx.diagnostics.error(DiagnosticCode.E106, h.position(), "'" + h.elementName() + "' needs an <event-id>");
            ok = false;
        } else {
            eventId = cx.template(h.eventId().value().strip(), scope, h.eventId().position());
        }
        Template customer = h.customerCode() == null ? Template.constant(HandleSubscription.DEFAULT_CUSTOMER)
                : cx.template(h.customerCode().value().strip(), scope, h.customerCode().position());
        Optional<String> origin = Optional.empty();
        Duration originTimeout = SubscriptionSettings.DEFAULT_ORIGIN_TIMEOUT;
        if (h.origin() != null) {
            String url = h.origin().url().trim();
            if (!url.matches("https?://[^\\s/?#]+(/[^\\s?#]*)?")) {
                cx.diagnostics.error(DiagnosticCode.E105, h.origin().position(), "invalid origin URL '" + url + "'",
                        "expected an http:// or https:// URL without query: http://127.0.0.1:8081");
                ok = false;
            } else {
                origin = Optional.of(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
            }
            if (h.origin().timeout() != null) {
                Duration d = values.durationAttr(h.origin(), "timeout", h.origin().timeout(), Duration.ofMillis(100), Duration.ofSeconds(60));
                ok &= d != null;
                originTimeout = d == null ? originTimeout : d;
            }
        }
        String originKeyName = h.originKey() == null ? SubscriptionSettings.DEFAULT_ORIGIN_KEY : h.originKey().value().trim();
        SourcePosition originKeyAt = h.originKey() == null ? h.position() : h.originKey().position();
        NamedKey originKey = cx.key(originKeyName, KeyPurpose.HMAC, originKeyAt,
                h.originKey() == null ? "signing requests to the origin; <origin-key> defaults to 'origin'" : "signing requests to the origin").orElse(null);
        ok &= originKey != null;
        SubscriptionType type = values.choice(h.subscriptionType(), SubscriptionSettings.DEFAULT_TYPE, SubscriptionType::byLabel,
                "subscription type", "one-shot, repeatable, stream");
        Transport transport = values.choice(h.transport(), SubscriptionSettings.DEFAULT_TRANSPORT, Transport::byLabel,
                "transport", "auto, sse, long-poll, stream");
        ok &= type != null && transport != null;
        Duration heartbeat = SubscriptionSettings.DEFAULT_HEARTBEAT;
        if (h.heartbeat() != null) {
            Duration d = values.duration(h.heartbeat(), Duration.ofSeconds(1), Duration.ofHours(1), DiagnosticCode.E211);
            ok &= d != null;
            heartbeat = d == null ? heartbeat : d;
        }
        Duration retry = SubscriptionSettings.DEFAULT_RETRY;
        if (h.retry() != null) {
            Duration d = values.duration(h.retry(), Duration.ZERO, Duration.ofHours(1), DiagnosticCode.E211);
            ok &= d != null;
            retry = d == null ? retry : d;
        }
        int replay = SubscriptionSettings.DEFAULT_REPLAY_BUFFER;
        if (h.replayBuffer() != null) {
            Integer n = values.integer(h.replayBuffer(), null, h.replayBuffer().value().trim(), 0, 10_000);
            ok &= n != null;
            replay = n == null ? replay : n;
        }
        boolean forwardBody = false;
        if (h.forwardRejectionBody() != null) {
            forwardBody = values.bool(h.forwardRejectionBody(), null, h.forwardRejectionBody().value().trim(), false);
        }
        OriginForwarding forwarding = h.forwardToOrigin() == null ? OriginForwarding.NONE : forwarding(h.forwardToOrigin());
        ok &= forwarding != null;
        int maxClients = SubscriptionSettings.DEFAULT_MAX_CLIENTS;
        if (h.maxClients() != null) {
            Integer n = values.integer(h.maxClients(), null, h.maxClients().value().trim(), 1, SubscriptionSettings.MAX_MAX_CLIENTS);
            ok &= n != null;
            maxClients = n == null ? maxClients : n;
        }
        TransientFailure transientFailure = transientFailure(h.transientFailure());
        ok &= transientFailure != null;
        if (!ok || eventId == null) {
            return null;
        }
        return new HandleSubscription(user, eventId, customer, new SubscriptionSettings(tokenKey, nonce, lifetime,
                originKey, origin, originTimeout, type, transport, heartbeat, retry, replay, forwardBody, maxClients, forwarding,
                transientFailure), h.position());
    }

    /**
     * Headers the edge sets itself or that describe one connection: forwarding them would let a
     * client speak for the edge ({@code X-Event-*}), break the request's framing, or pass on what
     * belongs to the hop between client and edge.
     */
    private static final Map<String, String> NOT_FORWARDABLE = Map.ofEntries(
            Map.entry("connection", "a hop-by-hop header"),
            Map.entry("keep-alive", "a hop-by-hop header"),
            Map.entry("proxy-connection", "a hop-by-hop header"),
            Map.entry("proxy-authorization", "a hop-by-hop header"),
            Map.entry("proxy-authenticate", "a hop-by-hop header"),
            Map.entry("te", "a hop-by-hop header"),
            Map.entry("trailer", "a hop-by-hop header"),
            Map.entry("transfer-encoding", "a hop-by-hop header"),
            Map.entry("upgrade", "a hop-by-hop header"),
            Map.entry("host", "set by the edge to the origin's own name"),
            Map.entry("content-length", "the framing of the edge's own request"),
            Map.entry("content-type", "about a body the edge does not forward"),
            Map.entry("content-encoding", "about a body the edge does not forward"),
            Map.entry("expect", "the framing of the edge's own request"),
            Map.entry("cookie", "cookies are forwarded one by one, with <cookie>"));

    /** {@code <forward-to-origin>}: each name once, none the edge owns, at most {@link OriginForwarding#MAX_NAMES}. */
    private OriginForwarding forwarding(ForwardToOriginElement f) {
        boolean ok = true;
        List<String> headers = new ArrayList<>();
        List<String> cookies = new ArrayList<>();
        Map<String, SourcePosition> seenHeaders = new HashMap<>();
        Map<String, SourcePosition> seenCookies = new HashMap<>();
        for (Located item : f.items()) {
            if (item instanceof ForwardHeaderElement header && header.name() != null) {
                String name = header.name().trim();
                String lower = name.toLowerCase(Locale.ROOT);
                SourcePosition at = cx.attribute(header, "name");
                String why = NOT_FORWARDABLE.get(lower);
                if (why == null && lower.startsWith("x-event-")) {
                    why = "one of the edge's own protocol headers";
                }
                if (why != null) {
                    cx.diagnostics.error(DiagnosticCode.E220, at, "header '" + name + "' cannot be forwarded to the origin: " + why,
                            lower.equals("cookie") ? "forward the cookies the origin needs: <cookie name=\"session\"/>"
                                    : "forward the header that carries the client's identity, such as Authorization");
                    ok = false;
                } else if (seenHeaders.containsKey(lower)) {
                    cx.diagnostics.error(DiagnosticCode.E221, at, "header '" + name + "' is forwarded twice; first at line "
                            + seenHeaders.get(lower).line(), "header names ignore case: keep one <header name=\"" + name + "\"/>");
                    ok = false;
                } else {
                    seenHeaders.put(lower, at);
                    headers.add(name);
                }
            } else if (item instanceof ForwardCookieElement cookie && cookie.name() != null) {
                String name = cookie.name().trim();
                SourcePosition at = cx.attribute(cookie, "name");
                if (seenCookies.containsKey(name)) {
                    cx.diagnostics.error(DiagnosticCode.E221, at, "cookie '" + name + "' is forwarded twice; first at line "
                            + seenCookies.get(name).line(), "keep one <cookie name=\"" + name + "\"/>");
                    ok = false;
                } else {
                    seenCookies.put(name, at);
                    cookies.add(name);
                }
            }
        }
        if (headers.size() + cookies.size() > OriginForwarding.MAX_NAMES) {
            cx.diagnostics.error(DiagnosticCode.E211, f.position(), "forward-to-origin names " + (headers.size() + cookies.size())
                    + " headers and cookies; at most " + OriginForwarding.MAX_NAMES, "forward only what the origin needs to know the subscriber");
            ok = false;
        }
        return ok ? new OriginForwarding(headers, cookies) : null;
    }

    /** {@code <transient-failure>}: the answer and the window the retry delay is drawn from; null after an error. */
    private TransientFailure transientFailure(TransientFailureElement t) {
        if (t == null) {
            return TransientFailure.DEFAULT;
        }
        TransientFailure.Answer answer = TransientFailure.DEFAULT.answer();
        if (t.answer() != null) {
            answer = TransientFailure.Answer.byLabel(t.answer().trim()).orElse(null);
            if (answer == null) {
                cx.diagnostics.error(DiagnosticCode.E105, cx.attribute(t, "answer"), "invalid answer '" + t.answer() + "'",
                        "expected one of: event-stream, status");
            }
        }
        Duration min = TransientFailure.DEFAULT_RETRY_MIN;
        if (t.retryMin() != null) {
            min = values.durationAttr(t, "retry-min", t.retryMin(), Duration.ZERO, Duration.ofHours(1));
        }
        Duration max = TransientFailure.DEFAULT_RETRY_MAX;
        if (t.retryMax() != null) {
            max = values.durationAttr(t, "retry-max", t.retryMax(), Duration.ZERO, Duration.ofHours(1));
        }
        if (min != null && max != null && max.compareTo(min) < 0) {
            cx.diagnostics.error(DiagnosticCode.E211, cx.attribute(t, t.retryMax() != null ? "retry-max" : "retry-min"),
                    "retry-max " + Durations.format(max) + " is shorter than retry-min " + Durations.format(min),
                    "the retry delay is drawn from retry-min to retry-max; set retry-max to " + Durations.format(min) + " or more");
            return null;
        }
        return answer == null || min == null || max == null ? null : new TransientFailure(answer, min, max);
    }
}
