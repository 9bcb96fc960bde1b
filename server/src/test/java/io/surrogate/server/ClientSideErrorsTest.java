package io.surrogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.server.origin.Answer;
import io.surrogate.server.origin.Delivery;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What a client gets when its subscription cannot be held (docs/protocol.md, "Statuses a
 * client can get from the edge"): no rule, a body too large, a rate limit, every kind of
 * origin fault, the connection limit. In every case nothing is held, nothing is left behind,
 * and the clients already held are not disturbed.
 */
class ClientSideErrorsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    // answered with plain statuses here; what an EventSource gets by default is TransientFailureTest's
    private static final String STATUS = "<transient-failure answer=\"status\"/>";
    private static final String ONE_SHOT = EdgeFixture.rule("one-shot", "sse", "1s", STATUS);
    private static final String REPEATABLE = EdgeFixture.rule("repeatable", "sse", "1s", STATUS);

    @Test
    void noRuleMatchedIs404() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(ONE_SHOT)) {
            HttpResponse<String> r = f.get(f.client("/nothing/here?e=2&u=B"));
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(r.body()).isEqualTo("no rule matched this request\n");
            assertThat(f.origin.subscribes()).isEmpty();
            f.assertQuiet(WAIT);
        }
    }

    @Test
    void aBodyOverTheLimitIs413AndOthersAreStillServed() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(REPEATABLE)) {
            RawClient held = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            String token = f.origin.awaitReceived("/subscribe-event", 1, WAIT).get(0).token();

            RawClient big = RawClient.open(f.clientPort(), true, "POST", "/sub?e=2&u=C", "x".repeat(64 * 1024 + 1));
            assertThat(big.status).isEqualTo(413);
            assertThat(big.nextLine(WAIT)).isEqualTo("request body over 65536 bytes");
            assertThat(big.awaitEnd(WAIT)).as("the connection is closed after a 413").isTrue();
            big.close();
            assertThat(f.origin.subscribes()).as("the origin was not asked").hasSize(1);

            // a body at the limit is read, and the rule runs
            RawClient atLimit = RawClient.open(f.clientPort(), true, "POST", "/sub?e=2&u=D", "x".repeat(64 * 1024));
            assertThat(atLimit.status).isEqualTo(200);
            assertThat(f.origin.deliver(token, "2", "B", "still here".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(200);
            RawClient.Event e = held.nextEvent(WAIT);
            assertThat(e.data()).isEqualTo("still here");
            assertThat(e.id()).endsWith("-1");
            held.close();
            atLimit.close();
            f.assertQuiet(WAIT);
        }
    }

    @Test
    void overTheRateLimitIsTheRulesStatusWithRetryAfter() throws Exception {
        String rules = """
                <rules xmlns="urn:surrogate:rules:1" xmlns:match="urn:surrogate:match:1"
                       xmlns:variable="urn:surrogate:variable:1" xmlns:edgeservices="urn:surrogate:edgeservices:1">
                  <match:uri.path value="/sub">
                    <variable:extract from="query" key="e" name="EVENT" required="true"/>
                    <variable:extract from="query" key="u" name="USER" required="true"/>
                    <edgeservices:rate-limit key="user:$(USER)" limit="1" per="1m"/>
                    <edgeservices:rate-limit key="all" limit="2" per="1m" status="503"/>
                    <edgeservices:event.handle-subscription>
                      <token><key>tok</key></token>
                      <user>$(USER)</user>
                      <event-id>$(EVENT)</event-id>
                      <subscription-type>repeatable</subscription-type>
                      <transport>sse</transport>
                      <heartbeat>1s</heartbeat>
                      <transient-failure answer="status"/>
                    </edgeservices:event.handle-subscription>
                  </match:uri.path>
                </rules>
                """;
        try (EdgeFixture f = EdgeFixture.start(rules)) {
            RawClient first = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            assertThat(first.status).isEqualTo(200);

            RawClient again = RawClient.open(f.clientPort(), "GET", "/sub?e=3&u=B");
            assertThat(again.status).as("a second subscription of B within the minute").isEqualTo(429);
            assertThat(again.header("Retry-After")).as("the edge's clock has not moved: the whole window").isEqualTo("60");
            again.close();

            RawClient other = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=C");
            assertThat(other.status).as("another user has their own count").isEqualTo(200);

            // B's second request stopped at B's limit and was not counted by the next one: 'all' has counted B and C
            RawClient overall = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=D");
            assertThat(overall.status).as("the third counted request overall: the rule's own status").isEqualTo(503);
            f.advance(Duration.ofSeconds(20));
            RawClient later = RawClient.open(f.clientPort(), "GET", "/sub?e=3&u=B");
            assertThat(later.status).isEqualTo(429);
            assertThat(later.header("Retry-After")).as("what is left of B's window").isEqualTo("40");
            later.close();
            overall.close();

            // an edit that moves every rule of the file keeps the counts: they belong to what a limit says, not where
            Files.writeString(f.rulesFile, "<!-- moved down a line -->\n" + rules);
            assertThat(f.edge.reload()).isTrue();
            RawClient afterEdit = RawClient.open(f.clientPort(), "GET", "/sub?e=4&u=B");
            assertThat(afterEdit.status).as("B is still over the limit after the edit").isEqualTo(429);
            afterEdit.close();

            assertThat(f.origin.subscribes()).as("limited requests never reach the origin").hasSize(2);
            assertThat(EdgeFixture.eventually(WAIT, () -> f.edge.heldConnections() == 2)).isTrue();
            first.close();
            other.close();
            f.assertQuiet(WAIT);

            // the minute is over (the quiet check moved the edge's clock a few seconds; move it past the window)
            f.advance(Duration.ofSeconds(60));
            RawClient nextWindow = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            assertThat(nextWindow.status).as("a new window, a new count").isEqualTo(200);
            nextWindow.close();
            f.awaitUnsubscribes(3);
        }
    }

    @Test
    void anOriginRejectionWithForwardRejectionBodyReachesTheClientAsIs() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("one-shot", "sse", "1s",
                "<forward-rejection-body>true</forward-rejection-body>" + STATUS))) {
            f.origin.setSubscribeAnswer(r -> new Answer(403, "application/json", "{\"error\":\"mailbox closed\"}", 0));
            HttpResponse<String> r = f.get(f.client("/sub?e=2&u=B"));
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(r.body()).isEqualTo("{\"error\":\"mailbox closed\"}");
            assertNothingHeld(f);
        }
    }

    @Test
    void anOriginRejectionIsOtherwiseAShortEdgeTextWithTheSameStatus() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(ONE_SHOT)) {
            f.origin.setSubscribeAnswer(r -> Answer.text(403, "mailbox closed; internal detail"));
            HttpResponse<String> r = f.get(f.client("/sub?e=2&u=B"));
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
            assertThat(r.body()).isEqualTo("the origin refused the subscription (403)\n");
            assertNothingHeld(f);
        }
    }

    @Test
    void anOrigin500Is500() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(ONE_SHOT)) {
            f.origin.setSubscribeAnswer(r -> Answer.text(500, "boom"));
            HttpResponse<String> r = f.get(f.client("/sub?e=2&u=B"));
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(r.body()).doesNotContain("boom");
            assertNothingHeld(f);
        }
    }

    @Test
    void anOriginThatAnswers200InsteadOf202Is502() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(ONE_SHOT)) {
            f.origin.setSubscribeAnswer(r -> Answer.ok());
            HttpResponse<String> r = f.get(f.client("/sub?e=2&u=B"));
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(r.body()).isEqualTo("the origin answered 200 instead of 202\n");
            assertNothingHeld(f);
        }
    }

    @Test
    void anOriginThatIsDownIs502() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(ONE_SHOT)) {
            f.origin.close();
            HttpResponse<String> r = f.get(f.client("/sub?e=2&u=B"));
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(r.body()).isEqualTo("the origin cannot be reached\n");
            f.assertQuiet(WAIT);
        }
    }

    /**
     * The rule's {@code <origin timeout="1s">} bounds the wait; the origin's answer comes later
     * (and accepts), but the client has had its 504 and nothing is held: a delivery to that
     * token finds nobody.
     */
    @Test
    void anOriginSlowerThanTheRulesTimeoutIs504() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(ONE_SHOT)) {
            Files.writeString(f.rulesFile, EdgeFixture.rule("one-shot", "sse", "1s",
                    "<origin timeout=\"1s\">" + f.origin.baseUri() + "</origin>" + STATUS));
            assertThat(f.edge.reload()).as("the rule with the origin timeout compiles").isTrue();
            f.origin.setSubscribeAnswer(r -> Answer.accepted().delayedBy(Duration.ofSeconds(3)));
            HttpResponse<String> r = f.get(f.client("/sub?e=2&u=B"));
            assertThat(r.statusCode()).isEqualTo(504);
            assertThat(r.body()).isEqualTo("the origin did not answer in time\n");
            assertThat(f.edge.heldConnections()).isZero();
            assertThat(f.edge.subscriptions()).isZero();
            String late = f.origin.subscribes().get(0).token();
            assertThat(EdgeFixture.eventually(WAIT, () -> !f.origin.subscriptions().isEmpty()))
                    .as("the origin accepted, late").isTrue();
            Delivery d = f.origin.deliver(late, "2", "B", "too late".getBytes(StandardCharsets.UTF_8));
            assertThat(d.status()).isEqualTo(404);
            assertThat(d.word()).isEqualTo("no-subscriber");
            f.assertQuiet(WAIT);
        }
    }

    @Test
    void atTheConnectionLimitANewConnectionGets503AndTheHeldOnesStillReceive() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(REPEATABLE, c -> c.withMaxClients(2))) {
            RawClient a = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=A");
            RawClient b = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            assertThat(a.status).isEqualTo(200);
            assertThat(b.status).isEqualTo(200);
            assertThat(EdgeFixture.eventually(WAIT, () -> f.edge.heldConnections() == 2)).isTrue();

            RawClient third = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=C");
            assertThat(third.status).isEqualTo(503);
            assertThat(third.header("Retry-After")).isEqualTo("5");
            assertThat(third.header("Connection")).isEqualToIgnoringCase("close");
            assertThat(third.awaitEnd(WAIT)).isTrue();
            third.close();
            assertThat(f.edge.refusedConnections()).isEqualTo(1);
            assertThat(f.origin.subscribes()).as("the origin was not asked").hasSize(2);

            Delivery toAll = f.origin.fanOut("2", "still held".getBytes(StandardCharsets.UTF_8));
            assertThat(FanOutTest.reached(toAll)).isEqualTo(2);
            for (RawClient c : new RawClient[] {a, b}) {
                RawClient.Event e = c.nextEvent(WAIT);
                assertThat(e.data()).isEqualTo("still held");
                assertThat(e.id()).endsWith("-1");
            }
            a.close();
            b.close();
            // the places free up when held clients leave
            assertThat(EdgeFixture.eventually(WAIT, () -> probe(f) == 404)).isTrue();
            f.assertQuiet(WAIT);
        }
    }

    /** A request on a new connection; its status. */
    private static int probe(EdgeFixture f) {
        try (RawClient c = RawClient.open(f.clientPort(), "GET", "/nothing")) {
            return c.status;
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    /** Nothing held, no subscription, no timer; the origin was asked once. */
    private static void assertNothingHeld(EdgeFixture f) throws InterruptedException {
        assertThat(f.origin.subscribes()).hasSize(1);
        assertThat(f.edge.heldConnections()).isZero();
        assertThat(f.edge.subscriptions()).isZero();
        f.assertQuiet(WAIT);
    }
}
