package io.surrogate.server;

import static io.surrogate.server.EdgeFixture.eventually;
import static io.surrogate.server.HeldClients.WAIT;
import static io.surrogate.server.HeldClients.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Many held responses on one HTTP/2 connection (h2c with prior knowledge, the test's own frame
 * client): each stream is a client of its own, counted once as a connection; a stream the
 * client resets is a drop; a stream whose window the client never opens does not hold the others.
 */
class Http2StreamsTest {
    private static final String RULES = EdgeFixture.rule("repeatable", "sse", "1s", "");

    @Test
    void twelveStreamsOnOneConnectionEachReceiveEveryFanOut() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(RULES); H2Client h2 = new H2Client(f.clientPort(), 65_535)) {
            List<Integer> streams = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                streams.add(h2.get("/fan?e=quote", "accept", "text/event-stream"));
            }
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 12)).as("twelve held streams").isTrue();
            for (int s : streams) {
                assertThat(h2.await(s, ": held", WAIT)).as("the prelude comes at once on stream " + s).isTrue();
                assertThat(h2.status(s)).isEqualTo(200);
            }
            assertThat(HeldClients.gauge(f, "surrogate_client_connections")).as("one connection counted").isEqualTo(1.0);

            assertThat(f.origin.fanOut("quote", bytes("first")).body()).isEqualTo("delivered\n12\n");
            assertThat(f.origin.fanOut("quote", bytes("second")).body()).isEqualTo("delivered\n12\n");
            for (int s : streams) {
                assertThat(h2.await(s, "data: second", WAIT)).as("stream " + s).isTrue();
                assertThat(h2.text(s)).contains("data: first\n");
            }

            h2.close();
            assertThat(f.awaitUnsubscribes(12)).hasSize(12);
            f.assertQuiet(WAIT);
        }
    }

    @Test
    void aStreamResetByTheClientIsADropAndTheOthersStay() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(RULES); H2Client h2 = new H2Client(f.clientPort(), 65_535)) {
            int kept = h2.get("/sub?e=mail&u=A", "accept", "text/event-stream");
            int dropped = h2.get("/sub?e=mail&u=B", "accept", "text/event-stream");
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 2)).isTrue();
            assertThat(h2.await(dropped, ": held", WAIT)).isTrue();

            h2.reset(dropped);
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 1)).as("the reset stream is released at once").isTrue();
            assertThat(f.origin.unsubscribes()).as("not before the client had its grace to come back").isEmpty();
            assertThat(f.awaitUnsubscribes(1)).hasSize(1);
            assertThat(f.origin.unsubscribes()).hasSize(1);

            assertThat(f.origin.fanOut("mail", bytes("still here")).body()).isEqualTo("delivered\n1\n");
            assertThat(h2.await(kept, "data: still here", WAIT)).isTrue();
            assertThat(h2.goaway()).as("the connection stays").isFalse();
            h2.close();
            assertThat(f.awaitUnsubscribes(2)).hasSize(2);
            f.assertQuiet(WAIT);
        }
    }

    @Test
    void aStreamWhoseClientStopsReadingDoesNotHoldTheOthers() throws Exception {
        String big = "x".repeat(3000);
        // a 16 KiB window per stream, opened again as the client reads; the stalled one is
        // disconnected once 8 KiB wait for it beyond what Undertow buffers per stream (2 x 8 KiB)
        try (EdgeFixture f = EdgeFixture.start(RULES, c -> c.withMaxQueuedBytes(8 * 1024));
                H2Client h2 = new H2Client(f.clientPort(), 16 * 1024)) {
            int stalled = h2.get("/fan?e=quote", "accept", "text/event-stream");
            int reading = h2.get("/fan?e=quote", "accept", "text/event-stream");
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 2)).isTrue();
            assertThat(h2.await(stalled, ": held", WAIT)).isTrue();
            h2.stall(stalled);

            for (int i = 0; i < 10; i++) {
                f.origin.fanOut("quote", bytes(big + i));
                assertThat(h2.await(reading, big + i, WAIT)).as("event " + i + " reaches the reading stream").isTrue();
            }
            int prelude = h2.text(stalled).indexOf(": held\n\n") + ": held\n\n".length();
            assertThat(h2.text(stalled).length()).as("the stalled stream got no more than its window")
                    .isLessThanOrEqualTo(prelude + 16 * 1024);
            assertThat(h2.text(stalled)).doesNotContain(big + "9");
            assertThat(eventually(WAIT, () -> h2.resetByServer(stalled))).as("the stalled stream is reset once its queue is full")
                    .isTrue();
            assertThat(h2.resetByServer(reading)).isFalse();
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 1)).isTrue();
            assertThat(h2.goaway()).isFalse();

            h2.close();
            assertThat(f.awaitUnsubscribes(2)).hasSize(2);
            f.assertQuiet(WAIT);
        }
    }

    @Test
    void aStalledStreamTheClientResetsIsADrop() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(RULES); H2Client h2 = new H2Client(f.clientPort(), 16 * 1024)) {
            int stalled = h2.get("/fan?e=quote", "accept", "text/event-stream");
            int reading = h2.get("/fan?e=quote", "accept", "text/event-stream");
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 2)).isTrue();
            assertThat(h2.await(stalled, ": held", WAIT)).isTrue();
            h2.stall(stalled);
            f.origin.fanOut("quote", bytes("y".repeat(12_000)));
            assertThat(h2.await(reading, "yyyy\n\n", WAIT)).isTrue();

            h2.reset(stalled);
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 1)).as("released with bytes still waiting for it").isTrue();
            assertThat(f.awaitUnsubscribes(1)).hasSize(1);
            h2.close();
            assertThat(f.awaitUnsubscribes(2)).hasSize(2);
            f.assertQuiet(WAIT);
        }
    }
}
