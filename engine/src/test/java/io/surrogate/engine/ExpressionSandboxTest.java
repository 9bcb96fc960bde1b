package io.surrogate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.diag.DiagnosticCode;
import io.surrogate.engine.request.Headers;
import io.surrogate.engine.request.RawHttpRequest;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Whatever reaches into objects is refused at compile time; plain operators on values are not. */
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

    // The expressions stand in an XML attribute: &quot; and &amp; as written there.
    @ParameterizedTest
    @ValueSource(strings = {"V.class", "V.getClass()", "V.class.name", "V.bytes", "V.length()",
        "'abc'.class", "'abc'.getClass()", "V['class']", "new('java.lang.Object')", "V = 1", "x -> x", "var y = 1",
        "(V).length", "V?.class", "&quot;abc&quot;.bytes", "(1).class"})
    void reachingIntoObjectsIsRefusedAtCompileTime(String expression) {
        CompileResult result = TestRules.compile("rules.xml", rule(expression));
        assertThat(result.diagnostics()).extracting(d -> d.code())
                .as("'%s':\n%s", expression, result.render()).containsAnyOf(DiagnosticCode.E203, DiagnosticCode.E204);
    }

    /** Issue 12: these compiled, and would have failed only at run time, a match quietly reading false. */
    @ParameterizedTest
    @ValueSource(strings = {"foo(V)", "rt:getRuntime()", "V == 'a' || exit(1)", "size(foo(V))", "math:abs(-1) > 0"})
    void callsOfFunctionsAreRefusedAtCompileTime(String expression) {
        CompileResult result = TestRules.compile("rules.xml", rule(expression));
        assertThat(result.diagnostics()).filteredOn(d -> d.severity() == io.surrogate.engine.diag.Severity.ERROR)
                .extracting(d -> d.code() + "@" + d.position().line() + ":" + d.position().column())
                .as("'%s':\n%s", expression, result.render()).containsExactly("E204@7:50");
    }

    @ParameterizedTest
    @ValueSource(strings = {"V =~ 'a(?=b)b':E214", "V !~ '(a)\\1':E214", "V =~ '((a{1000}){1000}){1000}':E215", "V =~ '[a':E202"})
    void aLiteralRegexTheLinearEngineCannotRunIsRefusedAtCompileTime(String expressionAndCode) {
        String expression = expressionAndCode.substring(0, expressionAndCode.lastIndexOf(':'));
        CompileResult result = TestRules.compile("rules.xml", rule(expression));
        assertThat(result.diagnostics()).filteredOn(d -> d.severity() == io.surrogate.engine.diag.Severity.ERROR)
                .extracting(d -> d.code() + "@" + d.position().line() + ":" + d.position().column())
                .as("'%s':\n%s", expression, result.render()).containsExactly(expressionAndCode.substring(expressionAndCode.lastIndexOf(':') + 1) + "@7:50");
    }

    /** 511 nested parentheses (1,023 characters) overflowed JEXL's recursive parser on a 1 MB stack. */
    @ParameterizedTest
    @ValueSource(ints = {65, 300, 511})
    void deeplyNestedExpressionsAreE203NotAStackOverflow(int depth) throws Exception {
        String expression = "(".repeat(depth) + "V" + ")".repeat(depth);
        CompileResult[] result = new CompileResult[1];
        Thread small = new Thread(null, () -> result[0] = TestRules.compile("rules.xml", rule(expression)), "small-stack", 512 * 1024);
        small.start();
        small.join();
        assertThat(result[0]).as("the compile on a 512 KB stack threw").isNotNull();
        assertThat(result[0].diagnostics()).filteredOn(d -> d.severity() == io.surrogate.engine.diag.Severity.ERROR)
                .extracting(d -> d.code()).as(result[0].render()).containsExactly(DiagnosticCode.E203);
    }

    @Test
    void nestingUpToTheBoundCompiles() {
        String expression = "(".repeat(20) + "V" + ")".repeat(20) + " == 'a'";
        CompileResult result = TestRules.compile("rules.xml", rule(expression));
        assertThat(result).as(result.render()).isInstanceOf(CompileResult.Success.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"${V.class}", "a ${V} b", "${V}"})
    void jexlTemplateSyntaxInATemplateIsRefusedNotLiteral(String text) {
        CompileResult result = TestRules.compile("rules.xml", TestRules.rules("""
                  <match:uri.component value="x">
                    <variable:extract name="V" from="header" key="X-V"/>
                    <edgeservices:respond status="200">%s $(V)</edgeservices:respond>
                  </match:uri.component>
                """.formatted(text)));
        assertThat(result.diagnostics()).extracting(d -> d.code()).as(result.render()).containsExactly(DiagnosticCode.E207);
    }

    @ParameterizedTest
    @ValueSource(strings = {"V == 'a.b[c]'", "1.5 > 1", "V =~ 'va.*'", "V =^ 'va' &amp;&amp; !(V =$ 'x')", "size(V) + 0.25", "V + &quot;[.]&quot;"})
    void valuesAndOperatorsCompileAndRun(String expression) throws Exception {
        CompileResult result = TestRules.compile("rules.xml", rule(expression));
        assertThat(result).as(result.render()).isInstanceOf(CompileResult.Success.class);
        Evaluation e = ((CompileResult.Success) result).ruleSet().evaluate(RawHttpRequest.build("GET", "/x",
                Headers.builder().add("X-V", "value").build(), new byte[0], InetAddress.getLoopbackAddress(), 1), TestRules.ENV);
        assertThat(((Decision.Respond) e.decision().outcome()).body()).as("'%s' gave", expression).isNotEqualTo("[]");
    }

    /**
     * {@code =~} ran on java.util.regex, compiled at every evaluation from a text that may come
     * from the client. It runs on RE2/J now: the issue's (.*a){8} is decided at once, a regex
     * that would exhaust memory or needs backtracking fails the expression (it yields nothing).
     * The time bound only guards against a hang.
     */
    @Test
    void theRegexOperatorRunsInLinearTimeWhateverTheClientSends() throws Exception {
        RuleSet rules = TestRules.ruleSet(TestRules.rules("""
                  <match:uri.component value="x">
                    <variable:extract name="V" from="header" key="X-V"/>
                    <variable:extract name="W" from="header" key="X-W"/>
                    <variable:extract name="R" from="expression" value="V =~ W ? 'yes' : 'no'"/>
                    <edgeservices:respond status="200">[$(R)]</edgeservices:respond>
                  </match:uri.component>
                """));
        String[][] cases = {
            {"a".repeat(48) + "!", "(.*a){8}", "[no]"},
            {"a".repeat(49), "(.*a){8}", "[yes]"},
            {"aaa", "((a{1000}){1000}){1000}", "[]"},
            {"ab", "a(?=b)b", "[]"},
            {"ab", "[", "[]"},
            {"x".repeat(9000), "x*", "[no]"},
            {"a", "(".repeat(5000) + "a" + ")".repeat(5000), "[]"},
        };
        for (String[] c : cases) {
            String body = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                Evaluation e = rules.evaluate(RawHttpRequest.build("GET", "/x", Headers.builder().add("X-V", c[0]).add("X-W", c[1]).build(),
                        new byte[0], InetAddress.getLoopbackAddress(), 1), TestRules.ENV);
                return ((Decision.Respond) e.decision().outcome()).body();
            });
            assertThat(body).as("'%s' =~ '%s'", c[0].length() > 60 ? c[0].substring(0, 60) + "..." : c[0], c[1]).isEqualTo(c[2]);
        }
    }
}
