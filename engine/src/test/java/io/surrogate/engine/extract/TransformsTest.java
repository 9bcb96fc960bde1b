package io.surrogate.engine.extract;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class TransformsTest {
    private static String apply(String name, String value) {
        return Transforms.simple(name).apply(value);
    }

    @Test
    void everyEncodingHasADecodingThatUndoesIt() {
        Random random = new Random(42);
        for (int i = 0; i < 200; i++) {
            StringBuilder s = new StringBuilder();
            for (int n = random.nextInt(20); n > 0; n--) {
                s.appendCodePoint(random.nextInt(4) == 0 ? 0x1F600 + random.nextInt(50) : 0x20 + random.nextInt(0x2000));
            }
            String value = s.toString();
            assertThat(apply("hex-decode", apply("hex-encode", value))).as("seed 42, value %d", i).isEqualTo(value);
            assertThat(apply("base64-decode", apply("base64-encode", value))).as("seed 42, value %d", i).isEqualTo(value);
            assertThat(apply("url-decode", apply("url-encode", value))).as("seed 42, value %d", i).isEqualTo(value);
        }
    }

    @Test
    void hexDecodeTakesEitherCaseAndEmptiesWhatIsNotHex() {
        assertThat(apply("hex-decode", "4D61696C")).isEqualTo("Mail");
        assertThat(apply("hex-decode", "4d61696c")).isEqualTo("Mail");
        assertThat(apply("hex-decode", "4d6")).isEmpty();
        assertThat(apply("hex-decode", "zz")).isEmpty();
    }

    @Test
    void unknownNamesAreNotTransforms() {
        assertThat(Transforms.simple("lowercase")).isNull();
        assertThat(Transforms.simple("clamp")).isNull();
    }
}
