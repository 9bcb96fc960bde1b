package io.surrogate.engine.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.CompileResult;
import io.surrogate.engine.TestRules;
import io.surrogate.engine.diag.Diagnostic;
import org.junit.jupiter.api.Test;

/**
 * The fuzzers' findings, reduced by hand and asserted on what they must give now (their
 * original inputs are in the targets' Inputs directories).
 */
class FuzzFindingsTest {
    @Test
    void anElementWithAnEmptyPrefixIsMalformedXml() {
        // RuleCompilerFuzzTestInputs/compile/empty-prefix-element.xml: a DOMException escaped the reader
        CompileResult result = TestRules.compile("empty-prefix.xml", """
                <rules xmlns="urn:surrogate:rules:1" xmlns:edgeservices="urn:surrogate:edgeservices:0">
                  <edgeservices:x><:extract name="PORT"/></edgeservices:x>
                </rules>
                """);
        assertThat(result.hasErrors()).isTrue();
        assertThat(result.diagnostics()).extracting(d -> d.code().name() + "@" + d.position().line()).contains("E100@2");
    }

    @Test
    void aRespondWithoutStatusGetsOnlyTheSchemaDiagnostic() {
        // RuleCompilerFuzzTestInputs/compile/respond-without-status.xml: a NullPointerException in the compiler
        CompileResult result = TestRules.compile("no-status.xml", TestRules.rules("""
                  <match:uri.path value="/x"><edgeservices:respond>hi</edgeservices:respond></match:uri.path>
                """));
        assertThat(result.diagnostics()).extracting(Diagnostic::code).extracting(Enum::name).containsExactly("E106");
    }
}
