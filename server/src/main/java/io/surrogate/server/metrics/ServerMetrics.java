package io.surrogate.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.surrogate.engine.Transport;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The edge's Prometheus metrics, served at {@code /metrics} on the origin side: the edge's own,
 * the JVM's and the process's (open files against their limit, resident memory, GC pauses,
 * threads), and a build-info gauge. docs/operations.md lists them; docs/grafana-dashboard.json
 * draws them.
 */
public final class ServerMetrics implements AutoCloseable {
    /**
     * The buckets of the origin latency histogram: a handful an operator can read (the origin
     * timeout defaults to 5 s, so the last finite bucket is past it), not Micrometer's 69.
     */
    static final Duration[] LATENCY_BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(25), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(10)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<Transport, AtomicInteger> held = new EnumMap<>(Transport.class);
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Timer subscribeLatency;
    private final Timer unsubscribeLatency;
    private final JvmGcMetrics gc = new JvmGcMetrics();

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
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        ProcessMemory.bindTo(registry);
        BuildInfo.bindTo(registry);
    }

    private Timer originTimer(String call) {
        return Timer.builder("surrogate.origin.latency")
                .description("Time from sending a request to the origin to its answer")
                .tag("call", call)
                .serviceLevelObjectives(LATENCY_BUCKETS)
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

    /** Requests to the operators' endpoints refused, by reason (unauthenticated, browser). */
    public void adminRefused(String reason) {
        count("surrogate.admin.refused", "Requests to /admin/* and /metrics refused, by reason", "reason", reason);
    }

    /** Redis commands that failed or timed out, by what the edge used Redis for (replay, publish, history, directory, ...). */
    public void redisFailure(String use) {
        count("surrogate.redis.failures", "Redis commands that failed or timed out, by use", "use", use);
    }

    /** A connection to Redis re-established after it was lost. */
    public void redisReconnect() {
        counters.computeIfAbsent("surrogate.redis.reconnects", k -> Counter.builder(k)
                .description("Connections to Redis re-established after they were lost").register(registry)).increment();
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

    /** Stops listening to the JVM's GC notifications (an edge stopped in a JVM that goes on, as in tests). */
    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
