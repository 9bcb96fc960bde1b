package io.surrogate.server.http;

import io.surrogate.engine.Decision;
import io.surrogate.engine.EdgeEnvironment;
import io.surrogate.engine.SubscriptionSettings;
import io.surrogate.engine.TransientFailure;
import io.surrogate.engine.action.Cors;
import io.surrogate.engine.Transport;
import io.surrogate.engine.request.EdgeRequest;
import io.surrogate.server.LogLine;
import io.surrogate.server.metrics.ServerMetrics;
import io.surrogate.server.reload.LiveRules;
import io.surrogate.server.subscribe.SubscribeFlow;
import io.surrogate.server.transport.ConnectionState;
import io.surrogate.server.transport.FailureAnswer;
import io.surrogate.server.guard.BodyReader;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.undertow.util.SameThreadExecutor;
import io.undertow.util.StatusCodes;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

import static io.surrogate.server.transport.Responses.client;
import static io.surrogate.server.transport.Responses.headers;
import static io.surrogate.server.transport.Responses.text;

/**
 * The client side's pipeline, in this order: admit the connection (or 503 at capacity), read
 * the body, evaluate the rules, apply their rate limits, then respond, resume a waiting
 * subscription, or subscribe at the origin ({@link SubscribeFlow}). Everything a request needs
 * travels with its exchange; nothing is kept per connection but its number. Rule evaluation
 * and token minting are a few microseconds of CPU and run on the IO thread; nothing here waits.
 */
public final class ClientHandler implements HttpHandler {
    private static final Logger LOG = Logger.getLogger("surrogate.client");
    /** The body this handler read, for the fallback handler (the request channel is spent by then). */
    private static final AttachmentKey<byte[]> BODY = AttachmentKey.create(byte[].class);
    /** What a client over the connection limit is asked to wait, at least. */
    static final long CAPACITY_RETRY_AFTER_SECONDS = 5;
    private static final Decision NO_DECISION = new Decision(new Decision.NoMatch(), List.of(), List.of());

    private final ClientConnections connections;
    private final LiveRules rules;
    private final RateLimitStore limits;
    private final SubscribeFlow flow;
    private final ServerMetrics metrics;
    private final Supplier<EdgeEnvironment> env;
    private final InstantSource clock;
    private final int maxBody;
    private final Optional<HttpHandler> fallback;

    public ClientHandler(ClientConnections connections, LiveRules rules, RateLimitStore limits, SubscribeFlow flow,
            ServerMetrics metrics, Supplier<EdgeEnvironment> env, InstantSource clock, int maxBody, Optional<HttpHandler> fallback) {
        this.connections = connections;
        this.rules = rules;
        this.limits = limits;
        this.flow = flow;
        this.metrics = metrics;
        this.env = env;
        this.clock = clock;
        this.maxBody = maxBody;
        this.fallback = fallback;
    }

    /** For a fallback handler: the request body the edge already read (empty if none). */
    public static byte[] requestBody(HttpServerExchange exchange) {
        byte[] body = exchange.getAttachment(BODY);
        return body == null ? new byte[0] : body;
    }

    /** Steps 1 and 2: admit, read the body. */
    @Override
    public void handleRequest(HttpServerExchange exchange) {
        ConnectionState connection = connections.admit(exchange);
        if (connection == null) {
            exchange.setPersistent(false);
            atCapacity(exchange);
            return;
        }
        // one bounded reader for Content-Length and chunked bodies, under the guard's body deadline
        BodyReader.read(exchange, maxBody,
                (ex, body) -> ex.dispatch(SameThreadExecutor.INSTANCE, () -> run(ex, body, connection.number())),
                this::unreadable);
    }

    /** Steps 3 to 5: evaluate, rate limits, respond | resume | subscribe. */
    private void run(HttpServerExchange exchange, byte[] body, long connectionNumber) {
        try {
            EdgeRequest request = EdgeRequests.of(exchange, body, connectionNumber);
            EdgeEnvironment environment = env.get();
            Decision decision = rules.current().rules().evaluate(request, environment).decision();
            if (rateLimited(exchange, decision)) {
                return;
            }
            Decision.Outcome outcome = decision.outcome();
            if (outcome instanceof Decision.Respond r) {
                if (Cors.refusal(r)) {
                    LOG.info(() -> LogLine.of("cors-refused").with("origin", request.headers().first("Origin"))
                            .with("method", request.method()).with("rule", r.rule()).with("from", client(exchange)).toString());
                }
                respond(exchange, decision, r);
            } else if (outcome instanceof Decision.Subscribe s) {
                if (!flow.resume(exchange, s.plan(), decision.responseHeaders())) {
                    flow.subscribe(exchange, request, s.plan(), decision.responseHeaders(), environment);
                }
            } else {
                unmatched(exchange, body);
            }
        } catch (Exception e) {
            LOG.log(Level.WARNING, LogLine.of("request-failed").with("from", client(exchange)).toString(), e);
            if (!exchange.isResponseStarted()) {
                text(exchange, StatusCodes.INTERNAL_SERVER_ERROR, "the edge failed on this request\n");
            } else {
                exchange.endExchange();
            }
        }
    }

