package io.surrogate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.diag.DiagnosticCode;
import io.surrogate.engine.request.Headers;
import io.surrogate.engine.request.RawHttpRequest;
import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Whatever reaches into objects is refused at compile time, or at worst yields nothing at run time. */
class ExpressionSandboxTest {
    static String rule(String expression) {
        return TestRules.rules("""
                  <match:uri.component value="x">
                    <variable:extract name="V" from="header" key="X-V"/>
                    <variable:extract name="R" from="expression" value="%s"/>
                    <edgeservices:respond status="200">[$(R)]</edgeservices:respond>
                  </match:uri.component>
                """.formatted(expression));
    }

    @ParameterizedTest
    @ValueSource(strings = {"V.class", "V.getClass()", "V.class.name", "V.bytes", "V.length()",
        "'abc'.class", "'abc'.getClass()", "V['class']", "new('java.lang.Object')", "V = 1", "x -> x", "var y = 1"})
    void reachingIntoObjectsIsRefusedOrGivesNothing(String expression) throws Exception {
        CompileResult result = TestRules.compile("rules.xml", rule(expression));
        if (result instanceof CompileResult.Success s) {
            Evaluation e = s.ruleSet().evaluate(RawHttpRequest.build("GET", "/x", Headers.builder().add("X-V", "value").build(),
                    new byte[0], InetAddress.getLoopbackAddress(), 1), TestRules.ENV);
            assertThat(((Decision.Respond) e.decision().outcome()).body()).as("'%s' compiled and gave", expression).isEqualTo("[]");
        } else {
            assertThat(result.diagnostics()).extracting(d -> d.code())
                    .as("'%s':\n%s", expression, result.render()).containsAnyOf(DiagnosticCode.E203, DiagnosticCode.E204);
        }
    }
}
