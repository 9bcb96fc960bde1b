package io.surrogate.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.surrogate.engine.Transport;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** The edge's Prometheus metrics, served at {@code /metrics} on the origin side. */
public final class ServerMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<Transport, AtomicInteger> held = new EnumMap<>(Transport.class);
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Timer subscribeLatency;
    private final Timer unsubscribeLatency;

    public ServerMetrics() {
        for (Transport t : Transport.values()) {
            if (t != Transport.AUTO) {
                AtomicInteger n = new AtomicInteger();
                held.put(t, n);
                Gauge.builder("surrogate.connections.held", n, AtomicInteger::get)
                        .description("Client connections held open, by transport")
                        .tag("transport", t.label())
                        .register(registry);
            }
        }
        subscribeLatency = originTimer("subscribe");
        unsubscribeLatency = originTimer("unsubscribe");
    }

    private Timer originTimer(String call) {
        return Timer.builder("surrogate.origin.latency")
                .description("Time from sending a request to the origin to its answer")
                .tag("call", call)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
    }

    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }

    public AtomicInteger held(Transport transport) {
        return held.get(transport);
    }

    /** Subscribe outcomes: held, resumed, attached, rejected, origin_error, origin_timeout, rate_limited, ... */
    public void subscribe(String outcome) {
        count("surrogate.subscribe", "Subscription requests by outcome", "outcome", outcome);
    }

    /** Delivery results: delivered, queued, no_subscriber, bad_signature, replay, ... */
    public void delivery(String result) {
        count("surrogate.deliveries", "Deliveries from the origin by result", "result", result);
    }

    public void unsubscribe(String result) {
        count("surrogate.unsubscribe", "Unsubscribe notices to the origin by result", "result", result);
    }

    public void reload(String result) {
        count("surrogate.reloads", "Rule reloads by result", "result", result);
    }

    public void disconnect(String reason) {
        count("surrogate.disconnects", "Held clients disconnected by the edge, by reason", "reason", reason);
    }

    public Timer originLatency(boolean subscribe) {
        return subscribe ? subscribeLatency : unsubscribeLatency;
    }

    private void count(String name, String description, String tag, String value) {
        counters.computeIfAbsent(name + '|' + value,
                k -> Counter.builder(name).description(description).tag(tag, value).register(registry)).increment();
    }

    public String scrape() {
        return registry.scrape();
    }
}
