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
 * DESIGN §5: a second client of one user and event joins the first one's subscription and
 * neither is evicted (more in {@link ManyClientsTest}); subscriptions of type stream are
 * multiplexed over one connection.
 */
class DuplicateAndStreamTest {
    private static final String SUBSCRIBE = SampleOrigin.SUBSCRIBE_PATH;
    private static final String UNSUBSCRIBE = SampleOrigin.UNSUBSCRIBE_PATH;

    @Test
    void aSecondClientOfTheSameUserAndEventJoinsTheFirstAndNeitherIsEvicted() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("repeatable", "sse", "1s", ""))) {
            RawClient first = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            RawClient otherUser = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=C");
            RawClient otherEvent = RawClient.open(f.clientPort(), "GET", "/sub?e=3&u=B");
            List<Received> held = f.origin.awaitReceived(SUBSCRIBE, 3, WAIT);
            String firstToken = tokenOf(held, "2", "B");

            RawClient second = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");

            assertThat(second.status).isEqualTo(200);
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 4)).as("nothing evicted").isTrue();
            assertThat(f.origin.subscribes()).as("the second client joined without the origin").hasSize(3);
            assertThat(f.origin.unsubscribes()).isEmpty();
            assertThat(f.origin.deliver(firstToken, "2", "B", bytes("to both")).status()).isEqualTo(200);
            assertThat(event(first).data()).isEqualTo("to both");
            assertThat(event(second).data()).isEqualTo("to both");
            Delivery fan = f.origin.fanOut("2", bytes("to everyone of 2"));
            assertThat(fan.body()).as("two subscriptions: B's, shared, and C's").startsWith("delivered\n2");
            assertThat(event(first).data()).isEqualTo("to everyone of 2");
            assertThat(event(second).data()).isEqualTo("to everyone of 2");
            assertThat(event(otherUser).data()).isEqualTo("to everyone of 2");

            first.close();
            second.close();
            otherUser.close();
            otherEvent.close();
            f.awaitUnsubscribes(3);
            f.assertQuiet(WAIT);
            assertThat(f.origin.unsubscribes()).extracting(Received::token).as("each token told once")
                    .containsOnlyOnce(firstToken).hasSize(3);
        }
    }

    @Test
    void aStreamConnectionCarriesTheSubscriptionsAttachedToItsHandle() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("stream", "sse", "1s", ""))) {
            RawClient connection = RawClient.open(f.clientPort(), "GET", "/sub?e=a&u=B");
            String tokenA = f.origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
            RawClient.Event announce = event(connection);
            assertThat(announce.name()).as("a stream connection first names its handle").isEqualTo("stream");
            String handle = announce.data();

            RawClient attach = RawClient.open(f.clientPort(), "GET", "/sub?e=b&u=B", "X-Event-Stream: " + handle);

            assertThat(attach.status).isEqualTo(200);
            assertThat(attach.nextLine(WAIT)).isEqualTo("attached");
            Received attached = f.origin.awaitReceived(SUBSCRIBE, 2, WAIT).get(1);
            assertThat(attached.eventId()).as("subscribed at the origin as usual").isEqualTo("b");
            assertThat(attached.signatureVerified()).isTrue();
            String tokenB = attached.token();
            assertThat(f.origin.deliver(tokenA, "a", "B", bytes("for a")).status()).isEqualTo(200);
            assertThat(f.origin.deliver(tokenB, "b", "B", bytes("for b")).status()).isEqualTo(200);
            RawClient.Event a = event(connection);
            RawClient.Event b = event(connection);
            assertThat(List.of(a.data(), b.data())).as("both on the first connection").containsExactly("for a", "for b");
            assertThat(a.id().substring(0, 16)).as("each subscription numbers its own events").isNotEqualTo(b.id().substring(0, 16));
            assertThat(b.id()).endsWith("-1");
            assertThat(f.edge.heldConnections()).isEqualTo(1);

            for (String unknown : List.of("0123456789abcdef", "not-a-handle", "")) {
                RawClient refused = RawClient.open(f.clientPort(), "GET", "/sub?e=c&u=B", "X-Event-Stream: " + unknown);
                assertThat(refused.status).as("X-Event-Stream '%s'", unknown).isEqualTo(409);
                refused.close();
            }
            assertThat(f.origin.subscribes()).as("a refused attach never reaches the origin").hasSize(2);

            attach.close();
            connection.close();
            assertThat(f.awaitUnsubscribes(2)).extracting(Received::token)
                    .as("both subscriptions of the connection end").containsExactlyInAnyOrder(tokenA, tokenB);
            f.assertQuiet(WAIT);
        }
    }

    /** A handle is random: whatever its digits, the one a connection announces is the one it is found by. */
    @Test
    void everyAnnouncedStreamHandleCanBeAttachedTo() throws Exception {
        int connections = 64;
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("stream", "sse", "1s", ""))) {
            List<RawClient> clients = new ArrayList<>();
            List<String> refused = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                RawClient c = RawClient.open(f.clientPort(), "GET", "/sub?e=a&u=U" + i);
                clients.add(c);
                String handle = event(c).data();
                RawClient attach = RawClient.open(f.clientPort(), "GET", "/sub?e=b&u=U" + i, "X-Event-Stream: " + handle);
                if (attach.status != 200) {
                    refused.add(handle);
                }
                attach.close();
            }
            assertThat(refused).as("announced handles refused with 409").isEmpty();

            for (RawClient c : clients) {
                c.close();
            }
            assertThat(f.awaitUnsubscribes(2 * connections)).hasSize(2 * connections);
            f.assertQuiet(WAIT);
        }
    }

    private static String tokenOf(List<Received> subscribes, String event, String user) {
        return subscribes.stream().filter(r -> r.eventId().equals(event) && r.user().equals(user)).findFirst().orElseThrow().token();
    }
}
