package io.surrogate.engine.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.surrogate.engine.token.TinkTokenCodec;
import io.surrogate.engine.token.TokenException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code token decode} and {@code token verify}, and the edge reading an {@code X-Event-Token}:
 * any string gives a key name or nothing, and opens to claims or to a {@link TokenException}
 * with its reason. No fuzzed string can be a valid token (the key is made in this JVM), so
 * anything that opens is a finding.
 */
class TokenDecodeFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void decode(byte[] input) {
        String token = new String(input, StandardCharsets.UTF_8);
        Optional<String> keyName = TinkTokenCodec.keyName(token);
        if (keyName.isPresent()) {
            assertThat(token).startsWith("v1." + keyName.get() + ".");
        }
        try {
            TinkTokenCodec.verify(token, FuzzKeys.INSTANCE, "edge-1", Instant.ofEpochSecond(1_700_000_000L));
            throw new AssertionError("a fuzzed token verified: " + token);
        } catch (TokenException expected) {
            assertThat(expected.reason()).isNotNull();
            assertThat(expected.getMessage()).isNotBlank();
        }
    }
}
