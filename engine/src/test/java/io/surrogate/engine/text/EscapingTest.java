package io.surrogate.engine.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Values from requests never carry CR, LF or NUL into a header or an SSE field. */
class EscapingTest {
    static final long SEED = 0xE5CA9EL;
    static final String DANGEROUS = "\r\n\0%+ :;\u0085\u2028\u007f";

    /** Random text biased toward the dangerous characters; valid UTF-16 (no lone surrogates). */
    static String randomText(Random r) {
        StringBuilder out = new StringBuilder();
        int n = r.nextInt(40);
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(8)) {
                case 0 -> out.append(DANGEROUS.charAt(r.nextInt(DANGEROUS.length())));
                case 1 -> out.appendCodePoint(r.nextInt(0x20));
                case 2 -> out.appendCodePoint(0x80 + r.nextInt(0x780));
                case 3 -> out.appendCodePoint(0x10000 + r.nextInt(0xFFFFF));
                case 4 -> out.append("%0D%0A");
                default -> out.append((char) (0x20 + r.nextInt(0x5F)));
            }
        }
        return out.toString();
    }

    @Test
    void headerValuesHoldOnlyVisibleAsciiAndDecodeBackExactly() {
        for (int i = 0; i < 5000; i++) {
            long seed = SEED + i;
            String value = randomText(new Random(seed));
            String escaped = Escaping.headerValue(value);
            for (char c : escaped.toCharArray()) {
                assertThat(c >= 0x20 && c <= 0x7E).as("seed %d: char %04x in '%s'", seed, (int) c, escaped).isTrue();
            }
            assertThat(percentDecode(escaped)).as("seed %d", seed).isEqualTo(value);
        }
    }

    @Test
    void sseFieldsHoldNoCrLfOrNul() {
        for (int i = 0; i < 5000; i++) {
            long seed = SEED + i;
            String value = randomText(new Random(seed));
            String field = Escaping.sseField(value);
            assertThat(field).as("seed %d", seed).doesNotContain("\r", "\n", "\0");
            assertThat(field.length()).isLessThanOrEqualTo(value.length());
        }
    }

    @Test
    void examples() {
        assertThat(Escaping.headerValue("B\r\nX: y")).isEqualTo("B%0D%0AX: y");
        assertThat(Escaping.headerValue("100%")).isEqualTo("100%25");
        assertThat(Escaping.headerValue("plain value")).isEqualTo("plain value");
        // HTTP trims spaces at either end of a header value: they would not arrive as signed
        assertThat(Escaping.headerValue(" B ")).isEqualTo("%20B%20");
        assertThat(Escaping.headerValue(" ")).isEqualTo("%20");
        assertThat(Escaping.headerValue("a b")).isEqualTo("a b");
        assertThat(Escaping.headerValue("é")).isEqualTo("%C3%A9");
        assertThat(Escaping.sseField("a\r\nb\0c")).isEqualTo("abc");
        assertThat(Escaping.urlComponent("a b/c~")).isEqualTo("a%20b%2Fc~");
    }

    /** Percent-decoding only ('+' is a plus): the inverse headerValue promises. */
    static String percentDecode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
