package io.surrogate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.diag.Diagnostic;
import io.surrogate.engine.diag.DiagnosticCode;
import io.surrogate.rules.schema.ReadResult;
import io.surrogate.rules.schema.RuleDocumentReader;
import io.surrogate.rules.schema.SchemaProblem;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: 3,000 nested matches (130 KB) overflowed the compiler's stack, killing
 * {@code validate} and the rule watcher. The reader stops at {@link RuleDocumentReader#MAX_DEPTH}.
 */
class NestingDepthTest {
    /** {@code matches} nested {@code match:uri.path} elements, each on its own line from line 5, the innermost with a respond. */
    static String nested(int matches) {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < matches; i++) {
            body.append("<match:uri.path value=\"/\">\n");
        }
        body.append("<edgeservices:respond status=\"200\">ok</edgeservices:respond>\n");
        body.append("</match:uri.path>\n".repeat(matches));
        return TestRules.rules(body.toString());
    }

    @Test
    void threeThousandNestedMatchesAreOneDiagnosticNotAStackOverflow() {
        String xml = nested(3000);
        assertThat(xml.length()).isGreaterThan(100_000);
        CompileResult r = TestRules.compile("rules.xml", xml);
        assertThat(r.hasErrors()).isTrue();
        assertThat(r.diagnostics()).extracting(Diagnostic::code).containsExactly(DiagnosticCode.E110);
        // <rules> is depth 1, the 64th match is depth 65, on line 4 + 64
        Diagnostic d = r.diagnostics().get(0);
        assertThat(d.position().line() + ":" + d.position().column()).isEqualTo("68:1");
    }

    @Test
    void theReaderStopsAtTheBound() {
        ReadResult read = new RuleDocumentReader().read("rules.xml", nested(3000).getBytes(StandardCharsets.UTF_8));
        assertThat(read.rules()).isEmpty();
        assertThat(read.problems()).extracting(SchemaProblem::kind).containsExactly(SchemaProblem.Kind.TOO_DEEP);
    }

    @Test
    void nestingUpToTheBoundCompilesAndRuns() throws Exception {
        // <rules>, 62 matches and the respond: 64 deep
        RuleSet rules = TestRules.ruleSet(nested(RuleDocumentReader.MAX_DEPTH - 2));
        Evaluation e = rules.evaluate(io.surrogate.engine.request.RawHttpRequest.build("GET", "/",
                io.surrogate.engine.request.Headers.builder().add("Host", "a.example").build(), new byte[0],
                java.net.InetAddress.getByName("127.0.0.1"), 40000), TestRules.ENV);
        assertThat(e.decision().outcome()).isInstanceOfSatisfying(Decision.Respond.class, x -> assertThat(x.status()).isEqualTo(200));
        CompileResult over = TestRules.compile("rules.xml", nested(RuleDocumentReader.MAX_DEPTH - 1));
        assertThat(over.diagnostics()).extracting(Diagnostic::code).containsExactly(DiagnosticCode.E110);
    }
}
