package io.surrogate.server;

import io.surrogate.engine.Decision;
import io.surrogate.engine.EdgeEnvironment;
import io.surrogate.engine.OriginRequest;
import io.surrogate.engine.SubscriptionPlan;
import io.surrogate.engine.SubscriptionSettings;
import io.surrogate.engine.SubscriptionType;
import io.surrogate.engine.Subscriptions;
import io.surrogate.engine.Transport;
import io.surrogate.engine.request.EdgeRequest;
import io.surrogate.engine.text.Escaping;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.SameThreadExecutor;
import io.undertow.util.StatusCodes;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.xnio.IoUtils;

/**
 * The client side: every request runs the compiled rules; a subscription goes to the origin
 * without blocking the IO thread, and on 202 the client is held. Rule evaluation and token
 * minting are a few microseconds of CPU and run on the IO thread; nothing here waits.
 */
final class ClientHandler implements HttpHandler {
    private static final Logger LOG = Logger.getLogger("surrogate.client");
    static final HttpString LAST_EVENT_ID = new HttpString("Last-Event-ID");
    static final HttpString X_EVENT_STREAM = new HttpString("X-Event-Stream");
    /** The body this handler read, for the fallback handler (the request channel is spent by then). */
    static final io.undertow.util.AttachmentKey<byte[]> BODY = io.undertow.util.AttachmentKey.create(byte[].class);

    private final LiveRules rules;
    private final Hub hub;
    private final OriginClient origin;
    private final ServerMetrics metrics;
    private final ClientConnections connections;
    private final RateLimiter limiter = new RateLimiter();
    private final Supplier<EdgeEnvironment> env;
    private final int maxBody;
    private final Optional<HttpHandler> fallback;

