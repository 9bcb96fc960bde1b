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
 * The demo's "Send mail now" without a browser. The page's EventSource rule (inbox.xml) is
 * repeatable: every press reaches the one held connection, and a user with no subscription is
 * told so. The talk's POST rule (mail.xml), one-shot, is still served beside it.
 */
class DemoSendTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void everyPressReachesTheHeldEventSource() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (Demo demo = Demo.start(0, Duration.ofHours(1))) {
            URI page = demo.page();
            try (Socket client = new Socket(page.getHost(), page.getPort())) {
                client.setSoTimeout((int) WAIT.toMillis());
                client.getOutputStream().write(("GET /mail/events?event=2 HTTP/1.1\r\nHost: " + page.getHost() + "\r\nCookie: user=B\r\n"
                        + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
                assertThat(readUntil(client.getInputStream(), ": held")).contains("retry: 2000");
                assertThat(demo.origin().subscriptions()).hasSize(1);

                assertThat(send(http, page, "B")).contains("the origin delivered to 1 token(s): 200 delivered");
                assertThat(readUntil(client.getInputStream(), "sent now)")).contains("data: You've got mail! (#1 ");
                assertThat(send(http, page, "B")).contains("the origin delivered to 1 token(s): 200 delivered");
                assertThat(readUntil(client.getInputStream(), "sent now)")).contains("data: You've got mail! (#2 ");
                assertThat(demo.origin().subscriptions()).as("repeatable: the origin keeps the token").hasSize(1);

                assertThat(send(http, page, "C")).contains("no subscription of that user to that event right now").doesNotContain("404");
            }
        }
    }

    @Test
    void theTalksPostRuleIsStillServed() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (Demo demo = Demo.start(0, Duration.ofHours(1))) {
            URI page = demo.page();
            try (Socket client = new Socket(page.getHost(), page.getPort())) {
                client.setSoTimeout((int) WAIT.toMillis());
                client.getOutputStream().write(("POST /mail/subscribe-event HTTP/1.1\r\nHost: " + page.getHost() + "\r\nCookie: user=B\r\n"
                        + "Accept: text/event-stream\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4\r\n\r\nid=2")
                        .getBytes(StandardCharsets.UTF_8));
                readUntil(client.getInputStream(), ": held");
                assertThat(send(http, page, "B")).contains("the origin delivered to 1 token(s): 200 delivered");
                assertThat(readUntil(client.getInputStream(), "sent now)")).contains("data: You've got mail!");
            }
        }
    }

    private static String send(HttpClient http, URI page, String user) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(page.resolve("/demo/send")).timeout(WAIT)
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("user=" + user + "&id=2")).build();
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
