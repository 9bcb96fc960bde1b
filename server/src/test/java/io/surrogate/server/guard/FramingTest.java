package io.surrogate.server.guard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Framing}'s rules alone, without a server: what passes, what is refused and why. */
class FramingTest {
    private static String check(boolean http10, List<String> te, List<String> cl) {
        return Framing.violation(http10, te, cl);
    }

    @Test
    void soundFramingPasses() {
        assertThat(check(false, List.of(), List.of())).isNull();
        assertThat(check(false, List.of("chunked"), List.of())).isNull();
        assertThat(check(false, List.of("Chunked"), List.of())).isNull();
        assertThat(check(false, List.of(" chunked , "), List.of())).as("empty list elements mean nothing").isNull();
        assertThat(check(false, List.of(), List.of("0"))).isNull();
        assertThat(check(true, List.of(), List.of("42"))).isNull();
        assertThat(check(false, List.of(), List.of("42", "42"))).as("the same value twice").isNull();
        assertThat(check(false, List.of(), List.of("42, 42"))).isNull();
        assertThat(check(false, List.of(), List.of("000000000000000000000042"))).as("leading zeros").isNull();
        assertThat(check(false, List.of(), List.of("999999999999999999"))).as("18 digits fit").isNull();
    }

    @Test
    void transferEncodingInHttp10IsRefused() {
        assertThat(check(true, List.of("chunked"), List.of())).isEqualTo("transfer-encoding in an HTTP/1.0 request");
        assertThat(check(true, List.of("chunked"), List.of("5"))).isEqualTo("transfer-encoding in an HTTP/1.0 request");
    }

    @Test
    void transferEncodingWithContentLengthIsRefused() {
        assertThat(check(false, List.of("chunked"), List.of("5"))).isEqualTo("both transfer-encoding and content-length");
    }

    @Test
    void codingsOtherThanChunkedAloneAreRefused() {
        assertThat(check(false, List.of("xchunked"), List.of())).isEqualTo("transfer-encoding 'xchunked': chunked is not the final coding");
        assertThat(check(false, List.of("chunked, gzip"), List.of())).contains("chunked is not the final coding");
        assertThat(check(false, List.of("chunked", "identity"), List.of())).contains("chunked is not the final coding");
        assertThat(check(false, List.of("identity"), List.of())).contains("chunked is not the final coding");
        assertThat(check(false, List.of("gzip, chunked"), List.of())).isEqualTo("transfer-encoding 'gzip, chunked': only chunked alone is supported");
        assertThat(check(false, List.of("chunked", "chunked"), List.of())).contains("only chunked alone");
        assertThat(check(false, List.of("chunked;q=1"), List.of())).contains("chunked is not the final coding");
        assertThat(check(false, List.of(""), List.of())).isEqualTo("empty transfer-encoding");
        assertThat(check(false, List.of(" , "), List.of())).isEqualTo("empty transfer-encoding");
    }

    @Test
    void contentLengthsThatAreNotOneLengthAreRefused() {
        assertThat(check(false, List.of(), List.of("99999999999999999999999"))).isEqualTo("content-length '99999999999999999999999' is not a length");
        assertThat(check(false, List.of(), List.of("1000000000000000000"))).as("19 digits").contains("is not a length");
        assertThat(check(false, List.of(), List.of("-1"))).isEqualTo("content-length '-1' is not a length");
        assertThat(check(false, List.of(), List.of("+1"))).contains("is not a length");
        assertThat(check(false, List.of(), List.of("0x10"))).contains("is not a length");
        assertThat(check(false, List.of(), List.of(""))).contains("is not a length");
        assertThat(check(false, List.of(), List.of("5", "6"))).isEqualTo("content-length values differ: '5, 6'");
        assertThat(check(false, List.of(), List.of("5, 6"))).isEqualTo("content-length values differ: '5, 6'");
        assertThat(check(false, List.of(), List.of("5,"))).as("an empty element is not a length").contains("is not a length");
    }

    @Test
    void reasonsQuoteTheValueTruncatedAndWithoutControlCharacters() {
        String reason = check(false, List.of("x\u0001'" + "y".repeat(100)), List.of());
        assertThat(reason).startsWith("transfer-encoding 'x??yyy").contains("...'").doesNotContain("\u0001");
        assertThat(reason.length()).isLessThan(100);
    }
}
