package io.surrogate.server.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The demo's "Send mail now" without a browser: the page's subscription held over SSE, a
 * first press delivers the mail and spends the one-shot token, and a second press before the
 * client subscribes again says so instead of sending the spent token to the edge (which
 * answered 404 and lost the mail).
 */
class DemoSendTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void aSecondPressBeforeTheNextSubscribeFindsNoSpentToken() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (Demo demo = Demo.start(0, Duration.ofHours(1))) {
            URI page = demo.page();
            try (Socket client = new Socket(page.getHost(), page.getPort())) {
                client.setSoTimeout((int) WAIT.toMillis());
                client.getOutputStream().write(("POST /mail/subscribe-event HTTP/1.1\r\nHost: " + page.getHost() + "\r\nCookie: user=B\r\n"
                        + "Accept: text/event-stream\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4\r\n\r\nid=2")
                        .getBytes(StandardCharsets.UTF_8));
                readUntil(client.getInputStream(), ": held");
                assertThat(demo.origin().subscriptions()).hasSize(1);

                assertThat(send(http, page)).contains("the origin delivered to 1 token(s): 200 delivered");
                assertThat(readUntil(client.getInputStream(), "sent now)")).contains("data: You've got mail!");
                assertThat(demo.origin().subscriptions()).as("the one-shot token is spent").isEmpty();

                assertThat(send(http, page)).contains("no subscription of that user to that event right now").doesNotContain("404");
            }
        }
    }

    private static String send(HttpClient http, URI page) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(page.resolve("/demo/send")).timeout(WAIT)
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("user=B&id=2")).build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private static String readUntil(InputStream in, String marker) throws java.io.IOException {
        StringBuilder seen = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            seen.append((char) c);
            if (seen.indexOf(marker) >= 0) {
                return seen.toString();
            }
        }
        throw new AssertionError("the connection ended before '" + marker + "'; got: " + seen);
    }
}
