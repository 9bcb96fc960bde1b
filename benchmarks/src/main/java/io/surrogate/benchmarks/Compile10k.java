package io.surrogate.benchmarks;

import io.surrogate.engine.CompileResult;
import io.surrogate.engine.RuleCompiler;
import io.surrogate.engine.token.ThrowawayKeys;
import io.surrogate.rules.schema.ReadResult;
import io.surrogate.rules.schema.RuleDocumentReader;
import io.surrogate.rules.schema.RulesSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Compiling a generated 10,000-rule document from bytes: read and validate against the schema,
 * compile, index, print canonically and fingerprint, as a reload does. Each compile has fresh
 * throwaway keys (three token keys and the origin key are generated). Target: below 2 s.
 * One compile is long enough to time on its own, so each measurement is a single shot.
 *
 * <p>Ten thousand realistic rules are about 5 MB of XML, over the reader's default per-file
 * limit of 1 MiB ({@code E102}), so {@link #compile} reads the one document with a reader whose
 * limit is raised to 16 MiB; {@link #compileTenFiles} compiles the same rules as a deployment
 * would have to ship them, ten files of a thousand, with the default reader.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(1)
public class Compile10k {
    @Param({"10000"})
    public int rules;

    static final int LARGE_FILE_LIMIT = 16 << 20;

    private byte[] document;
    private List<byte[]> files;

    @Setup
    public void setUp() {
        document = RuleGenerator.document(rules);
        files = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            files.add(RuleGenerator.document(rules / 10));
        }
        check(compile());
        check(compileTenFiles());
    }

    private static void check(CompileResult result) {
        if (result.hasErrors()) {
            throw new IllegalStateException(result.render());
        }
    }

    /** One document of all the rules, from bytes. */
    @Benchmark
    public CompileResult compile() {
        RuleDocumentReader reader = new RuleDocumentReader(RulesSchema.get(), LARGE_FILE_LIMIT);
        return new RuleCompiler(new ThrowawayKeys(), reader).compile("generated.xml", document);
    }

    /** The same number of rules as ten files, read and compiled together, with the default reader. */
    @Benchmark
    public CompileResult compileTenFiles() {
        RuleDocumentReader reader = new RuleDocumentReader();
        List<ReadResult> read = new ArrayList<>(files.size());
        for (int i = 0; i < files.size(); i++) {
            read.add(reader.read("generated-" + i + ".xml", files.get(i)));
        }
        return new RuleCompiler(new ThrowawayKeys(), reader).compile(read);
    }
}
