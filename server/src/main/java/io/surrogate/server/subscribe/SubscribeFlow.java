package io.surrogate.server.subscribe;

import io.surrogate.engine.Decision;
import io.surrogate.engine.EdgeEnvironment;
import io.surrogate.engine.OriginRequest;
import io.surrogate.engine.SubscriptionPlan;
import io.surrogate.engine.SubscriptionSettings;
import io.surrogate.engine.SubscriptionType;
import io.surrogate.engine.Subscriptions;
import io.surrogate.engine.TransientFailure;
import io.surrogate.engine.Transport;
import io.surrogate.engine.request.EdgeRequest;
import io.surrogate.engine.text.Escaping;
import io.surrogate.server.LogLine;
import io.surrogate.server.metrics.ServerMetrics;
import io.surrogate.server.time.Scheduler;
import io.surrogate.server.transport.CloseWatcher;
import io.surrogate.server.transport.FailureAnswer;
import io.surrogate.server.transport.HeldResponse;
import io.surrogate.server.transport.Transports;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.StatusCodes;
import java.net.URI;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.xnio.IoUtils;

import static io.surrogate.server.transport.Responses.headers;
import static io.surrogate.server.transport.Responses.text;

/**
 * What a subscribing request goes through once the rules said "subscribe": a resume without
 * the origin when its {@code Last-Event-ID} names a subscription that waits for it; otherwise
 * the origin's call ({@code /subscribe-event}, not blocking the IO thread), its answer, and on
 * {@code 202} the hold (or the attachment to a multiplexed stream). Whatever fails after the
 * origin's answer, the client's exchange is ended.
 */
public final class SubscribeFlow {
    private static final Logger LOG = Logger.getLogger("surrogate.client");
    private static final HttpString LAST_EVENT_ID = new HttpString("Last-Event-ID");
    private static final HttpString X_EVENT_STREAM = new HttpString("X-Event-Stream");

    private final SubscriptionRegistry registry;
    private final OriginCalls origin;
    private final ServerMetrics metrics;
    private final Scheduler scheduler;
    private final InstantSource clock;

    public SubscribeFlow(SubscriptionRegistry registry, OriginCalls origin, ServerMetrics metrics, Scheduler scheduler,
            InstantSource clock) {
        this.registry = registry;
        this.origin = origin;
        this.metrics = metrics;
        this.scheduler = scheduler;
        this.clock = clock;
    }

    /** A client that comes back with its Last-Event-ID while its subscription waits for it: held again, no origin round trip. */
    public boolean resume(HttpServerExchange exchange, SubscriptionPlan plan, List<Decision.HeaderField> responseHeaders) {
        String last = exchange.getRequestHeaders().getFirst(LAST_EVENT_ID);
        if (last == null) {
            return false;
        }
        int dash = last.indexOf('-');
        if (dash != 16 || last.length() > 40) {
            return false;
        }
        long handle = parseHex(last.substring(0, dash));
        long after;
        try {
            after = Long.parseLong(last.substring(dash + 1));
        } catch (NumberFormatException e) {
            return false;
        }
        Subscription sub = registry.byHandle(handle);
        if (sub == null || !sub.sameAs(plan) || sub.ended() || sub.expiredAt(clock.millis() / 1000)) {
            return false;
        }
        metrics.subscribe("resumed");
        registry.hold(exchange, sub, transport(exchange, plan), responseHeaders, Math.max(0, Math.min(after, sub.lastSeq())),
                plan.settings().type() == SubscriptionType.STREAM);
        return true;
    }

