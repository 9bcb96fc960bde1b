package io.surrogate.server.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.server.origin.Outgoing;
import io.surrogate.server.origin.SampleOrigin;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@code --max-body} and {@code --max-event-size} hold for chunked bodies exactly as for
 * {@code Content-Length} ones: 413 and close once the bytes pass the bound, nothing reaches
 * the origin or a client, and the edge serves on.
 */
class BodyLimitTest {
    private static final int LIMIT = 64 * 1024;

    /** The body as chunks of at most 4 KiB, then the last chunk. */
    private static byte[] chunked(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int at = 0; at < body.length; at += 4096) {
            int n = Math.min(4096, body.length - at);
            out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, at, n);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static byte[] head(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aChunkedClientBodyOverMaxBodyIs413AndClosed() throws Exception {
        try (GuardEdge edge = GuardEdge.start(c -> c); LogCapture logs = new LogCapture();
                Wire wire = Wire.connect(edge.clientPort())) {
            wire.send(head("POST /sub?e=big&u=u HTTP/1.1\r\nHost: edge\r\nTransfer-Encoding: chunked\r\n\r\n"));
            try {
                wire.send(chunked(new byte[500 * 1024]));
            } catch (java.io.IOException e) {
                // the edge may close before the last bytes are written: the answer is still there to read
            }
            Wire.Answer answer = wire.answer();
            assertThat(answer.status()).isEqualTo(413);
            assertThat(answer.body()).isEqualTo("request body over 65536 bytes\n");
            assertThat(wire.untilClosed()).isEqualTo("");
            assertThat(edge.originSaw("big")).as("the origin was not asked").isFalse();
            assertThat(logs.errors()).isEmpty();
            edge.assertServes();
        }
    }

    @Test
    void aChunkedClientBodyAtMaxBodyIsRead() throws Exception {
        try (GuardEdge edge = GuardEdge.start(c -> c); Wire wire = Wire.connect(edge.clientPort())) {
            wire.send(head("POST /sub?e=at-limit&u=u HTTP/1.1\r\nHost: edge\r\nAccept: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"));
            wire.send(chunked(new byte[LIMIT]));
            assertThat(wire.head().status()).as("the rule ran: the subscription is held").isEqualTo(200);
            String token = edge.subscribeOf("at-limit").token();
            assertThat(edge.origin.deliver(token, "at-limit", "u", "ok".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(200);
            assertThat(wire.nextData()).isEqualTo("ok");
        }
    }

    @Test
    void aChunkedDeliveryOverMaxEventSizeIs413AndNeverReachesTheClient() throws Exception {
        try (GuardEdge edge = GuardEdge.start(c -> c); LogCapture logs = new LogCapture();
                Wire held = Wire.connect(edge.clientPort())) {
            held.send("GET /sub?e=mail&u=u HTTP/1.1\r\nHost: edge\r\nAccept: text/event-stream\r\n\r\n");
            assertThat(held.head().status()).isEqualTo(200);
            String token = edge.subscribeOf("mail").token();

            byte[] big = "x".repeat(500 * 1024).getBytes(StandardCharsets.US_ASCII);
            Outgoing signed = edge.origin.outgoing(token, "mail", "u", big);
            try (Wire origin = Wire.connect(edge.originPort())) {
                origin.send(head("POST " + SampleOrigin.DELIVER_PATH + " HTTP/1.1\r\nHost: edge\r\nX-Event-Id: mail\r\n"
                        + "X-Event-User: u\r\nX-Event-Token: " + token + "\r\nX-Event-Signature: " + signed.signatureHeader()
                        + "\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"));
                try {
                    origin.send(chunked(big));
                } catch (java.io.IOException e) {
                    // closed before the last bytes: the answer is still there to read
                }
                Wire.Answer answer = origin.answer();
                assertThat(answer.status()).isEqualTo(413);
                assertThat(answer.body()).startsWith("too-large\n");
                assertThat(origin.untilClosed()).isEqualTo("");
            }
            assertThat(logs.errors()).isEmpty();

            // the next event the held client sees is the next delivery, not the refused one
            assertThat(edge.origin.deliver(token, "mail", "u", "small".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(200);
            assertThat(held.nextData()).isEqualTo("small");
            edge.assertServes();
        }
    }

    /** Undertow's chunk parser closes the connection on a chunk it cannot parse, before any answer can be written. */
    @Test
    void aBrokenChunkClosesTheConnectionOnBothListeners() throws Exception {
        try (GuardEdge edge = GuardEdge.start(c -> c); LogCapture logs = new LogCapture()) {
            try (Wire wire = Wire.connect(edge.clientPort())) {
                wire.send("POST /sub?e=broken&u=u HTTP/1.1\r\nHost: edge\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
                assertThat(wire.untilClosed()).as("closed, with a 400 or nothing").satisfiesAnyOf(
                        rest -> assertThat(rest).isEmpty(), rest -> assertThat(rest).startsWith("HTTP/1.1 400 "));
            }
            try (Wire wire = Wire.connect(edge.originPort())) {
                wire.send("POST " + SampleOrigin.DELIVER_PATH + " HTTP/1.1\r\nHost: edge\r\nX-Event-Id: e\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
                assertThat(wire.untilClosed()).as("closed, with a 400 or nothing").satisfiesAnyOf(
                        rest -> assertThat(rest).isEmpty(), rest -> assertThat(rest).startsWith("HTTP/1.1 400 "));
            }
            assertThat(edge.originSaw("broken")).isFalse();
            assertThat(logs.errors()).isEmpty();
            edge.assertServes();
        }
    }
}
