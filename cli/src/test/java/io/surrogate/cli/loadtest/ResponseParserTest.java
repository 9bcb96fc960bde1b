package io.surrogate.cli.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResponseParserTest {
    /** Records what the parser reports. */
    private static final class Recorder implements ResponseParser.Handler {
        final List<String> events = new ArrayList<>();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();

        @Override
        public void head(int status, Map<String, String> headers) {
            events.add("head " + status + " " + headers.getOrDefault("x-a", ""));
        }

        @Override
        public void body(ByteBuffer data) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            body.writeBytes(b);
        }

        @Override
        public void end() {
            events.add("end " + body.toString(StandardCharsets.ISO_8859_1));
            body.reset();
        }
    }

    private static Recorder feedInPieces(String wire, int piece) throws IOException {
        Recorder r = new Recorder();
        ResponseParser p = new ResponseParser(r);
        byte[] bytes = wire.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < bytes.length; i += piece) {
            p.feed(ByteBuffer.wrap(bytes, i, Math.min(piece, bytes.length - i)));
        }
        return r;
    }

    @Test
    void lengthAndChunkedResponsesOnOneConnectionWhateverTheReadBoundaries() throws IOException {
        String wire = "HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 5\r\n\r\nhello"
                + "HTTP/1.1 204 No Content\r\nX-A: 2\r\n\r\n"
                + "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-A: 3\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrail: x\r\n\r\n"
                + "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        List<String> expected = List.of("head 200 1", "end hello", "head 204 2", "end ", "head 201 3", "end abcde", "head 404 ", "end ");
        for (int piece : new int[] {1, 2, 3, 7, 64, wire.length()}) {
            assertThat(feedInPieces(wire, piece).events).as("read %d bytes at a time", piece).isEqualTo(expected);
        }
    }

    @Test
    void aBodyWithoutLengthRunsUntilTheConnectionCloses() throws IOException {
        Recorder r = feedInPieces("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n: hi\n\ndata: x\n\n", 5);
        assertThat(r.events).containsExactly("head 200 ");
        assertThat(r.body.toString(StandardCharsets.ISO_8859_1)).isEqualTo(": hi\n\ndata: x\n\n");
    }

    @Test
    void garbageIsRefusedWithTheReason() {
        assertThatThrownBy(() -> feedInPieces("SSH-2.0-OpenSSH\r\n\r\n", 100)).hasMessageContaining("not an HTTP/1.x status line");
        assertThatThrownBy(() -> feedInPieces("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 100))
                .hasMessageContaining("bad chunk size");
        assertThatThrownBy(() -> feedInPieces("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", 100)).hasMessageContaining("bad Content-Length");
    }
}