    /** Asks the origin; on its 202 the client is held (or attached to its stream). */
    public void subscribe(HttpServerExchange exchange, EdgeRequest request, SubscriptionPlan plan,
            List<Decision.HeaderField> responseHeaders, EdgeEnvironment environment) {
        SubscriptionSettings settings = plan.settings();
        HeldResponse<Subscription> stream = null;
        String streamHeader = exchange.getRequestHeaders().getFirst(X_EVENT_STREAM);
        if (streamHeader != null) {
            boolean streamType = settings.type() == SubscriptionType.STREAM;
            stream = streamType ? registry.stream(parseHex(streamHeader)) : null;
            if (stream == null) {
                metrics.subscribe("no-stream");
                text(exchange, StatusCodes.CONFLICT, streamType ? "no such stream on this edge; open a new one\n"
                        : "this subscription cannot be multiplexed (its type is not stream)\n");
                return;
            }
        }
        Subscriptions.Minted minted = Subscriptions.mint(plan, request, environment);
        OriginRequest call = Subscriptions.subscribe(plan, request, minted.token(), environment);
        Optional<URI> target = origin.target(call);
        if (target.isEmpty()) {
            metrics.subscribe("no-origin");
            LOG.warning(() -> LogLine.of("subscribe-failed").with("reason", "no-origin").with("rule", plan.rule()).toString());
            text(exchange, StatusCodes.BAD_GATEWAY, "no origin is configured for this rule\n");
            return;
        }
        // Registered before the origin is asked: an origin may deliver right after its 202, before
        // the edge has read the 202; such an event waits in the subscription for its client.
        String eventKey = SubscriptionRegistry.eventKey(settings.originKey().name(), Escaping.headerValue(plan.eventId()));
        Subscription sub = registry.register(minted.token(), minted.claims().expiresAt(), plan, request.headers().first("Host"),
                eventKey);
        // a client that leaves while the origin decides closes its connection now, so answered() holds nothing for it
        CloseWatcher.watch(exchange, () -> false, reason -> IoUtils.safeClose(exchange.getConnection()));
        long started = scheduler.nanoTime();
        HeldResponse<Subscription> multiplexOnto = stream;
        try {
            origin.send(target.get(), call, () -> Subscriptions.subscribe(plan, request, minted.token(), environment),
                    settings.originTimeout()).whenComplete((answer, error) -> exchange.getIoThread().execute(() -> {
                metrics.originLatency(true).record(scheduler.nanoTime() - started, TimeUnit.NANOSECONDS);
                try {
                    if (error != null) {
                        throw new IllegalStateException("the origin call failed", error);
                    }
                    answered(exchange, sub, answer, responseHeaders, multiplexOnto);
                } catch (RuntimeException e) {
                    failed(exchange, sub, answer, e);
                }
            }));
        } catch (RuntimeException e) {
            failed(exchange, sub, null, e);
        }
    }

    /** Something threw after the origin was asked: the subscription goes (the origin told if it had accepted), the exchange ends. */
    private void failed(HttpServerExchange exchange, Subscription sub, OriginAnswer answer, RuntimeException e) {
        LOG.log(Level.WARNING, sub.logLine("subscribe-failed").with("reason", "edge-error").toString(), e);
        metrics.subscribe("edge-error");
        if (answer != null && answer.accepted()) {
            registry.endAndTell(sub, "edge-error");
        } else {
            registry.discard(sub);
        }
        if (!exchange.isResponseStarted()) {
            exchange.setPersistent(false);
            SubscriptionSettings settings = sub.plan().settings();
            FailureAnswer.send(exchange, FailureAnswer.Failure.of(StatusCodes.INTERNAL_SERVER_ERROR, "edge-error",
                    "the edge failed on this request"), settings.transport(), settings.transientFailure(), List.of());
        } else {
            IoUtils.safeClose(exchange.getConnection());
        }
    }

