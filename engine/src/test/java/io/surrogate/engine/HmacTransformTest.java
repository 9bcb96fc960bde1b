package io.surrogate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.request.Headers;
import io.surrogate.engine.request.RawHttpRequest;
import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.OriginSignature;
import io.surrogate.engine.token.TinkKeys;
import java.net.InetAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one transform the golden files cannot show (its key is random): hmac:KEY with a real keyring. */
class HmacTransformTest {
    @Test
    void hmacIsTheLowercaseHexHmacSha256OfTheValueWithTheNamedKey(@TempDir Path dir) throws Exception {
        Keyring.write(dir, "user-ids", TinkKeys.generate(KeyPurpose.HMAC));
        Keyring keyring = Keyring.open(dir);
        CompileResult result = TestRules.compile("rules.xml", TestRules.rules("""
                  <match:uri.component value="x">
                    <variable:extract name="U" from="header" key="X-User" transform="trim hmac:user-ids"/>
                    <edgeservices:respond status="200">$(U)</edgeservices:respond>
                  </match:uri.component>
                """), keyring);
        assertThat(result.diagnostics()).as(result.render()).isEmpty();
        Evaluation e = ((CompileResult.Success) result).ruleSet().evaluate(RawHttpRequest.build("GET", "/x",
                Headers.builder().add("X-User", " alice ").build(), new byte[0], InetAddress.getLoopbackAddress(), 1), TestRules.ENV);
        String expected = OriginSignature.hmacHex(keyring.find("user-ids").orElseThrow(), "alice");
        assertThat(expected).matches("[0-9a-f]{64}");
        assertThat(e.variables()).containsEntry("U", expected);
    }
}
