package io.surrogate.benchmarks;

import io.surrogate.engine.Decision;
import io.surrogate.engine.EdgeEnvironment;
import io.surrogate.engine.Evaluation;
import io.surrogate.engine.RuleSet;
import io.surrogate.engine.request.EdgeRequest;
import io.surrogate.engine.request.Headers;
import io.surrogate.engine.request.RawHttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A generated rule set ({@link RuleGenerator}, 1,000 rules by default) and one request per
 * way in: a hit through a path component, an exact path, a host, a case-insensitive
 * component, and a request no rule decides. Target: evaluate below 20 µs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
public class LargeRuleSetEvaluation {
    @Param({"1000"})
    public int rules;

    @Param({"component", "path", "host", "ignorecase", "miss"})
    public String request;

    /**
     * How the path rules compare: {@code exact} (indexed) or, with {@code -p pathMatch=prefix},
     * by prefix, which the index cannot file: a worst case for the 300 path rules.
     */
    @Param({"exact"})
    public String pathMatch;

    private RuleSet ruleSet;
    private EdgeRequest edgeRequest;
    private EdgeEnvironment env;

    @Setup
    public void setUp() {
        env = Fixtures.ENV;
        ruleSet = Fixtures.compile("generated-" + rules + ".xml", RuleGenerator.document(rules, pathMatch.equals("prefix")));
        int middle = rules / 2 / 10 * 10;
        edgeRequest = request(request, middle);
        Decision fast = ruleSet.evaluate(edgeRequest, env).decision();
        Decision full = ruleSet.trace(edgeRequest, env).decision();
        boolean subscribes = fast.outcome() instanceof Decision.Subscribe;
        // The index must not change the decision: compare with the full scan.
        if (subscribes == request.equals("miss") || !fast.equals(full)) {
            throw new IllegalStateException("request '" + request + "' decided " + fast + "; the full scan decided " + full);
        }
    }

    /** Rule {@code base + k} is of kind k (see {@link RuleGenerator}); base is a multiple of 10 in the middle. */
    static EdgeRequest request(String kind, int base) {
        Headers.Builder h = Headers.builder().add("User-Agent", "Mozilla/5.0 (bench)").add("Accept", "text/event-stream");
        return switch (kind) {
            case "component" -> RawHttpRequest.build("GET", "/svc-" + (base + 1) + "/events/42",
                    h.add("Host", "push.example.com").add("Cookie", "session=abc; user=B").build(), null, Fixtures.loopback(), 50000);
            case "path" -> RawHttpRequest.build("GET", "/api/v2/feeds/" + (base + 4) + "/subscribe?id=42&x=1",
                    h.add("Host", "push.example.com").add("X-User", "Bob").build(), null, Fixtures.loopback(), 50000);
            case "host" -> RawHttpRequest.build("POST", "/subscribe-event",
                    h.add("Host", "tenant-" + (base + 7) + ".example.com").add("Cookie", "user=B")
                            .add("Content-Type", "application/x-www-form-urlencoded").build(),
                    "id=42".getBytes(StandardCharsets.UTF_8), Fixtures.loopback(), 50000);
            case "ignorecase" -> RawHttpRequest.build("GET", "/FEED-" + (base + 9) + "/42?u=B",
                    h.add("Host", "push.example.com").build(), null, Fixtures.loopback(), 50000);
            case "miss" -> RawHttpRequest.build("GET", "/static/app.js",
                    h.add("Host", "www.example.com").add("Cookie", "user=B").build(), null, Fixtures.loopback(), 50000);
            default -> throw new IllegalArgumentException("unknown request kind '" + kind + "'");
        };
    }

    /** The fast path: the index picks the candidates. */
    @Benchmark
    public Evaluation evaluate() {
        return ruleSet.evaluate(edgeRequest, env);
    }

    /** The dry-run path for reference: every rule, with a trace. */
    @Benchmark
    public Evaluation trace() {
        return ruleSet.trace(edgeRequest, env);
    }
}