    private void answered(HttpServerExchange exchange, Subscription sub, OriginAnswer answer, List<Decision.HeaderField> responseHeaders,
            HeldResponse<Subscription> stream) {
        SubscriptionPlan plan = sub.plan();
        SubscriptionSettings settings = plan.settings();
        if (answer.accepted()) {
            if (!exchange.getConnection().isOpen()) {
                metrics.subscribe("client-gone");
                registry.endAndTell(sub, "client-gone-before-hold");
                return;
            }
            registry.accepted(sub);
            if (stream != null) {
                attach(exchange, sub, responseHeaders, stream);
                return;
            }
            metrics.subscribe("held");
            registry.hold(exchange, sub, transport(exchange, plan), responseHeaders, 0, settings.type() == SubscriptionType.STREAM);
            return;
        }
        registry.discard(sub);
        FailureAnswer.Failure failure;
        if (answer.failure() == OriginAnswer.Failure.TIMEOUT) {
            metrics.subscribe("origin-timeout");
            LOG.warning(() -> LogLine.of("subscribe-failed").with("reason", "origin-timeout")
                    .with("timeout", settings.originTimeout().toMillis() + "ms").toString());
            failure = FailureAnswer.Failure.of(StatusCodes.GATEWAY_TIME_OUT, "origin-timeout", "the origin did not answer in time");
        } else if (answer.failure() == OriginAnswer.Failure.REFUSED) {
            metrics.subscribe("origin-unreachable");
            LOG.warning(() -> LogLine.of("subscribe-failed").with("reason", "origin-unreachable").toString());
            failure = FailureAnswer.Failure.of(StatusCodes.BAD_GATEWAY, "origin-unreachable", "the origin cannot be reached");
        } else if (answer.failure() == OriginAnswer.Failure.BUSY) {
            metrics.subscribe("origin-busy");
            LOG.warning(() -> LogLine.of("subscribe-failed").with("reason", "origin-busy").toString());
            failure = FailureAnswer.Failure.of(StatusCodes.SERVICE_UNAVAILABLE, "origin-busy",
                    "too many requests are waiting for the origin; retry later").retryAfter(1);
        } else if (answer.status() >= 400 && answer.status() <= 599) {
            metrics.subscribe("rejected");
            LOG.fine(() -> LogLine.of("subscribe-rejected").with("status", answer.status()).with("event-id", plan.eventId()).toString());
            failure = FailureAnswer.Failure.of(answer.status(), "rejected", "the origin refused the subscription (" + answer.status() + ")")
                    .retryAfter(FailureAnswer.retryAfterSeconds(answer.retryAfter(), clock.millis()));
            if (settings.forwardRejectionBody() && answer.body().length > 0) {
                failure = failure.body(answer.contentType(), answer.body());
            }
        } else {
            metrics.subscribe("origin-bad-answer");
            LOG.warning(() -> LogLine.of("subscribe-failed").with("reason", "origin-answered").with("status", answer.status())
                    .with("expected", 202).toString());
            failure = FailureAnswer.Failure.of(StatusCodes.BAD_GATEWAY, "origin-bad-answer",
                    "the origin answered " + answer.status() + " instead of 202");
        }
        // a request to attach to a stream is no EventSource: its failures are plain statuses
        TransientFailure policy = stream == null ? settings.transientFailure()
                : new TransientFailure(TransientFailure.Answer.STATUS, settings.transientFailure().retryMin(), settings.transientFailure().retryMax());
        FailureAnswer.send(exchange, failure, settings.transport(), policy, responseHeaders);
    }

    /** "attached" is said once the stream's response carries the subscription, on the stream's IO thread. */
    private void attach(HttpServerExchange exchange, Subscription sub, List<Decision.HeaderField> responseHeaders,
            HeldResponse<Subscription> stream) {
        stream.execute(() -> {
            boolean attached = registry.multiplex(stream, sub);
            if (!attached) {
                registry.endAndTell(sub, "stream-gone");
            }
            exchange.getIoThread().execute(() -> {
                if (attached) {
                    metrics.subscribe("attached");
                    headers(exchange, responseHeaders);
                    text(exchange, StatusCodes.OK, "attached\n");
                } else {
                    metrics.subscribe("no-stream");
                    text(exchange, StatusCodes.CONFLICT, "the stream closed meanwhile; open a new one\n");
                }
            });
        });
    }

    private static Transport transport(HttpServerExchange exchange, SubscriptionPlan plan) {
        return Transports.choose(plan.settings().transport(), exchange.getRequestHeaders().getFirst(Headers.ACCEPT));
    }

    private static long parseHex(String s) {
        try {
            return s.length() == 16 ? Long.parseUnsignedLong(s, 16) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
