package io.surrogate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.request.EdgeRequest;
import io.surrogate.engine.request.RawHttpRequest;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.xmlunit.builder.DiffBuilder;
import org.xmlunit.builder.Input;
import org.xmlunit.diff.Diff;

/**
 * One directory per case under {@code src/test/resources/golden}: {@code rules.xml} and
 * {@code request.http} in; the canonical XML, the trace and the decision out. An optional
 * {@code client.txt} holds "ADDRESS PORT" of the client (default 192.0.2.10 62471).
 * Run with {@code -Dgolden.update=true} to rewrite the expectations, then review the diff.
 */
class GoldenTest {
    static final Path GOLDEN = Path.of("src/test/resources/golden");
    static final boolean UPDATE = Boolean.getBoolean("golden.update");

    static Stream<String> cases() throws IOException {
        try (Stream<Path> dirs = Files.list(GOLDEN)) {
            return dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void compilesTracesAndDecidesAsExpected(String name) throws Exception {
        Path dir = GOLDEN.resolve(name);
        RuleSet rules = TestRules.ruleSet("rules.xml", Files.readAllBytes(dir.resolve("rules.xml")));
        EdgeRequest request = request(dir);
        Evaluation traced = rules.trace(request, TestRules.ENV);
        Evaluation fast = rules.evaluate(request(dir), TestRules.ENV);

        String xml = rules.canonicalXml();
        String trace = traced.trace().orElseThrow().render();
        String decision = DecisionText.render(traced);
        if (UPDATE) {
            Files.writeString(dir.resolve("expected.xml"), xml);
            Files.writeString(dir.resolve("expected-trace.txt"), trace);
            Files.writeString(dir.resolve("expected-decision.txt"), decision);
        }
        Diff diff = DiffBuilder.compare(Input.fromPath(dir.resolve("expected.xml")))
                .withTest(Input.fromString(xml))
                .ignoreElementContentWhitespace()
                .checkForSimilar()
                .build();
        assertThat(diff.hasDifferences()).as("canonical XML of %s differs:\n%s\nactual:\n%s", name, diff, xml).isFalse();
        assertThat(trace).as("trace of %s", name).isEqualTo(read(dir.resolve("expected-trace.txt")));
        Path expectedDecision = dir.resolve("expected-decision.txt");
        if (Files.exists(expectedDecision)) {
            assertThat(decision).as("decision of %s", name).isEqualTo(read(expectedDecision));
        }
        assertThat(DecisionText.render(fast)).as("the indexed evaluation of %s decides as the full trace", name).isEqualTo(decision);
    }

    static EdgeRequest request(Path dir) throws Exception {
        InetAddress client = InetAddress.getByName("192.0.2.10");
        int port = 62471;
        Path clientFile = dir.resolve("client.txt");
        if (Files.exists(clientFile)) {
            String[] parts = read(clientFile).trim().split("\\s+");
            client = InetAddress.getByName(parts[0]);
            port = Integer.parseInt(parts[1]);
        }
        return RawHttpRequest.parse(Files.readAllBytes(dir.resolve("request.http")), client, port);
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }
}
