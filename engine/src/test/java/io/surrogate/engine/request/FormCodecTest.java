package io.surrogate.engine.request;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FormCodecTest {
    @Test
    void formFieldsAreDecoded() {
        String form = "id=2&name=John+Doe&city=S%C3%A3o%20Paulo&empty=&flag&a%2Bb=plus";
        assertThat(FormCodec.field(form, "id")).isEqualTo("2");
        assertThat(FormCodec.field(form, "name")).isEqualTo("John Doe");
        assertThat(FormCodec.field(form, "city")).isEqualTo("São Paulo");
        assertThat(FormCodec.field(form, "empty")).isEmpty();
        assertThat(FormCodec.field(form, "flag")).isEmpty();
        assertThat(FormCodec.field(form, "a+b")).isEqualTo("plus");
        assertThat(FormCodec.field(form, "missing")).isNull();
        assertThat(FormCodec.field(form, "i")).isNull();
    }

    @Test
    void theFirstOfRepeatedFieldsWins() {
        assertThat(FormCodec.field("id=1&id=2", "id")).isEqualTo("1");
        assertThat(FormCodec.field("", "id")).isNull();
        assertThat(FormCodec.field("&&=x&id=3&", "id")).isEqualTo("3");
    }

    @Test
    void badPercentEscapesStayLiteral() {
        assertThat(FormCodec.field("v=100%", "v")).isEqualTo("100%");
        assertThat(FormCodec.field("v=%zz%4", "v")).isEqualTo("%zz%4");
        assertThat(FormCodec.field("v=%4g1", "v")).isEqualTo("%4g1");
        assertThat(FormCodec.field("v=%C3", "v")).isEqualTo("\ufffd");
        assertThat(FormCodec.field("v=%00", "v")).isEqualTo("\0");
        assertThat(FormCodec.field("v=é%41", "v")).isEqualTo("éA");
        assertThat(FormCodec.field("v=\ud83d\ude00%21", "v")).isEqualTo("\ud83d\ude00!");
    }

    @Test
    void multiByteCharactersBeforeAnEscapeDoNotOverflow() {
        // found by RequestExtractorsFuzzTest: each 'é' takes two bytes of a buffer sized one per char
        String value = "é".repeat(10) + "+%41" + "a".repeat(10) + "€\ud83d\ude00";
        assertThat(FormCodec.field("v=" + value, "v")).isEqualTo("é".repeat(10) + " A" + "a".repeat(10) + "€\ud83d\ude00");
        assertThat(FormCodec.decode("ü".repeat(500) + "+", 0, 501)).isEqualTo("ü".repeat(500) + " ");
    }

    @Test
    void cookiesAreFoundTrimmedAndUnquoted() {
        String header = "theme=dark; user=\"B\";session = abc ; empty=; novalue; x=a=b";
        assertThat(FormCodec.cookie(header, "theme")).isEqualTo("dark");
        assertThat(FormCodec.cookie(header, "user")).isEqualTo("B");
        assertThat(FormCodec.cookie(header, "session")).isEqualTo("abc");
        assertThat(FormCodec.cookie(header, "empty")).isEmpty();
        assertThat(FormCodec.cookie(header, "novalue")).isNull();
        assertThat(FormCodec.cookie(header, "x")).isEqualTo("a=b");
        assertThat(FormCodec.cookie(header, "use")).isNull();
        assertThat(FormCodec.cookie("", "user")).isNull();
        assertThat(FormCodec.cookie("user=%41", "user")).as("cookie values are not percent-decoded").isEqualTo("%41");
        assertThat(FormCodec.cookie("user=\"", "user")).isEqualTo("\"");
    }
}
