package io.surrogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.surrogate.server.origin.Delivery;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Fan-out (docs/protocol.md, "Unicast and fan-out"): one delivery with an empty user and
 * token reaches every subscriber of its event on the edge, over every transport at once,
 * each exactly once, and nobody else.
 */
class FanOutTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String QUOTE = "{\"symbol\":\"BSC\",\"price\":\"78.34\"}";

    /**
     * {@code /fan}: userless, repeatable, the transport chosen by Accept, 1 s heartbeats;
     * {@code /poll}: userless, one-shot long-poll, with a poll long enough to stay parked.
     */
    private static final String RULES = """
            <rules xmlns="urn:surrogate:rules:1" xmlns:match="urn:surrogate:match:1"
                   xmlns:variable="urn:surrogate:variable:1" xmlns:edgeservices="urn:surrogate:edgeservices:1">
              <match:uri.path value="/fan">
                <variable:extract from="query" key="e" name="EVENT" required="true"/>
                <edgeservices:event.handle-subscription>
                  <token><key>tok</key></token>
                  <event-id>$(EVENT)</event-id>
                  <subscription-type>repeatable</subscription-type>
                  <transport>auto</transport>
                  <heartbeat>1s</heartbeat>
                </edgeservices:event.handle-subscription>
              </match:uri.path>
              <match:uri.path value="/poll">
                <variable:extract from="query" key="e" name="EVENT" required="true"/>
                <edgeservices:event.handle-subscription>
                  <token><key>tok</key></token>
                  <event-id>$(EVENT)</event-id>
                  <subscription-type>one-shot</subscription-type>
                  <transport>long-poll</transport>
                  <heartbeat>60s</heartbeat>
                </edgeservices:event.handle-subscription>
              </match:uri.path>
            </rules>
            """;

    @Test
    void oneFanOutReachesEverySubscriberOfItsEventOnceOverEveryTransport() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(RULES)) {
            List<RawClient> sse = new ArrayList<>();
            List<RawClient> ndjson = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                sse.add(RawClient.open(f.clientPort(), "GET", "/fan?e=quote:BSC", "Accept: text/event-stream"));
                ndjson.add(RawClient.open(f.clientPort(), "GET", "/fan?e=quote:BSC", "Accept: application/x-ndjson"));
            }
            List<CompletableFuture<RawClient>> polls = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                polls.add(CompletableFuture.supplyAsync(() -> open(f, "/poll?e=quote:BSC")));
            }
            RawClient other = RawClient.open(f.clientPort(), "GET", "/fan?e=quote:XYZ", "Accept: text/event-stream");
            assertThat(EdgeFixture.eventually(WAIT, () -> f.edge.heldConnections() == 7)).as("seven clients held").isTrue();
            for (RawClient c : sse) {
                assertThat(c.header("Content-Type")).startsWith("text/event-stream");
            }
            for (RawClient c : ndjson) {
                assertThat(c.header("Content-Type")).startsWith("application/x-ndjson");
            }

            Delivery first = f.origin.send(f.origin.outgoing("", "quote:BSC", "", bytes(QUOTE)).withContentType("application/json"));
            assertThat(reached(first)).as("delivered, and to how many").isEqualTo(6);

            for (RawClient c : sse) {
                RawClient.Event e = c.nextEvent(WAIT);
                assertThat(e).isNotNull();
                assertThat(e.data()).isEqualTo(QUOTE);
                assertThat(e.id()).endsWith("-1");
            }
            for (RawClient c : ndjson) {
                JsonObject line = nextObject(c);
                assertThat(line.get("event").getAsString()).isEqualTo("quote:BSC");
                assertThat(line.get("data").getAsString()).isEqualTo(QUOTE);
                assertThat(line.get("id").getAsString()).endsWith("-1");
            }
            for (CompletableFuture<RawClient> p : polls) {
                RawClient answer = p.get();
                assertThat(answer.status).isEqualTo(200);
                assertThat(answer.header("Content-Type")).isEqualTo("application/json");
                assertThat(answer.header("Last-Event-ID")).endsWith("-1");
                assertThat(answer.nextLine(WAIT)).isEqualTo(QUOTE);
                assertThat(answer.nextLine(WAIT)).as("one answer, one event").isNull();
                answer.close();
            }

            // once each: the next thing every repeatable client sees is the next fan-out, numbered 2;
            // the one-shot long-polls are done
            Delivery second = f.origin.fanOut("quote:BSC", bytes("second"));
            assertThat(second.body()).isEqualTo("delivered\n4\n");
            for (RawClient c : sse) {
                RawClient.Event e = c.nextEvent(WAIT);
                assertThat(e.data()).isEqualTo("second");
                assertThat(e.id()).endsWith("-2");
            }
            for (RawClient c : ndjson) {
                JsonObject line = nextObject(c);
                assertThat(line.get("data").getAsString()).isEqualTo("second");
                assertThat(line.get("id").getAsString()).endsWith("-2");
            }

            // the subscriber of another event got neither: its first event is its own
            assertThat(f.origin.fanOut("quote:XYZ", bytes("own")).body()).isEqualTo("delivered\n1\n");
            RawClient.Event own = other.nextEvent(WAIT);
            assertThat(own.data()).isEqualTo("own");
            assertThat(own.id()).endsWith("-1");

            for (RawClient c : sse) {
                c.close();
            }
            for (RawClient c : ndjson) {
                c.close();
            }
            other.close();
            assertThat(f.awaitUnsubscribes(5)).as("each repeatable subscription ends").hasSize(5);
            f.assertQuiet(WAIT);
        }
    }

    @Test
    void aFanOutThatNobodyWaitsForIsNoSubscriber() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(RULES)) {
            RawClient waiting = RawClient.open(f.clientPort(), "GET", "/fan?e=quote:BSC", "Accept: text/event-stream");
            assertThat(EdgeFixture.eventually(WAIT, () -> f.edge.heldConnections() == 1)).isTrue();
            Delivery d = f.origin.fanOut("quote:NOBODY", bytes(QUOTE));
            assertThat(d.status()).isEqualTo(404);
            assertThat(d.word()).isEqualTo("no-subscriber");
            // the event id is matched exactly, as sent
            assertThat(f.origin.fanOut("quote:bsc", bytes(QUOTE)).status()).isEqualTo(404);
            assertThat(reached(f.origin.fanOut("quote:BSC", bytes("mine")))).isEqualTo(1);
            RawClient.Event e = waiting.nextEvent(WAIT);
            assertThat(e.data()).isEqualTo("mine");
            assertThat(e.id()).endsWith("-1");
            waiting.close();
            f.assertQuiet(WAIT);
        }
    }

    /** The stored token of a subscription without a user, sent back with an empty user, is a fan-out too. */
    @Test
    void theTokenOfAUserlessSubscriptionFansOutToItsEvent() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(RULES)) {
            RawClient a = RawClient.open(f.clientPort(), "GET", "/fan?e=quote:BSC", "Accept: text/event-stream");
            RawClient b = RawClient.open(f.clientPort(), "GET", "/fan?e=quote:BSC", "Accept: application/x-ndjson");
            String token = f.origin.awaitReceived("/subscribe-event", 2, WAIT).get(0).token();
            assertThat(EdgeFixture.eventually(WAIT, () -> f.edge.heldConnections() == 2)).isTrue();
            Delivery d = f.origin.deliver(token, "quote:BSC", "", bytes("via a token"));
            assertThat(reached(d)).isEqualTo(2);
            assertThat(a.nextEvent(WAIT).data()).isEqualTo("via a token");
            assertThat(nextObject(b).get("data").getAsString()).isEqualTo("via a token");
            a.close();
            b.close();
            f.assertQuiet(WAIT);
        }
    }

    /**
     * How many subscribers a delivery reached: written to at once ({@code delivered N}) plus
     * queued for their connection ({@code queued M}). A new subscription can be found a moment
     * before its connection takes it (both happen on the client's IO thread, and the edge
     * counts the connection held first); a delivery in that moment is queued and written as
     * the connection takes it. So a test that delivers as soon as the edge counts its clients
     * held may see either; every client still gets the event, which the tests check.
     */
    static int reached(Delivery d) {
        assertThat(d.status()).as(d.body()).isIn(200, 202);
        int n = 0;
        for (String line : d.body().split("\n")) {
            if (line.matches("[0-9]+")) {
                n += Integer.parseInt(line);
            } else if (line.startsWith("queued ")) {
                n += Integer.parseInt(line.substring("queued ".length()));
            }
        }
        return n;
    }

    /** The next NDJSON event line (heartbeats and the held line skipped). */
    private static JsonObject nextObject(RawClient c) throws InterruptedException {
        String line;
        do {
            line = c.nextLine(WAIT);
            assertThat(line).as("an NDJSON line").isNotNull();
        } while (line.isEmpty() || line.contains("\"held\":true"));
        return JsonParser.parseString(line).getAsJsonObject();
    }

    private static RawClient open(EdgeFixture f, String path) {
        try {
            return RawClient.open(f.clientPort(), "GET", path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
