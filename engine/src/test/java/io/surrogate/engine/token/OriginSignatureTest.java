package io.surrogate.engine.token;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Sign then verify, and each way a header can be refused. */
class OriginSignatureTest {
    static final NamedKey KEY = new ThrowawayKeys().get("origin", KeyPurpose.HMAC);
    static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");
    static final OriginSignature.Signed SIGNED = new OriginSignature.Signed("POST", "/subscribe-event", "2", "B",
            "v1.k.token", new byte[0]);

    static String header() {
        return OriginSignature.sign(SIGNED, KEY, NOW.getEpochSecond(), "0123456789abcdef0123456789abcdef").render();
    }

    @Test
    void aSignedHeaderVerifies() {
        assertThat(OriginSignature.verify(header(), SIGNED, KEY, NOW, 300)).isEqualTo(OriginSignature.Check.VALID);
    }

    @Test
    void anyFlippedSignatureDigitFails() {
        String h = header();
        int start = h.indexOf("v1=") + 3;
        for (int i = start; i < h.length(); i++) {
            char flipped = h.charAt(i) == '0' ? '1' : '0';
            String bad = h.substring(0, i) + flipped + h.substring(i + 1);
            assertThat(OriginSignature.verify(bad, SIGNED, KEY, NOW, 300)).as(bad).isEqualTo(OriginSignature.Check.BAD_SIGNATURE);
        }
    }

    @Test
    void otherFieldsFail() {
        OriginSignature.Signed other = new OriginSignature.Signed("POST", "/subscribe-event", "3", "B", "v1.k.token", new byte[0]);
        assertThat(OriginSignature.verify(header(), other, KEY, NOW, 300)).isEqualTo(OriginSignature.Check.BAD_SIGNATURE);
    }

    @Test
    void staleTimestampsAreRefused() {
        assertThat(OriginSignature.verify(header(), SIGNED, KEY, NOW.plusSeconds(301), 300)).isEqualTo(OriginSignature.Check.STALE);
    }

    @Test
    void malformedHeadersAreRefused() {
        String h = header();
        for (String bad : new String[] {null, "", "garbage", h.replace("t=", "t=x"), h.replace("n=", "n=!"),
                h.replace(";n=0123456789abcdef0123456789abcdef", ";n=short"), h.replace("v1=", "v1=A"),
                h.replace("v1=", "v1=0"), "t=1;n=0123456789abcdef", "t=1234567890123;n=0123456789abcdef;v1=" + "0".repeat(64),
                h + ";" + "x".repeat(600)}) {
            assertThat(OriginSignature.Header.parse(bad)).as(String.valueOf(bad)).isEmpty();
            assertThat(OriginSignature.verify(bad, SIGNED, KEY, NOW, 300)).as(String.valueOf(bad)).isEqualTo(OriginSignature.Check.MALFORMED);
        }
    }

    @Test
    void unknownParametersAndSpacesAreTolerated() {
        String h = header().replace(";", " ; ") + ";v2=later";
        assertThat(OriginSignature.Header.parse(h)).isPresent();
        assertThat(OriginSignature.verify(h, SIGNED, KEY, NOW, 300)).isEqualTo(OriginSignature.Check.VALID);
    }
}
