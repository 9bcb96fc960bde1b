package io.surrogate.server.http;

import io.surrogate.server.delivery.DeliveryHandler;
import io.surrogate.server.metrics.ServerMetrics;
import io.surrogate.server.reload.LiveRules;
import io.surrogate.server.transport.EventFrame;
import io.surrogate.server.transport.Responses;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.surrogate.server.LogLine;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The origin-side listener: deliveries, Prometheus metrics, liveness and readiness, and a
 * reload trigger. Not for the public: bind it where only origins and operators reach it.
 * Deliveries carry their own signature; {@code /metrics} and {@code /admin/*} need the
 * operators' bearer token when one is configured ({@link AdminAuth}), and {@code /admin/*} is
 * never done for a browser (a request with an {@code Origin} header), so a page that can reach
 * the listener cannot make its visitor's browser reload the edge. With several edges on Redis,
 * {@code GET /admin/edges} lists them as this edge last read its directory.
 */
public final class OriginSideHandler implements HttpHandler {
    private static final Logger LOG = Logger.getLogger("surrogate.admin");
    private final DeliveryHandler deliveries;
    private final ServerMetrics metrics;
    private final LiveRules rules;
    private final BooleanSupplier ready;
    private final AdminAuth admin;
    private final Supplier<Object> edges;

    /** @param edges what {@code GET /admin/edges} answers (issue 13: the directory of edges on Redis); null for an edge alone */
    public OriginSideHandler(DeliveryHandler deliveries, ServerMetrics metrics, LiveRules rules, BooleanSupplier ready, AdminAuth admin,
            Supplier<Object> edges) {
        this.admin = admin;
        this.edges = edges;
        this.deliveries = deliveries;
        this.metrics = metrics;
        this.rules = rules;
        this.ready = ready;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        String path = exchange.getRequestPath();
        if ((path.equals("/metrics") || path.startsWith("/admin/")) && !operator(exchange, path)) {
            return;
        }
        switch (path) {
            case DeliveryHandler.PATH -> deliveries.handleRequest(exchange);
            case "/metrics" -> {
                if (exchange.isInIoThread()) {
                    exchange.dispatch(this);
                    return;
                }
                exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                exchange.getResponseSender().send(metrics.scrape());
            }
            case "/healthz" -> Responses.text(exchange, 200, "ok\n");
            case "/readyz" -> {
                boolean ok = ready.getAsBoolean();
                Responses.text(exchange, ok ? 200 : 503, ok ? "ready\n" : "not ready\n");
            }
            case "/admin/reload" -> {
                if (!exchange.getRequestMethod().equals(Methods.POST)) {
                    exchange.getResponseHeaders().put(Headers.ALLOW, "POST");
                    Responses.text(exchange, 405, "POST to reload\n");
                    return;
                }
                if (exchange.isInIoThread()) {
                    exchange.dispatch(this);
                    return;
                }
                LiveRules.Outcome o = rules.reload();
                exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
                exchange.setStatusCode(o.applied() ? 200 : 422);
                exchange.getResponseSender().send(EventFrame.JSON.toJson(o) + "\n");
            }
            case "/admin/edges" -> {
                if (edges == null) {
                    Responses.text(exchange, 404, "this edge is alone: the edges are listed with --redis\n");
                    return;
                }
                if (!exchange.getRequestMethod().equals(Methods.GET)) {
                    exchange.getResponseHeaders().put(Headers.ALLOW, "GET");
                    Responses.text(exchange, 405, "GET the edges\n");
                    return;
                }
                exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
                exchange.getResponseSender().send(EventFrame.JSON.toJson(edges.get()) + "\n");
            }
            default -> Responses.text(exchange, 404, "not found; this listener serves " + DeliveryHandler.PATH
                    + ", /metrics, /healthz, /readyz, /admin/reload and /admin/edges\n");
        }
    }

    /** False (and answered) when a request to an operators' endpoint is not one an operator made. */
    private boolean operator(HttpServerExchange exchange, String path) {
        if (path.startsWith("/admin/") && exchange.getRequestHeaders().contains(Headers.ORIGIN)) {
            metrics.adminRefused("browser");
            LOG.warning(() -> LogLine.of("admin-refused").with("path", path).with("reason", "browser")
                    .with("from", Responses.client(exchange)).toString());
            Responses.text(exchange, 403, "the admin endpoints are not for browsers (the request has an Origin header)\n");
            return false;
        }
        if (!admin.allows(exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION))) {
            metrics.adminRefused("unauthenticated");
            LOG.warning(() -> LogLine.of("admin-refused").with("path", path).with("reason", "unauthenticated")
                    .with("from", Responses.client(exchange)).toString());
            exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer realm=\"surrogate\"");
            Responses.text(exchange, 401, "this endpoint needs the operators' token: Authorization: Bearer TOKEN\n");
            return false;
        }
        return true;
    }
}
