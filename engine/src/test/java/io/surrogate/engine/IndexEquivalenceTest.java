package io.surrogate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.request.EdgeRequest;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The indexed {@link RuleSet#evaluate} and the full-scan {@link RuleSet#trace} decide alike, on
 * generated requests against generated rule sets of a few hundred rules (so the index is used).
 */
class IndexEquivalenceTest {
    @Test
    void theIndexedEvaluationDecidesAsTheFullScan() {
        for (int set = 0; set < 6; set++) {
            long seed = 0x1de_c0deL + set;
            Random r = new Random(seed);
            RuleSet rules = TestRules.ruleSet(RuleGenerator.document(r, 200 + r.nextInt(200)));
            for (int i = 0; i < 400; i++) {
                long requestSeed = seed * 31 + i;
                EdgeRequest request = RequestGenerator.request(new Random(requestSeed));
                Evaluation fast = rules.evaluate(request, TestRules.ENV);
                Evaluation full = rules.trace(request, TestRules.ENV);
                assertThat(DecisionText.render(fast))
                        .as("rule set seed %d, request seed %d: %s (host '%s')", seed, requestSeed, request, request.host())
                        .isEqualTo(DecisionText.render(full));
            }
        }
    }
}
