package io.surrogate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.surrogate.engine.diag.Diagnostic;
import io.surrogate.engine.token.ThrowawayKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The compiler's contract on any input: a result with diagnostics, never an exception.
 * Documents are the golden, sample and diagnostics files mutated at random: bytes deleted,
 * duplicated, swapped, truncated, and elements, attributes, {@code $(}, regex metacharacters
 * and unicode inserted. Each document's seed is in the failure message.
 */
class CompilerNeverThrowsTest {
    static final long SEED = 0x5077_0647L;
    static final int MUTANTS_PER_FILE = 40;

    static final String[] INSERTS = {
        "<match:uri.component value=\"a\">", "</match:uri.component>", "<match:any><when>", "</when>",
        "<variable:extract name=\"X\" from=\"query\" key=\"x\"/>", "<edgeservices:respond status=\"200\">",
        "<match:uri.path regex=\"true\" value=\"(?<g>[a-z]+\">", "<token><key>k</key></token>", "<event-id>",
        " value=\"$(X)\"", " regex=\"true\"", " wildcard=\"true\"", " result=\"false\"", " index=\"-99\"",
        " transform=\"hmac:x clamp:0 base64-decode\"", " from=\"expression\"", " value=\"x.getClass()\"",
        "$(", "$(X", "$(X)", "$()", ")", "(?<", "[", "\\", "*", "?", "+", "{9999999999}", "|", "^$",
        "&amp;", "&#0;", "&#x10FFFF;", "<![CDATA[", "]]>", "<!--", "-->", "<?pi?>", "<!DOCTYPE x>",
        "é", "\u202e", "\ud83d\ude00", "\u0000", "\t", "\r\n", "'", "\"", "<", ">", "=", "/>",
        "xmlns:match=\"urn:other\"", "<match:expression value=\"" + "(".repeat(400) + "1" + ")".repeat(400) + "\">",
    };

    static List<Path> seeds() throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path root : List.of(GoldenTest.GOLDEN, DiagnosticsTest.DIAGNOSTICS, Path.of("../sample-rules"))) {
            try (Stream<Path> s = Files.walk(root)) {
                s.filter(p -> p.toString().endsWith(".xml")).sorted().forEach(out::add);
            }
        }
        return out;
    }

    @Test
    void mutatedDocumentsGiveDiagnosticsNeverExceptions() throws IOException {
        RuleCompiler compiler = new RuleCompiler(new ThrowawayKeys());
        int n = 0;
        for (Path file : seeds()) {
            byte[] original = Files.readAllBytes(file);
            for (int i = 0; i < MUTANTS_PER_FILE; i++) {
                long seed = SEED + 1_000_003L * n++;
                byte[] mutant = mutate(original, new Random(seed));
                compileOrFail(compiler, mutant, "mutant of " + file + " with seed " + seed);
            }
        }
    }

    @Test
    void generatedDocumentsGiveDiagnosticsNeverExceptions() {
        RuleCompiler compiler = new RuleCompiler(new ThrowawayKeys());
        for (int i = 0; i < 300; i++) {
            long seed = SEED ^ (i * 0x9E3779B97F4A7C15L);
            String doc = RuleGenerator.document(new Random(seed), 1 + i % 12);
            compileOrFail(compiler, doc.getBytes(StandardCharsets.UTF_8), "generated document with seed " + seed);
        }
    }

    static void compileOrFail(RuleCompiler compiler, byte[] document, String what) {
        CompileResult result;
        try {
            result = compiler.compile("fuzz.xml", document);
        } catch (Throwable t) {
            fail(what + " threw " + t + "\n--- document ---\n" + new String(document, StandardCharsets.UTF_8), t);
            return;
        }
        for (Diagnostic d : result.diagnostics()) {
            assertThat(d.position().line()).as("%s: %s", what, d).isPositive();
        }
        if (result instanceof CompileResult.Success s) {
            assertThat(s.ruleSet().fingerprint()).hasSize(64);
        }
        assertThat(result.render()).isNotNull();
    }

    static byte[] mutate(byte[] in, Random r) {
        byte[] b = in.clone();
        int steps = 1 + r.nextInt(4);
        for (int s = 0; s < steps && b.length > 0; s++) {
            int at = r.nextInt(b.length);
            switch (r.nextInt(7)) {
                case 0 -> b = concat(Arrays.copyOfRange(b, 0, at), Arrays.copyOfRange(b, Math.min(b.length, at + 1 + r.nextInt(8)), b.length));
                case 1 -> {
                    int end = Math.min(b.length, at + 1 + r.nextInt(40));
                    b = concat(Arrays.copyOfRange(b, 0, end), Arrays.copyOfRange(b, at, b.length));
                }
                case 2 -> {
                    int other = r.nextInt(b.length);
                    byte t = b[at];
                    b[at] = b[other];
                    b[other] = t;
                }
                case 3 -> b = Arrays.copyOf(b, at);
                case 4 -> b[at] = (byte) r.nextInt(256);
                default -> b = concat(concat(Arrays.copyOfRange(b, 0, at),
                        INSERTS[r.nextInt(INSERTS.length)].getBytes(StandardCharsets.UTF_8)), Arrays.copyOfRange(b, at, b.length));
            }
        }
        return b;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