    ClientHandler(LiveRules rules, Hub hub, OriginClient origin, ServerMetrics metrics, ClientConnections connections,
            Supplier<EdgeEnvironment> env, int maxBody, Optional<HttpHandler> fallback) {
        this.rules = rules;
        this.hub = hub;
        this.origin = origin;
        this.metrics = metrics;
        this.connections = connections;
        this.env = env;
        this.maxBody = maxBody;
        this.fallback = fallback;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        ClientConnections.State state = connections.admit(exchange);
        if (state == null) {
            exchange.setPersistent(false);
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "5");
            text(exchange, StatusCodes.SERVICE_UNAVAILABLE, "the edge holds as many clients as it can; retry later\n");
            return;
        }
        exchange.setMaxEntitySize(maxBody);
        exchange.getRequestReceiver().receiveFullBytes(
                (ex, body) -> ex.dispatch(SameThreadExecutor.INSTANCE, () -> process(ex, body, state.id)),
                (ex, error) -> {
                    if (error instanceof RequestTooBigException) {
                        exchange.setPersistent(false);
                        LOG.info(() -> "event=request-refused status=413 limit=" + maxBody + " from=" + client(ex));
                        text(ex, StatusCodes.REQUEST_ENTITY_TOO_LARGE, "request body over " + maxBody + " bytes\n");
                    } else {
                        LOG.fine(() -> "event=request-unreadable from=" + client(ex) + " error=" + error);
                        exchange.setPersistent(false);
                        text(ex, StatusCodes.BAD_REQUEST, "unreadable request body\n");
                    }
                });
    }

    private void process(HttpServerExchange exchange, byte[] body, long connectionId) {
        try {
            EdgeRequest request = edgeRequest(exchange, body, connectionId);
            EdgeEnvironment environment = env.get();
            Decision decision = rules.current().rules().evaluate(request, environment).decision();
            if (!decision.rateLimits().isEmpty()) {
                long[] retryAfter = new long[1];
                Decision.RateLimit broken = limiter.check(decision.rateLimits(), System.currentTimeMillis(), retryAfter);
                if (broken != null) {
                    metrics.subscribe("rate-limited");
                    LOG.info(() -> "event=rate-limited rule=\"" + broken.rule() + "\" from=" + client(exchange));
                    exchange.getResponseHeaders().put(Headers.RETRY_AFTER, Long.toString(retryAfter[0]));
                    headers(exchange, decision.responseHeaders());
                    text(exchange, broken.status(), "too many requests; retry in " + retryAfter[0] + " s\n");
                    return;
                }
            }
            Decision.Outcome outcome = decision.outcome();
            if (outcome instanceof Decision.Subscribe s) {
                subscribe(exchange, request, s.plan(), decision.responseHeaders(), environment);
            } else if (outcome instanceof Decision.Respond r) {
                headers(exchange, decision.responseHeaders());
                exchange.setStatusCode(r.status());
                if (r.contentType() != null && !r.body().isEmpty()) {
                    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, r.contentType());
                }
                exchange.getResponseSender().send(r.body());
            } else if (fallback.isPresent()) {
                exchange.putAttachment(BODY, body);
                fallback.get().handleRequest(exchange);
            } else {
                text(exchange, StatusCodes.NOT_FOUND, "no rule matched this request\n");
            }
        } catch (Exception e) {
            LOG.log(Level.WARNING, "event=request-failed from=" + client(exchange), e);
            if (!exchange.isResponseStarted()) {
                text(exchange, StatusCodes.INTERNAL_SERVER_ERROR, "the edge failed on this request\n");
            } else {
                exchange.endExchange();
            }
        }
    }

    private void subscribe(HttpServerExchange exchange, EdgeRequest request, SubscriptionPlan plan,
            List<Decision.HeaderField> responseHeaders, EdgeEnvironment environment) {
        SubscriptionSettings settings = plan.settings();
        Transport transport = transport(settings.transport(), exchange.getRequestHeaders().getFirst(Headers.ACCEPT));
        boolean streamType = settings.type() == SubscriptionType.STREAM;
        if (resume(exchange, plan, transport, responseHeaders, streamType, environment)) {
            return;
        }
        HeldConnection stream = null;
        String streamHeader = exchange.getRequestHeaders().getFirst(X_EVENT_STREAM);
        if (streamHeader != null) {
            stream = streamType ? hub.stream(parseHex(streamHeader)) : null;
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
            LOG.warning(() -> "event=subscribe-failed reason=no-origin rule=\"" + plan.rule() + "\"");
            text(exchange, StatusCodes.BAD_GATEWAY, "no origin is configured for this rule\n");
            return;
        }
        // Registered before the origin is asked: an origin may deliver right after its 202, before
        // the edge has read the 202; such an event waits in the subscription for its client.
        String eventKey = Hub.eventKey(settings.originKey().name(), Escaping.headerValue(plan.eventId()));
        Subscription sub = new Subscription(hub.newHandle(), minted.token(), minted.claims(), plan, request.headers().first("Host"), eventKey);
        hub.register(sub);
        // a client that leaves while the origin decides closes its connection now, so answered() holds nothing for it
        HeldConnection.watchForClose(exchange, () -> false, reason -> IoUtils.safeClose(exchange.getConnection()));
        long started = System.nanoTime();
        HeldConnection multiplexOnto = stream;
        origin.send(target.get(), call, settings.originTimeout()).thenAccept(answer -> exchange.getIoThread().execute(() -> {
            metrics.originLatency(true).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            answered(exchange, sub, answer, transport, responseHeaders, multiplexOnto);
        }));
    }

    private void answered(HttpServerExchange exchange, Subscription sub, OriginClient.Answer answer, Transport transport,
            List<Decision.HeaderField> responseHeaders, HeldConnection stream) {
        SubscriptionPlan plan = sub.plan;
        SubscriptionSettings settings = plan.settings();
        if (answer.accepted()) {
            if (!exchange.getConnection().isOpen()) {
                metrics.subscribe("client-gone");
                hub.endAndTell(sub, "client-gone-before-hold");
                return;
            }
            hub.accepted(sub);
            if (stream != null) {
                // "attached" is said once the stream connection carries the subscription
                stream.execute(() -> {
                    boolean attached = hub.multiplex(stream, sub);
                    if (!attached) {
                        hub.endAndTell(sub, "stream-gone");
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
                return;
            }
            metrics.subscribe("held");
            hub.hold(exchange, sub, transport, responseHeaders, 0, settings.type() == SubscriptionType.STREAM);
            return;
        }
        hub.discard(sub);
        if (answer.failure() == OriginClient.Failure.TIMEOUT) {
            metrics.subscribe("origin-timeout");
            LOG.warning(() -> "event=subscribe-failed reason=origin-timeout timeout=" + settings.originTimeout().toMillis() + "ms");
            text(exchange, StatusCodes.GATEWAY_TIME_OUT, "the origin did not answer in time\n");
        } else if (answer.failure() == OriginClient.Failure.REFUSED) {
            metrics.subscribe("origin-unreachable");
            LOG.warning(() -> "event=subscribe-failed reason=origin-unreachable");
            text(exchange, StatusCodes.BAD_GATEWAY, "the origin cannot be reached\n");
        } else if (answer.status() >= 400 && answer.status() <= 599) {
            metrics.subscribe("rejected");
            LOG.fine(() -> "event=subscribe-rejected status=" + answer.status() + " event-id=" + Escaping.headerValue(plan.eventId()));
            headers(exchange, responseHeaders);
            if (settings.forwardRejectionBody() && answer.body().length > 0) {
                exchange.setStatusCode(answer.status());
                exchange.getResponseHeaders().put(Headers.CONTENT_TYPE,
                        answer.contentType() == null ? "application/octet-stream" : answer.contentType());
                exchange.getResponseSender().send(java.nio.ByteBuffer.wrap(answer.body()));
            } else {
                text(exchange, answer.status(), "the origin refused the subscription (" + answer.status() + ")\n");
            }
        } else {
            metrics.subscribe("origin-bad-answer");
            LOG.warning(() -> "event=subscribe-failed reason=origin-answered status=" + answer.status() + " expected=202");
            text(exchange, StatusCodes.BAD_GATEWAY, "the origin answered " + answer.status() + " instead of 202\n");
        }
    }

    /** A client that comes back with its Last-Event-ID while its subscription waits for it: no origin round trip. */
    private boolean resume(HttpServerExchange exchange, SubscriptionPlan plan, Transport transport,
            List<Decision.HeaderField> responseHeaders, boolean streamType, EdgeEnvironment environment) {
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
        Subscription sub = hub.byHandle(handle);
        if (sub == null || !sub.sameAs(plan) || sub.ended() || sub.expiredAt(environment.clock().instant().getEpochSecond())) {
            return false;
        }
        metrics.subscribe("resumed");
        hub.hold(exchange, sub, transport, responseHeaders, Math.max(0, Math.min(after, sub.seq())), streamType);
        return true;
    }

    static Transport transport(Transport configured, String accept) {
        if (configured != Transport.AUTO) {
            return configured;
        }
        if (accept != null) {
            if (accept.contains("text/event-stream")) {
                return Transport.SSE;
            }
            if (accept.contains("application/x-ndjson")) {
                return Transport.STREAM;
            }
        }
        return Transport.LONG_POLL;
    }

    private static long parseHex(String s) {
        try {
            return s.length() == 16 ? Long.parseUnsignedLong(s, 16) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static EdgeRequest edgeRequest(HttpServerExchange exchange, byte[] body, long connectionId) {
        String uri = exchange.getRequestURI();
        if (exchange.isHostIncludedInRequestURI()) {
            int authority = uri.indexOf("//");
            int slash = authority < 0 ? -1 : uri.indexOf('/', authority + 2);
            uri = slash < 0 ? "/" : uri.substring(slash);
        }
        io.surrogate.engine.request.Headers.Builder headers = io.surrogate.engine.request.Headers.builder();
        for (HeaderValues values : exchange.getRequestHeaders()) {
            String name = values.getHeaderName().toString();
            for (String v : values) {
                headers.addFromWire(name, v);
            }
        }
        InetSocketAddress source = exchange.getSourceAddress();
        return new EdgeRequest(exchange.getRequestMethod().toString(), uri, exchange.getQueryString(),
                EdgeRequest.hostWithoutPort(exchange.getRequestHeaders().getFirst(Headers.HOST)), headers.build(), body,
                source.getAddress(), source.getPort(), connectionId);
    }

    static void headers(HttpServerExchange exchange, List<Decision.HeaderField> fields) {
        for (Decision.HeaderField h : fields) {
            exchange.getResponseHeaders().add(new HttpString(h.name()), h.value());
        }
    }

    static void text(HttpServerExchange exchange, int status, String body) {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
        exchange.getResponseSender().send(body);
    }

    private static String client(HttpServerExchange exchange) {
        InetSocketAddress a = exchange.getSourceAddress();
        return a == null ? "?" : a.getAddress().getHostAddress() + ":" + a.getPort();
    }
}