    private boolean rateLimited(HttpServerExchange exchange, Decision decision) {
        if (decision.rateLimits().isEmpty()) {
            return false;
        }
        long[] retryAfter = new long[1];
        Decision.RateLimit broken = limits.check(decision.rateLimits(), clock.millis(), retryAfter);
        if (broken == null) {
            return false;
        }
        metrics.subscribe("rate-limited");
        LOG.info(() -> LogLine.of("rate-limited").with("rule", broken.rule()).with("from", client(exchange)).toString());
        failed(exchange, decision, FailureAnswer.Failure.of(broken.status(), "rate-limited", "too many requests; retry in "
                + retryAfter[0] + " s").retryAfter(retryAfter[0]));
        return true;
    }

    /**
     * Over the connection limit: 503 with {@code Retry-After: 5}, or for an EventSource the
     * retrying event stream. The rules are asked (for a GET, which has no body to read) only to
     * learn the transport, the rule's {@code transient-failure} and its CORS headers: without
     * them a cross-origin EventSource could not read the answer.
     */
    private void atCapacity(HttpServerExchange exchange) {
        Decision decision = NO_DECISION;
        if (exchange.getRequestMethod().equals(Methods.GET)) {
            try {
                decision = rules.current().rules().evaluate(EdgeRequests.of(exchange, new byte[0], 0), env.get()).decision();
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "rules not evaluated for a request over the connection limit", e);
            }
        }
        failed(exchange, decision, FailureAnswer.Failure.of(StatusCodes.SERVICE_UNAVAILABLE, "at-capacity",
                "the edge holds as many clients as it can; retry later").retryAfter(CAPACITY_RETRY_AFTER_SECONDS));
    }

    /** A failure before the origin is asked: answered as the rule's subscription would have its failures answered. */
    private static void failed(HttpServerExchange exchange, Decision decision, FailureAnswer.Failure failure) {
        if (decision.outcome() instanceof Decision.Subscribe s) {
            SubscriptionSettings settings = s.plan().settings();
            FailureAnswer.send(exchange, failure, settings.transport(), settings.transientFailure(), decision.responseHeaders());
        } else {
            // not a subscription (a respond, no rule): a plain answer with Retry-After, whatever the Accept
            FailureAnswer.send(exchange, failure, Transport.LONG_POLL, TransientFailure.DEFAULT, decision.responseHeaders());
        }
    }

    private static void respond(HttpServerExchange exchange, Decision decision, Decision.Respond r) {
        headers(exchange, decision.responseHeaders());
        exchange.setStatusCode(r.status());
        if (r.contentType() != null && !r.body().isEmpty()) {
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, r.contentType());
        }
        exchange.getResponseSender().send(r.body());
    }

    private void unmatched(HttpServerExchange exchange, byte[] body) throws Exception {
        if (fallback.isPresent()) {
            exchange.putAttachment(BODY, body);
            fallback.get().handleRequest(exchange);
        } else {
            text(exchange, StatusCodes.NOT_FOUND, "no rule matched this request\n");
        }
    }

    private void unreadable(HttpServerExchange exchange, BodyReader.Refusal refusal) {
        if (refusal == BodyReader.Refusal.TOO_LARGE) {
            LOG.info(() -> LogLine.of("request-refused").with("status", 413).with("limit", maxBody).with("from", client(exchange)).toString());
            text(exchange, StatusCodes.REQUEST_ENTITY_TOO_LARGE, "request body over " + maxBody + " bytes\n");
        } else {
            LOG.fine(() -> LogLine.of("request-unreadable").with("from", client(exchange)).toString());
            text(exchange, StatusCodes.BAD_REQUEST, "unreadable request body\n");
        }
    }
}
