package io.surrogate.engine.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.surrogate.engine.request.Headers;
import io.surrogate.engine.token.OriginSignature;
import io.surrogate.engine.token.OriginSignature.Check;
import io.surrogate.engine.token.OriginSignature.Header;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The delivery's {@code X-Event-Signature} header: any value (bytes read as a server reads a header) parses to a header or to nothing,
 * a parsed header renders to a value that parses back to it, and verification answers one of
 * its four checks without throwing.
 */
class OriginSignatureFuzzTest {
    private static final OriginSignature.Signed SIGNED = new OriginSignature.Signed("POST", "/deliver-event", "e-1", "u-1",
            "v1.tokens.AAAA", "body".getBytes(StandardCharsets.UTF_8));

    @FuzzTest(maxDuration = "30s")
    void parseAndVerify(byte[] input) {
        String headerValue = Headers.fromWire(new String(input, StandardCharsets.ISO_8859_1));
        Optional<Header> parsed = Header.parse(headerValue);
        if (parsed.isPresent()) {
            Header header = parsed.get();
            assertThat(Header.parse(header.render())).contains(header);
        }
        Instant now = Instant.ofEpochSecond(parsed.map(Header::timestamp).orElse(1_700_000_000L));
        OriginSignature.Verification v = OriginSignature.verifyAny(headerValue, SIGNED, List.of(FuzzKeys.INSTANCE.hmac()), now, 300);
        assertThat(v.check()).isEqualTo(parsed.isEmpty() ? Check.MALFORMED : Check.BAD_SIGNATURE);
    }
}
