package io.surrogate.benchmarks;

import io.surrogate.engine.Decision;
import io.surrogate.engine.EdgeEnvironment;
import io.surrogate.engine.Evaluation;
import io.surrogate.engine.Subscriptions;
import io.surrogate.engine.RuleSet;
import io.surrogate.engine.request.EdgeRequest;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The seed: {@code POST /mail/subscribe-event} with {@code id=2} and cookie
 * {@code user=B} against {@code sample-rules/mail/mail.xml}. Target: evaluate below 1 µs.
 * The request is built once; the engine parses the body and cookie per evaluation, as the
 * server would. Inputs are non-final state fields and results go to a blackhole (returned
 * values are consumed by JMH's), so nothing is constant-folded or eliminated.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
public class MailEvaluation {
    /** The rule file; when missing, the built-in copy of the seed document is used. */
    @Param({Fixtures.DEFAULT_MAIL_RULES})
    public String rules;

    private RuleSet ruleSet;
    private EdgeRequest request;
    private EdgeEnvironment env;

    @Setup
    public void setUp() throws Exception {
        String path = System.getProperty("surrogate.mailRules", rules);
        System.out.println("# mail rules: " + (java.nio.file.Files.isRegularFile(java.nio.file.Path.of(path))
                ? path : "built-in copy of the seed document (" + path + " not found)"));
        ruleSet = Fixtures.compile("mail.xml", Fixtures.mailRules(path));
        request = Fixtures.seedRequest();
        env = Fixtures.ENV;
        Decision d = ruleSet.evaluate(request, env).decision();
        if (!(d.outcome() instanceof Decision.Subscribe s) || !s.plan().user().equals("B") || !s.plan().eventId().equals("2")) {
            throw new IllegalStateException("the seed request does not subscribe user B to event 2: " + d);
        }
    }

    /** The fast path: {@code RuleSet.evaluate}. */
    @Benchmark
    public Evaluation evaluate() {
        return ruleSet.evaluate(request, env);
    }

    /**
     * What the server does for this request end to end, less the I/O: evaluate, mint the token,
     * build and sign the origin's subscribe request. For reference; not a target.
     */
    @Benchmark
    public void evaluateMintAndSign(Blackhole bh) {
        Decision.Subscribe s = (Decision.Subscribe) ruleSet.evaluate(request, env).decision().outcome();
        Subscriptions.Minted minted = Subscriptions.mint(s.plan(), request, env);
        bh.consume(minted);
        bh.consume(Subscriptions.subscribe(s.plan(), request, minted.token(), env));
    }

    /** The dry-run path for reference: every rule, with a trace. */
    @Benchmark
    public Evaluation trace() {
        return ruleSet.trace(request, env);
    }
}
