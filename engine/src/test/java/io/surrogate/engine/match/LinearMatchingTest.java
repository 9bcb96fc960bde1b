package io.surrogate.engine.match;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.surrogate.engine.Decision;
import io.surrogate.engine.Evaluation;
import io.surrogate.engine.RuleSet;
import io.surrogate.engine.TestRules;
import io.surrogate.engine.request.EdgeRequest;
import io.surrogate.engine.request.Headers;
import io.surrogate.engine.request.RawHttpRequest;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The two requests of issue 12 that froze an edge (a wildcard and a regex that backtracked
 * for seconds) are decided at once, with the right outcome; values over the bound never
 * match a pattern. {@code assertTimeoutPreemptively} only guards against a hang.
 */
class LinearMatchingTest {
    static final RuleSet RULES = TestRules.ruleSet(TestRules.rules("""
              <match:request.header name="User-Agent" value="*Mozilla*Chrome*Mobile*" wildcard="true">
                <edgeservices:respond status="201">mobile</edgeservices:respond>
              </match:request.header>
              <match:request.header name="X-Probe" value="(.*a){8}" regex="true">
                <edgeservices:respond status="202">eight</edgeservices:respond>
              </match:request.header>
              <match:uri.path value="/q/(?&lt;symbol&gt;[A-Z]+)" regex="true">
                <variable:extract name="SYMBOL" from="regex-capture" key="symbol"/>
                <edgeservices:respond status="203">$(SYMBOL)</edgeservices:respond>
              </match:uri.path>
              <match:uri.path value="/long/*" wildcard="true">
                <edgeservices:respond status="204">long</edgeservices:respond>
              </match:uri.path>
            """));

    static EdgeRequest request(String path, String header, String value) throws Exception {
        return RawHttpRequest.build("GET", path, Headers.builder().add("Host", "mail.foo.com").add(header, value).build(),
                new byte[0], InetAddress.getByName("127.0.0.1"), 40000);
    }

    static int status(EdgeRequest request) {
        Evaluation[] out = new Evaluation[1];
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            out[0] = RULES.evaluate(request, TestRules.ENV);
        });
        return out[0].decision().outcome() instanceof Decision.Respond r ? r.status() : 0;
    }

    @Test
    void aLongUserAgentAgainstManyStarsIsDecidedWithTheRightOutcome() throws Exception {
        // 13,000 characters: over the bound, so it cannot match, and the rules go on to the next statement
        assertThat(status(request("/", "User-Agent", "MozillaChrome".repeat(1000)))).isZero();
        assertThat(status(request("/", "User-Agent", "MozillaChrome".repeat(1000) + "Mobile"))).isZero();
        // under the bound the matcher itself answers: 7,800 characters without and with "Mobile"
        assertThat(status(request("/", "User-Agent", "MozillaChrome".repeat(600)))).isZero();
        assertThat(status(request("/", "User-Agent", "MozillaChrome".repeat(600) + "Mobile"))).isEqualTo(201);
    }

    @Test
    void aNestedRepetitionAgainstA49ByteHeaderIsDecidedWithTheRightOutcome() throws Exception {
        assertThat(status(request("/", "X-Probe", "a".repeat(48) + "!"))).isZero();
        assertThat(status(request("/", "X-Probe", "a".repeat(49)))).isEqualTo(202);
    }

    @Test
    void namedGroupsStillCapture() throws Exception {
        Evaluation e = RULES.evaluate(request("/q/ACME", "X", "y"), TestRules.ENV);
        assertThat(e.decision().outcome()).isInstanceOfSatisfying(Decision.Respond.class, r -> {
            assertThat(r.status()).isEqualTo(203);
            assertThat(r.body()).isEqualTo("ACME");
        });
    }

    @Test
    void aValueOverTheBoundDoesNotMatchAPattern() throws Exception {
        String atBound = "/long/" + "x".repeat(ValuePattern.MAX_VALUE_LENGTH - 6);
        assertThat(status(request(atBound, "X", "y"))).isEqualTo(204);
        assertThat(status(request(atBound + "x", "X", "y"))).isZero();
    }
}
