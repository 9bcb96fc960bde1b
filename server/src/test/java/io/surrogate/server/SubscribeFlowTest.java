package io.surrogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.server.origin.Delivery;
import io.surrogate.server.origin.Received;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import io.surrogate.server.origin.Answer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The whole flow of DESIGN §1 for every transport and subscription type, on real sockets:
 * subscribe (the origin sees the four headers, signed), hold, deliver (signed by the origin
 * as docs/protocol.md says), receive, and either end (one-shot) or keep going (repeatable,
 * stream) until the client leaves and the origin hears /unsubscribe-event.
 */
class SubscribeFlowTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @ParameterizedTest(name = "{0} over {1}")
    @CsvSource({
        "one-shot,   sse",
        "repeatable, sse",
        "stream,     sse",
        "one-shot,   stream",
        "repeatable, stream",
        "stream,     stream",
        "one-shot,   long-poll",
        "repeatable, long-poll",
        "stream,     long-poll"})
    void subscribeHoldDeliverAndLeave(String type, String transport) throws Exception {
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule(type, transport, "1s", ""))) {
            CompletableFuture<RawClient> opening = CompletableFuture.supplyAsync(() -> open(f, "/sub?e=2&u=B"));
            Received subscribe = f.origin.awaitReceived("/subscribe-event", 1, WAIT).get(0);
            assertThat(subscribe.eventId()).isEqualTo("2");
            assertThat(subscribe.user()).isEqualTo("B");
            assertThat(subscribe.token()).startsWith("v1.tok.");
            assertThat(subscribe.header("X-Event-Signature")).matches("t=\\d+;n=[0-9a-f]{32};v1=[0-9a-f]{64}");
            assertThat(subscribe.signatureVerified()).as("the edge's signature verifies with the documented algorithm").isTrue();
            String token = subscribe.token();

            if (!transport.equals("long-poll")) {
                RawClient client = opening.get();
                assertThat(client.status).isEqualTo(200);
                assertThat(EdgeFixture.eventually(WAIT, () -> f.edge.heldConnections() == 1)).isTrue();
                Delivery first = f.origin.deliver(token, "2", "B", bytes("You've got mail!\nline two"));
                assertThat(first.status()).isEqualTo(200);
                assertThat(first.word()).isEqualTo("delivered");
                assertThat(data(client, transport)).isEqualTo("You've got mail!\nline two");
                if (type.equals("one-shot")) {
                    assertThat(client.awaitEnd(WAIT)).as("a one-shot response ends after its event").isTrue();
                    assertThat(f.origin.deliver(token, "2", "B", bytes("again")).word()).isEqualTo("no-subscriber");
                } else {
                    assertThat(f.origin.deliver(token, "2", "B", bytes("second")).status()).isEqualTo(200);
                    assertThat(data(client, transport)).isEqualTo("second");
                    client.close();
                    List<Received> gone = f.awaitUnsubscribes(1);
                    assertThat(gone.get(0).token()).isEqualTo(token);
                    assertThat(gone.get(0).signatureVerified()).isTrue();
                }
                client.close();
            } else {
                assertThat(EdgeFixture.eventually(WAIT, () -> f.edge.heldConnections() == 1)).isTrue();
                assertThat(f.origin.deliver(token, "2", "B", bytes("You've got mail!")).status()).isEqualTo(200);
                RawClient answer = opening.get();
                assertThat(answer.status).isEqualTo(200);
                assertThat(answer.nextLine(WAIT)).isEqualTo("You've got mail!");
                String lastId = answer.header("Last-Event-ID");
                assertThat(lastId).matches("[0-9a-f]{16}-1");
                answer.close();
                if (type.equals("one-shot")) {
                    assertThat(f.origin.deliver(token, "2", "B", bytes("again")).word()).isEqualTo("no-subscriber");
                } else {
                    // between polls the event waits for the client's next poll
                    Delivery queued = f.origin.deliver(token, "2", "B", bytes("while away"));
                    assertThat(queued.status()).isEqualTo(202);
                    assertThat(queued.word()).isEqualTo("queued");
                    RawClient again = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B", "Last-Event-ID: " + lastId);
                    assertThat(again.status).isEqualTo(200);
                    assertThat(again.nextLine(WAIT)).isEqualTo("while away");
                    assertThat(f.origin.subscribes()).as("a poll within the heartbeat resumes without the origin").hasSize(1);
                    again.close();
                    List<Received> gone = f.awaitUnsubscribes(1);
                    assertThat(gone.get(0).token()).isEqualTo(token);
                }
            }
            f.assertQuiet(WAIT);
        }
    }

    /**
     * An origin may deliver the moment it has answered 202, before the edge has read that
     * answer: the event is queued in the subscription (202 queued) and the client gets it as
     * soon as it is held.
     */
    @Test
    void anEventDeliveredBeforeTheEdgeHoldsTheClientWaitsForIt() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("repeatable", "sse", "1s", ""))) {
            CountDownLatch answer = new CountDownLatch(1);
            f.origin.setSubscribeAnswer(r -> HeldClients.after(answer, Answer.accepted()));
            CompletableFuture<RawClient> opening = CompletableFuture.supplyAsync(() -> open(f, "/sub?e=2&u=B"));
            String token = f.origin.awaitReceived("/subscribe-event", 1, WAIT).get(0).token();
            Delivery early = f.origin.deliver(token, "2", "B", bytes("early"));
            assertThat(early.status()).as("the origin's 202 has not reached the edge yet").isEqualTo(202);
            assertThat(early.word()).isEqualTo("queued");
            answer.countDown();
            RawClient client = opening.get();
            assertThat(client.status).isEqualTo(200);
            assertThat(data(client, "sse")).isEqualTo("early");
            client.close();
            f.awaitUnsubscribes(1);
            f.assertQuiet(WAIT);
        }
    }

    private static RawClient open(EdgeFixture f, String path) {
        try {
            return RawClient.open(f.clientPort(), "GET", path);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The next event's data, as the transport frames it. */
    private static String data(RawClient client, String transport) throws InterruptedException {
        if (transport.equals("sse")) {
            RawClient.Event e = client.nextEvent(WAIT);
            if (e != null && "stream".equals(e.name())) {
                // a stream-type connection first names its multiplexing handle
                assertThat(e.data()).matches("[0-9a-f]+");
                e = client.nextEvent(WAIT);
            }
            assertThat(e).as("an event").isNotNull();
            assertThat(e.id()).matches("[0-9a-f]{16}-\\d+");
            return e.data();
        }
        String line;
        do {
            line = client.nextLine(WAIT);
            assertThat(line).as("an NDJSON line").isNotNull();
        } while (line.isEmpty() || line.contains("\"held\":true"));
        com.google.gson.JsonObject o = com.google.gson.JsonParser.parseString(line).getAsJsonObject();
        assertThat(o.get("id").getAsString()).matches("[0-9a-f]{16}-\\d+");
        assertThat(o.get("event").getAsString()).isEqualTo("2");
        return o.get("data").getAsString();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
