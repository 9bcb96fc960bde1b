package io.surrogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.server.origin.Delivery;
import io.surrogate.server.origin.Received;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The acceptance, literally: the design's own mail rules (sample-rules/mail/mail.xml,
 * verbatim) and the seed's own request (sample-rules/mail/subscribe.http, byte for byte), held
 * over SSE and over long-poll, receive the origin's delivery, and the origin saw the four
 * X-Event headers.
 */
class SeedRequestTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Path SAMPLES = Path.of("..", "sample-rules", "mail");

    @Test
    void theSeedRequestHeldOverSseReceivesTheDelivery() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(Files.readString(SAMPLES.resolve("mail.xml")))) {
            // a browser's EventSource adds Accept: text/event-stream; the rule's transport is auto
            String request = seedRequest().replace("Host: mail.foo.com\r\n", "Host: mail.foo.com\r\nAccept: text/event-stream\r\n");
            try (Socket s = send(f, request)) {
                Received sub = f.origin.awaitReceived("/subscribe-event", 1, WAIT).get(0);
                assertFourHeaders(sub);
                assertThat(EdgeFixture.eventually(WAIT, () -> f.edge.heldConnections() == 1)).isTrue();
                Delivery d = f.origin.deliver(sub.token(), sub.eventId(), sub.user(), "You've Got Mail!".getBytes(StandardCharsets.UTF_8));
                assertThat(d.status()).isEqualTo(200);
                String text = readUntil(s.getInputStream(), "data: You've Got Mail!");
                assertThat(text).startsWith("HTTP/1.1 200").contains("Content-Type: text/event-stream").contains("\nid: ");
            }
            f.assertQuiet(WAIT);
        }
    }

    @Test
    void theSeedRequestHeldOverLongPollReceivesTheDelivery() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(Files.readString(SAMPLES.resolve("mail.xml")))) {
            // as written: no Accept header, so the auto transport long-polls
            try (Socket s = send(f, seedRequest())) {
                CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
                    try {
                        return readUntil(s.getInputStream(), "You've Got Mail!");
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                Received sub = f.origin.awaitReceived("/subscribe-event", 1, WAIT).get(0);
                assertFourHeaders(sub);
                assertThat(EdgeFixture.eventually(WAIT, () -> f.edge.heldConnections() == 1)).isTrue();
                assertThat(f.origin.deliver(sub.token(), sub.eventId(), sub.user(),
                        "You've Got Mail!".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(200);
                assertThat(answer.get()).startsWith("HTTP/1.1 200").contains("Last-Event-ID: ").endsWith("You've Got Mail!");
            }
            f.assertQuiet(WAIT);
        }
    }

    private static void assertFourHeaders(Received sub) {
        assertThat(sub.eventId()).isEqualTo("2");
        assertThat(sub.user()).isEqualTo("B");
        assertThat(sub.token()).startsWith("v1.ywewu238347i3u.");
        assertThat(sub.header("X-Event-Signature")).isNotBlank();
        assertThat(sub.signatureVerified()).isTrue();
    }

    /** sample-rules/mail/subscribe.http with CRLF line ends, as it goes on the wire. */
    private static String seedRequest() throws IOException {
        String text = Files.readString(SAMPLES.resolve("subscribe.http")).replace("\r\n", "\n");
        int blank = text.indexOf("\n\n");
        String head = text.substring(0, blank).replace("\n", "\r\n");
        String body = text.substring(blank + 2).stripTrailing();
        return head + "\r\n\r\n" + body;
    }

    private static Socket send(EdgeFixture f, String request) throws IOException {
        Socket s = new Socket("127.0.0.1", f.clientPort());
        s.setSoTimeout(20_000);
        OutputStream out = s.getOutputStream();
        out.write(request.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return s;
    }

    private static String readUntil(InputStream in, String marker) throws IOException {
        StringBuilder seen = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            seen.append((char) c);
            if (seen.indexOf(marker) >= 0) {
                return seen.toString().replace("\r\n", "\n");
            }
        }
        return seen.toString();
    }
}
