package io.surrogate.benchmarks;

import io.surrogate.engine.Decision;
import io.surrogate.engine.Evaluation;
import io.surrogate.engine.OriginRequest;
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

/**
 * The seed: {@code POST /mail/subscribe-event} with {@code id=2} and cookie
 * {@code user=B} against {@code sample-rules/mail/mail.xml}. Target: evaluate below 1 µs.
 * The request is built once; the engine parses the body and cookie per evaluation, as the
 * server would.
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

    @Setup
    public void setUp() throws Exception {
        ruleSet = Fixtures.compile("mail.xml", Fixtures.mailRules(System.getProperty("surrogate.mailRules", rules)));
        request = Fixtures.seedRequest();
        Decision d = ruleSet.evaluate(request, Fixtures.ENV).decision();
        if (!(d.outcome() instanceof Decision.Subscribe s) || !s.plan().user().equals("B") || !s.plan().eventId().equals("2")) {
            throw new IllegalStateException("the seed request does not subscribe user B to event 2: " + d);
        }
    }

    /** The fast path: {@code RuleSet.evaluate}. */
    @Benchmark
    public Evaluation evaluate() {
        return ruleSet.evaluate(request, Fixtures.ENV);
    }

    /**
     * What the server does for this request end to end, less the I/O: evaluate, mint the token,
     * build and sign the origin's subscribe request. For reference; not a target.
     */
    @Benchmark
    public OriginRequest evaluateMintAndSign() {
        Decision.Subscribe s = (Decision.Subscribe) ruleSet.evaluate(request, Fixtures.ENV).decision().outcome();
        Subscriptions.Minted minted = Subscriptions.mint(s.plan(), request, Fixtures.ENV);
        return Subscriptions.subscribe(s.plan(), request, minted.token(), Fixtures.ENV);
    }

    /** The dry-run path for reference: every rule, with a trace. */
    @Benchmark
    public Evaluation trace() {
        return ruleSet.trace(request, Fixtures.ENV);
    }
}
