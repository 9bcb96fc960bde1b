package io.surrogate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every golden and sample rule file: compile, print, recompile: same fingerprint; printing is a fixed point. */
class RoundTripTest {
    static Stream<Path> ruleFiles() throws IOException {
        try (Stream<Path> golden = Files.walk(GoldenTest.GOLDEN); Stream<Path> samples = Files.walk(Path.of("../sample-rules"))) {
            return Stream.concat(golden.filter(p -> p.getFileName().toString().equals("rules.xml")),
                    samples.filter(p -> p.toString().endsWith(".xml"))).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ruleFiles")
    void printingAndRecompilingKeepsTheFingerprint(Path file) throws IOException {
        RuleSet first = TestRules.ruleSet(file.toString(), Files.readAllBytes(file));
        // printed beside the original: a jwks path is relative to the rule file
        RuleSet second = TestRules.ruleSet(file.resolveSibling("printed.xml").toString(), first.canonicalXml().getBytes(StandardCharsets.UTF_8));
        assertThat(second.canonicalXml()).isEqualTo(first.canonicalXml());
        assertThat(second.fingerprint()).isEqualTo(first.fingerprint());
        RuleSet third = TestRules.ruleSet(file.resolveSibling("printed-again.xml").toString(), second.canonicalXml().getBytes(StandardCharsets.UTF_8));
        assertThat(third.canonicalXml()).isEqualTo(second.canonicalXml());
    }
}
