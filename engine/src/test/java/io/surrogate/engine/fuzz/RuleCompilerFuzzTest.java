package io.surrogate.engine.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.surrogate.engine.CompileResult;
import io.surrogate.engine.RuleCompiler;
import io.surrogate.engine.token.ThrowawayKeys;

/**
 * Rule files: any bytes through RuleDocumentReader and RuleCompiler give a result, with
 * diagnostics or clean, never an exception. A successful result must print and recompile
 * (the canonical XML is what {@code validate --print} writes).
 */
class RuleCompilerFuzzTest {
    private static final RuleCompiler COMPILER = new RuleCompiler(new ThrowawayKeys());

    @FuzzTest(maxDuration = "30s")
    void compile(byte[] document) {
        CompileResult result = COMPILER.compile("fuzz.xml", document);
        assertThat(result).isNotNull();
        result.render();
        if (result instanceof CompileResult.Success success) {
            success.ruleSet().canonicalXml();
            success.ruleSet().toString();
        }
    }
}
