package io.surrogate.server;

import static io.surrogate.server.EdgeFixture.eventually;
import static io.surrogate.server.HeldClients.WAIT;
import static io.surrogate.server.HeldClients.bytes;
import static io.surrogate.server.HeldClients.event;
import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.server.origin.Delivery;
import io.surrogate.server.origin.Received;
import io.surrogate.server.origin.SampleOrigin;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DESIGN §5 "Slow clients": a client that does not read is disconnected once its queue is over
 * the edge's bound, nobody else waits for it, and it resumes with its last id.
 */
class SlowClientTest {
    private static final String SUBSCRIBE = SampleOrigin.SUBSCRIBE_PATH;
    private static final String UNSUBSCRIBE = SampleOrigin.UNSUBSCRIBE_PATH;
    private static final int EVENT_SIZE = 32 * 1024;
    private static final int REPLAY = 4;
    /** far more than the socket buffers (the kernel takes a few MiB on loopback) and the 64 KiB queue hold */
    private static final int MAX_EVENTS = 200;

    @Test
    void aClientThatDoesNotReadIsDisconnectedNobodyElseWaitsAndItResumesWithItsLastId() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(
                EdgeFixture.rule("repeatable", "sse", "1s", "<replay-buffer>" + REPLAY + "</replay-buffer>"),
                c -> c.withMaxQueuedBytes(64 * 1024))) {
            RawClient slow = RawClient.openSlow(f.clientPort(), "/sub?e=quotes&u=slow");
            RawClient fast = RawClient.open(f.clientPort(), "GET", "/sub?e=quotes&u=fast");
            RawClient other = RawClient.open(f.clientPort(), "GET", "/sub?e=news&u=fast");
            List<Received> subscribes = f.origin.awaitReceived(SUBSCRIBE, 3, WAIT);
            String newsToken = subscribes.stream().filter(r -> r.eventId().equals("news")).findFirst().orElseThrow().token();
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 3)).isTrue();

            // large fan-out events until the edge cuts the client that does not read
            int sent = 0;
            while (f.edge.heldConnections() == 3 && sent < MAX_EVENTS) {
                sent++;
                Delivery quote = f.origin.fanOut("quotes", big(sent));
                assertThat(quote.status()).isEqualTo(200);
                assertThat(event(fast).data()).as("the reading client of the same event gets event %d", sent).isEqualTo(text(sent));
                assertThat(f.origin.deliver(newsToken, "news", "fast", bytes("news " + sent)).status()).isEqualTo(200);
                assertThat(event(other).data()).as("the client of another event gets its event %d", sent).isEqualTo("news " + sent);
            }
            assertThat(f.edge.heldConnections()).as("the slow client was cut after %d events", sent).isEqualTo(2);
            assertThat(HeldClients.counter(f, "surrogate_disconnects_total", "reason", "slow-client")).isEqualTo(1);
            // the reading clients go on; the cut client's subscription queues for its return
            for (int i = 0; i < 2; i++) {
                sent++;
                Delivery quote = f.origin.fanOut("quotes", big(sent));
                assertThat(quote.status()).isEqualTo(200);
                assertThat(quote.body()).contains("queued 1");
                assertThat(event(fast).data()).isEqualTo(text(sent));
            }

            // the slow client reads what reached it, then comes back with its last id
            slow.startReading();
            String lastId = HeldClients.preambleId(slow);
            RawClient.Event e;
            while ((e = slow.nextEvent(WAIT)) != null) {
                lastId = e.id();
            }
            assertThat(slow.awaitEnd(WAIT)).as("the edge closed the slow client's connection").isTrue();
            String handle = lastId.substring(0, 16);
            long lastRead = Long.parseLong(lastId.substring(17));
            assertThat(lastRead).as("what it read before the cut").isLessThan(sent);
            RawClient back = RawClient.open(f.clientPort(), "GET", "/sub?e=quotes&u=slow", "Last-Event-ID: " + lastId);

            assertThat(back.status).isEqualTo(200);
            List<String> expected = new ArrayList<>();
            for (long seq = Math.max(lastRead, sent - REPLAY) + 1; seq <= sent; seq++) {
                expected.add(handle + "-" + seq + " " + text((int) seq).length());
            }
            List<String> replayed = new ArrayList<>();
            for (int i = 0; i < expected.size(); i++) {
                RawClient.Event r = event(back);
                assertThat(r.data()).isEqualTo(text(Integer.parseInt(r.id().substring(17))));
                replayed.add(r.id() + " " + r.data().length());
            }
            assertThat(replayed).as("what the replay buffer still holds after its last id, in order").isEqualTo(expected);
            assertThat(f.origin.subscribes()).as("resumed without the origin").hasSize(3);

            back.close();
            fast.close();
            other.close();
            slow.close();
            assertThat(f.awaitUnsubscribes(3)).hasSize(3);
            f.assertQuiet(WAIT);
        }
    }

    private static String text(int n) {
        StringBuilder b = new StringBuilder(EVENT_SIZE).append(n).append(':');
        while (b.length() < EVENT_SIZE) {
            b.append((char) ('a' + b.length() % 26));
        }
        return b.toString();
    }

    private static byte[] big(int n) {
        return bytes(text(n));
    }
}
