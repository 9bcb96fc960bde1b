package io.surrogate.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The SSE and NDJSON encodings of one event: no line break of the data can start a field. */
class EventFrameTest {
    private static String sse(String data) {
        return new String(EventFrame.encodeSse(data.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    @Test
    void everyLineOfTheDataIsItsOwnDataField() {
        assertThat(sse("one")).isEqualTo("data: one\n\n");
        assertThat(sse("a\nb")).isEqualTo("data: a\ndata: b\n\n");
        assertThat(sse("a\r\nb")).isEqualTo("data: a\ndata: b\n\n");
        assertThat(sse("a\rb")).isEqualTo("data: a\ndata: b\n\n");
        assertThat(sse("")).isEqualTo("data: \n\n");
        assertThat(sse("x\n\nid: 666\nevent: evil")).isEqualTo("data: x\ndata: \ndata: id: 666\ndata: event: evil\n\n");
        assertThat(sse("trailing\n")).isEqualTo("data: trailing\ndata: \n\n");
    }

    @Test
    void theNdjsonLineIsOneLineOfJson() {
        EventFrame f = new EventFrame("quote:\"BSC\"", "BSC: 78.34\nup\u2028".getBytes(StandardCharsets.UTF_8), "text/plain");
        ByteBuffer tail = f.ndjsonTail();
        byte[] b = new byte[tail.remaining()];
        tail.get(b);
        String line = "{\"id\":\"x-1" + new String(b, StandardCharsets.UTF_8);
        assertThat(line).endsWith("}\n").doesNotContain("\n}").hasLineCount(1);
        com.google.gson.JsonObject o = com.google.gson.JsonParser.parseString(line).getAsJsonObject();
        assertThat(o.get("event").getAsString()).isEqualTo("quote:\"BSC\"");
        assertThat(o.get("data").getAsString()).isEqualTo("BSC: 78.34\nup\u2028");
    }

    @Test
    void eachClientGetsItsOwnViewOfTheSameBytes() {
        EventFrame f = new EventFrame("2", "mail".getBytes(StandardCharsets.UTF_8), "text/plain");
        ByteBuffer first = f.sse();
        first.get(new byte[first.remaining()]);
        assertThat(f.sse().remaining()).as("consuming one view leaves the next whole").isEqualTo("data: mail\n\n".length());
    }
}
