package io.surrogate.server;

import static io.surrogate.server.EdgeFixture.eventually;
import static io.surrogate.server.HeldClients.WAIT;
import static io.surrogate.server.HeldClients.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.server.origin.Answer;
import io.surrogate.server.subscribe.LocalRegistry;
import io.surrogate.server.origin.Received;
import io.surrogate.server.origin.SampleOrigin;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DESIGN §1 step 7: a client that goes away reaches the origin as an edge-signed
 * {@code /unsubscribe-event}, retried until the origin acknowledges or the budget runs out,
 * and nothing is left behind.
 */
class ClientDropTest {
    private static final String SUBSCRIBE = SampleOrigin.SUBSCRIBE_PATH;
    private static final String UNSUBSCRIBE = SampleOrigin.UNSUBSCRIBE_PATH;
    /**
     * The product's requirement (docs/protocol.md, "POST /unsubscribe-event"): the origin hears
     * of a drop within two heartbeat intervals (here 1 s each) of the edge's clock, which the
     * test moves itself.
     */
    private static final Duration TWO_HEARTBEATS = Duration.ofSeconds(2);
    private static final Duration HEARTBEAT = Duration.ofSeconds(1);

    /** Lets the edge's time run until the origin has {@code n} unsubscribes; returns how much of it passed. */
    private static Duration untilUnsubscribed(EdgeFixture f, int n) throws InterruptedException {
        long before = f.clock.millis();
        assertThat(f.runUntil(WAIT, () -> f.origin.unsubscribes().size() >= n)).as(n + " unsubscribe(s) reach the origin").isTrue();
        return Duration.ofMillis(f.clock.millis() - before);
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"sse", "stream", "long-poll"})
    void aHeldClientThatDropsReachesTheOriginWithinTwoHeartbeats(String transport) throws Exception {
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("repeatable", transport, "1s", ""))) {
            Socket client = HeldClients.send(f.clientPort(), "/sub?e=2&u=B");
            String token = f.origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 1)).isTrue();

            client.close();
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 0)).isTrue();
            assertThat(f.origin.unsubscribes()).as("not before the client had a heartbeat to come back").isEmpty();
            Duration took = untilUnsubscribed(f, 1);
            List<Received> gone = f.origin.awaitReceived(UNSUBSCRIBE, 1, WAIT);

            assertThat(took).as("/unsubscribe-event within two heartbeats of the drop").isLessThanOrEqualTo(TWO_HEARTBEATS);
            assertThat(gone).hasSize(1);
            assertSignedFor(gone.get(0), token);
            f.assertQuiet(WAIT);
            assertThat(f.origin.unsubscribes()).as("told once").hasSize(1);
        }
    }

    @Test
    void aLongPollClientThatDoesNotComeBackAfterItsAnswerReachesTheOrigin() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("repeatable", "long-poll", "1s", ""))) {
            CompletableFuture<RawClient> poll = HeldClients.openLater(f.clientPort(), "/sub?e=2&u=B");
            String token = f.origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 1)).isTrue();
            assertThat(f.origin.deliver(token, "2", "B", bytes("mail")).status()).isEqualTo(200);
            RawClient answer = poll.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(answer.status).isEqualTo(200);

            // the client keeps its connection open but never polls again
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 0)).isTrue();
            Duration took = untilUnsubscribed(f, 1);
            List<Received> gone = f.origin.awaitReceived(UNSUBSCRIBE, 1, WAIT);

            assertThat(took).as("/unsubscribe-event within two heartbeats of the answer").isLessThanOrEqualTo(TWO_HEARTBEATS);
            assertThat(gone).hasSize(1);
            assertSignedFor(gone.get(0), token);
            answer.close();
            f.assertQuiet(WAIT);
        }
    }

    @Test
    void aLongPollClientThatDoesNotComeBackAfterItsTimeoutReachesTheOrigin() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("repeatable", "long-poll", "1s", ""))) {
            CompletableFuture<RawClient> poll = HeldClients.openLater(f.clientPort(), "/sub?e=2&u=B");
            String token = f.origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 1)).isTrue();
            f.advance(HEARTBEAT);
            RawClient timedOut = poll.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(timedOut.status).as("no event within the heartbeat").isEqualTo(204);
            assertThat(timedOut.header("Last-Event-ID")).matches("[0-9a-f]{16}-0");
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 0)).isTrue();

            Duration took = untilUnsubscribed(f, 1);
            List<Received> gone = f.origin.awaitReceived(UNSUBSCRIBE, 1, WAIT);

            assertThat(took).as("/unsubscribe-event within two heartbeats of the 204").isLessThanOrEqualTo(TWO_HEARTBEATS);
            assertThat(gone).hasSize(1);
            assertSignedFor(gone.get(0), token);
            timedOut.close();
            f.assertQuiet(WAIT);
        }
    }

    @Test
    void anUnsubscribeIsRetriedUntilAcknowledgedEachAttemptSignedAfresh() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("repeatable", "sse", "1s", ""))) {
            AtomicInteger attempts = new AtomicInteger();
            f.origin.setUnsubscribeAnswer(r -> attempts.incrementAndGet() <= 2 ? Answer.text(500, "busy") : Answer.ok());
            RawClient client = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            String token = f.origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();

            client.close();
            untilUnsubscribed(f, 3);
            List<Received> tries = f.origin.awaitReceived(UNSUBSCRIBE, 3, WAIT);

            assertThat(tries).as("two refusals, then the acknowledgement").hasSize(3);
            for (Received r : tries) {
                assertSignedFor(r, token);
            }
            assertThat(tries.stream().map(HeldClients::nonce).distinct())
                    .as("each attempt is a new request with its own nonce, never a replay").hasSize(3);
            f.assertQuiet(WAIT);
            assertThat(f.origin.unsubscribes()).as("no attempt after the acknowledgement").hasSize(3);
        }
    }

    @Test
    void anOriginThatNeverAcknowledgesIsGivenUpOnAfterTheBudget() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("repeatable", "sse", "1s", ""))) {
            f.origin.setUnsubscribeAnswer(r -> Answer.text(503, "down"));
            RawClient client = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            String token = f.origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
            int budget = LocalRegistry.unsubscribeBackoffMillis().length + 1;
            long backoff = 0;
            for (long millis : LocalRegistry.unsubscribeBackoffMillis()) {
                backoff += millis;
            }

            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 1)).isTrue();
            client.close();
            // the edge's time counts from the moment it saw the drop, not from our close
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 0)).isTrue();
            Duration took = untilUnsubscribed(f, budget);
            List<Received> tries = f.origin.awaitReceived(UNSUBSCRIBE, budget, WAIT);
            assertThat(took).as("one heartbeat, then the waits between the attempts").isEqualTo(HEARTBEAT.plusMillis(backoff));

            assertThat(tries).as("every attempt of the budget").hasSize(budget);
            for (Received r : tries) {
                assertSignedFor(r, token);
            }
            assertThat(tries.stream().map(HeldClients::nonce).distinct()).hasSize(budget);
            f.assertQuiet(WAIT);
            assertThat(f.origin.unsubscribes()).as("no attempt after the budget").hasSize(budget);
            assertThat(f.edge.metricsText()).contains("result=\"given-up\"");
        }
    }

    @Test
    void aClientThatDropsWhileTheOriginDecidesIsNeverHeldAndTheOriginIsToldAfterItsAccept() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("repeatable", "sse", "1s", ""))) {
            CountDownLatch answer = new CountDownLatch(1);
            f.origin.setSubscribeAnswer(r -> HeldClients.after(answer, Answer.accepted()));
            Socket client = HeldClients.send(f.clientPort(), "/sub?e=2&u=B");
            String token = f.origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();

            client.close();
            // the client is gone before the origin answers: its 202 is released only once the edge has
            // seen the close; until the origin hears of it, the edge holds nothing for that client
            assertThat(eventually(WAIT, () -> HeldClients.gauge(f, "surrogate_client_connections") == 0)).as("the edge saw the close")
                    .isTrue();
            assertThat(f.edge.heldConnections()).as("connections held for a client that left").isZero();
            answer.countDown();

            List<Received> gone = f.origin.awaitReceived(UNSUBSCRIBE, 1, WAIT);
            assertThat(gone).hasSize(1);
            assertSignedFor(gone.get(0), token);
            assertThat(HeldClients.counter(f, "surrogate_subscribe_total", "outcome", "client-gone"))
                    .as("told at the origin's 202, without waiting for a return that cannot come").isEqualTo(1);
            assertThat(HeldClients.counter(f, "surrogate_subscribe_total", "outcome", "held")).isZero();
            f.assertQuiet(WAIT);
            assertThat(f.origin.unsubscribes()).hasSize(1);
        }
    }

    private static void assertSignedFor(Received unsubscribe, String token) {
        assertThat(unsubscribe.token()).as("the token of the client that left").isEqualTo(token);
        assertThat(unsubscribe.eventId()).isEqualTo("2");
        assertThat(unsubscribe.user()).isEqualTo("B");
        assertThat(unsubscribe.signatureVerified()).as("signed by the edge, as docs/protocol.md says").isTrue();
    }
}
