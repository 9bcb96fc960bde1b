package io.surrogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.server.origin.Answer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * CORS before the origin (docs/rules.md, "edgeservices:cors"): a request from an origin the
 * rule does not allow, and every preflight (allowed or not, with or without a cors rule), is
 * answered at the edge; the origin receives nothing. A page's own origin and an allowed one
 * are subscribed, and an allowed EventSource can read the retrying answer to a failure.
 */
class CorsAtTheEdgeTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String APP = "https://app.example";
    private static final String CORS = EdgeFixture.rule("repeatable", "sse", "1s", "")
            .replace("<edgeservices:event.handle-subscription>",
                    "<edgeservices:cors allow-origin=\"" + APP + "\" allow-credentials=\"true\" max-age=\"10m\"/>\n"
                            + "<edgeservices:event.handle-subscription>");
    private static final String NO_CORS = EdgeFixture.rule("repeatable", "sse", "1s", "");

    @Test
    void aDisallowedOriginIsRefusedAtTheEdgeWithoutCorsHeaders() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(CORS)) {
            for (String origin : new String[] {"https://evil.example", "null", "https://app.example.evil"}) {
                RawClient r = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B", "Origin: " + origin, "Accept: text/event-stream");
                assertThat(r.status).as(origin).isEqualTo(403);
                assertThat(r.headers.keySet()).noneMatch(h -> h.startsWith("access-control-"));
                assertThat(r.nextLine(WAIT)).isEqualTo("cross-origin request refused: origin not allowed");
                r.close();
            }
            assertThat(f.origin.received()).as("the origin heard of none of them").isEmpty();
            f.assertQuiet(WAIT);
        }
    }

    @Test
    void everyPreflightIsAnsweredAtTheEdge() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(CORS)) {
            RawClient allowed = RawClient.open(f.clientPort(), "OPTIONS", "/sub?e=2&u=B", "Origin: " + APP,
                    "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: last-event-id");
            assertThat(allowed.status).isEqualTo(204);
            assertThat(allowed.header("Access-Control-Allow-Origin")).isEqualTo(APP);
            assertThat(allowed.header("Access-Control-Allow-Credentials")).isEqualTo("true");
            assertThat(allowed.header("Access-Control-Max-Age")).isEqualTo("600");
            allowed.close();

            RawClient refused = RawClient.open(f.clientPort(), "OPTIONS", "/sub?e=2&u=B", "Origin: https://evil.example",
                    "Access-Control-Request-Method: GET");
            assertThat(refused.status).isEqualTo(403);
            assertThat(refused.header("Access-Control-Allow-Origin")).isNull();
            refused.close();
            assertThat(f.origin.received()).isEmpty();
            f.assertQuiet(WAIT);
        }
        try (EdgeFixture f = EdgeFixture.start(NO_CORS)) {
            RawClient withoutCors = RawClient.open(f.clientPort(), "OPTIONS", "/sub?e=2&u=B", "Origin: " + APP,
                    "Access-Control-Request-Method: GET");
            assertThat(withoutCors.status).as("a rule without cors: the preflight is refused, not subscribed").isEqualTo(403);
            assertThat(withoutCors.header("Access-Control-Allow-Origin")).isNull();
            assertThat(withoutCors.nextLine(WAIT)).isEqualTo("preflight refused: no edgeservices:cors allows this origin");
            withoutCors.close();
            assertThat(f.origin.received()).isEmpty();
            f.assertQuiet(WAIT);
        }
    }

    @Test
    void anAllowedOriginAndThePagesOwnAreSubscribed() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(CORS)) {
            RawClient allowed = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=A", "Origin: " + APP, "Accept: text/event-stream");
            assertThat(allowed.status).isEqualTo(200);
            assertThat(allowed.header("Access-Control-Allow-Origin")).isEqualTo(APP);
            // RawClient sends Host: 127.0.0.1:PORT; a page there POSTs with its own Origin
            RawClient own = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B", "Origin: http://127.0.0.1:" + f.clientPort(),
                    "Accept: text/event-stream");
            assertThat(own.status).isEqualTo(200);
            assertThat(own.header("Access-Control-Allow-Origin")).isNull();
            assertThat(f.origin.awaitReceived("/subscribe-event", 2, WAIT)).hasSize(2);
            allowed.close();
            own.close();
            f.awaitUnsubscribes(2);
        }
    }

    @Test
    void anAllowedEventSourceCanReadTheRetryingAnswerToAFailure() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(CORS)) {
            f.origin.setSubscribeAnswer(r -> Answer.text(503, "down"));
            RawClient r = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B", "Origin: " + APP, "Accept: text/event-stream");
            assertThat(r.status).isEqualTo(200);
            assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo(APP);
            assertThat(r.header("Access-Control-Allow-Credentials")).isEqualTo("true");
            assertThat(r.nextLine(WAIT)).startsWith("retry: ");
            assertThat(r.nextLine(WAIT)).isEqualTo("event: error");
            r.close();
            f.assertQuiet(WAIT);
        }
    }
}
