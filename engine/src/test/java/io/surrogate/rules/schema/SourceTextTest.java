package io.surrogate.rules.schema;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.rules.model.SourcePosition;
import org.junit.jupiter.api.Test;

class SourceTextTest {
    static final String TEXT = "<rules>\r\n"
            + "  <match:uri.component value=\"x\"\n"
            + "      ignore-case=\"true\">\n"
            + "    <match:expression value=\"a &gt; b\" result='maybe'/>\n"
            + "    <match:expression value=\"a > b\" result=\"maybe\"/>\n"
            + "    <match:variable value=\" name=x\" name = \"NOPE\"/>\n"
            + "    <variable:extract name=\"X\" xname=\"1\" key=\"k\"/>\n"
            + "  </match:uri.component>\n"
            + "</rules>";
    final SourceText source = new SourceText("f.xml", TEXT);

    @Test
    void linesDropTheirTerminators() {
        assertThat(source.lineCount()).isEqualTo(9);
        assertThat(source.line(1)).isEqualTo("<rules>");
        assertThat(source.line(9)).isEqualTo("</rules>");
        assertThat(source.line(0)).isEmpty();
        assertThat(source.line(10)).isEmpty();
    }

    @Test
    void tagStartMapsTheEndOfAStartTagToItsOpeningBracket() {
        // the parser reports the position just after '>', here on the tag's second line
        assertThat(source.tagStart(3, 26)).isEqualTo(new SourcePosition("f.xml", 2, 3));
        assertThat(source.tagStart(1, 8)).isEqualTo(new SourcePosition("f.xml", 1, 1));
        assertThat(source.tagStart(4, 55)).isEqualTo(new SourcePosition("f.xml", 4, 5));
    }

    @Test
    void tagStartOutsideTheTextKeepsThePosition() {
        assertThat(source.tagStart(99, 3)).isEqualTo(new SourcePosition("f.xml", 99, 3));
    }

    @Test
    void attributeFindsTheNameOnAnyLineOfTheTag() {
        SourcePosition tag = source.tagStart(3, 26);
        assertThat(source.attribute(tag, "value")).isEqualTo(new SourcePosition("f.xml", 2, 24));
        assertThat(source.attribute(tag, "ignore-case")).isEqualTo(new SourcePosition("f.xml", 3, 7));
    }

    @Test
    void attributeWithSingleQuotes() {
        assertThat(source.attribute(new SourcePosition("f.xml", 4, 5), "result"))
                .isEqualTo(new SourcePosition("f.xml", 4, 40));
    }

    @Test
    void attributeAfterAValueHoldingAGreaterThanSign() {
        // '>' may stand in an attribute value; it does not end the tag
        assertThat(source.attribute(new SourcePosition("f.xml", 5, 5), "result"))
                .isEqualTo(new SourcePosition("f.xml", 5, 37));
    }

    @Test
    void attributeIsNotFoundInsideAnotherAttributesValue() {
        assertThat(source.attribute(new SourcePosition("f.xml", 6, 5), "name"))
                .isEqualTo(new SourcePosition("f.xml", 6, 37));
    }

    @Test
    void attributeIsNotASuffixOfAnotherName() {
        assertThat(source.attribute(new SourcePosition("f.xml", 7, 5), "key"))
                .isEqualTo(new SourcePosition("f.xml", 7, 42));
    }

    @Test
    void aMissingAttributeGivesTheTag() {
        SourcePosition tag = new SourcePosition("f.xml", 7, 5);
        assertThat(source.attribute(tag, "default")).isEqualTo(tag);
        assertThat(source.attribute(tag, "")).isEqualTo(tag);
        assertThat(source.attribute(tag, null)).isEqualTo(tag);
    }
}
