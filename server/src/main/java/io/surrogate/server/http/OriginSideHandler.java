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
import java.util.function.BooleanSupplier;

/**
 * The origin-side listener: deliveries, Prometheus metrics, liveness and readiness, and a
 * reload trigger. Not for the public: bind it where only origins and operators reach it.
 */
public final class OriginSideHandler implements HttpHandler {
    private final DeliveryHandler deliveries;
    private final ServerMetrics metrics;
    private final LiveRules rules;
    private final BooleanSupplier ready;

    public OriginSideHandler(DeliveryHandler deliveries, ServerMetrics metrics, LiveRules rules, BooleanSupplier ready) {
        this.deliveries = deliveries;
        this.metrics = metrics;
        this.rules = rules;
        this.ready = ready;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        String path = exchange.getRequestPath();
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
            default -> Responses.text(exchange, 404, "not found; this listener serves " + DeliveryHandler.PATH
                    + ", /metrics, /healthz, /readyz and /admin/reload\n");
        }
    }
}
