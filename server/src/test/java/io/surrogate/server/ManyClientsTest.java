package io.surrogate.server;

import static io.surrogate.server.EdgeFixture.eventually;
import static io.surrogate.server.HeldClients.WAIT;
import static io.surrogate.server.HeldClients.bytes;
import static io.surrogate.server.HeldClients.counter;
import static io.surrogate.server.HeldClients.event;
import static io.surrogate.server.HeldClients.preambleId;
import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.server.origin.Answer;
import io.surrogate.server.origin.Delivery;
import io.surrogate.server.origin.Received;
import io.surrogate.server.origin.SampleOrigin;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * DESIGN §5 and issue 10: several clients of one user and event (two tabs, a phone and a
 * laptop) share one subscription at the origin, all receive every event, and nothing evicts
 * anything; the subscription is unsubscribed once, one heartbeat after its last client left; a
 * client that comes back with its {@code Last-Event-ID} is the same client, not a second; a
 * rule's {@code <max-clients>} caps them. The edge's time is the fixture's manual clock.
 */
class ManyClientsTest {
    private static final String SUBSCRIBE = SampleOrigin.SUBSCRIBE_PATH;

    @Test
    void twoSseClientsOfOneUserShareOneOriginSubscriptionAndBothReceiveEveryEvent() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("repeatable", "sse", "1s", ""))) {
            RawClient tab = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            String token = f.origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
            String tabHandle = preambleId(tab).substring(0, 16);
            RawClient phone = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            RawClient otherUser = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=C");
            f.origin.awaitReceived(SUBSCRIBE, 2, WAIT);

            assertThat(phone.status).isEqualTo(200);
            String phoneHandle = preambleId(phone).substring(0, 16);
            assertThat(phoneHandle).as("each client has its own handle").isNotEqualTo(tabHandle);
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 3)).isTrue();
            assertThat(f.origin.subscribes()).extracting(Received::user).as("one /subscribe-event per user and event")
                    .containsExactly("B", "C");
            assertThat(counter(f, "surrogate_subscribe_total", "outcome", "joined")).isEqualTo(1);

            Delivery unicast = f.origin.deliver(token, "2", "B", bytes("one"));
            assertThat(unicast.body()).as("one subscription, however many clients").isEqualTo("delivered\n1\n");
            RawClient.Event atTab = event(tab);
            RawClient.Event atPhone = event(phone);
            assertThat(List.of(atTab.data(), atPhone.data())).containsExactly("one", "one");
            assertThat(List.of(atTab.id(), atPhone.id())).as("the sequence is the subscription's, shared")
                    .containsExactly(tabHandle + "-1", phoneHandle + "-1");

            Delivery fan = f.origin.fanOut("2", bytes("to everyone of 2"));
            assertThat(fan.body()).isEqualTo("delivered\n2\n");
            assertThat(f.origin.deliver(token, "2", "B", bytes("three")).status()).isEqualTo(200);
            for (RawClient c : List.of(tab, phone)) {
                assertThat(event(c).data()).isEqualTo("to everyone of 2");
                assertThat(event(c).data()).as("the fan-out came once").isEqualTo("three");
            }
            assertThat(event(otherUser).data()).isEqualTo("to everyone of 2");

            // the first leaving keeps the second, past any wait for its return
            tab.close();
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 2)).isTrue();
            f.advance(Duration.ofSeconds(3));
            assertThat(f.edge.subscriptions()).isEqualTo(2);
            assertThat(f.origin.deliver(token, "2", "B", bytes("four")).status()).isEqualTo(200);
            assertThat(event(phone).id()).isEqualTo(phoneHandle + "-4");

            // the last leaving: one heartbeat to come back, then the origin is told once
            otherUser.close();
            f.awaitUnsubscribes(1);
            phone.close();
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 0)).isTrue();
            f.advance(Duration.ofMillis(999));
            assertThat(f.edge.subscriptions()).as("the phone still has its time to come back").isEqualTo(1);
            f.advance(Duration.ofMillis(1));
            assertThat(f.awaitUnsubscribes(2)).extracting(Received::token).contains(token);
            f.assertQuiet(WAIT);
            assertThat(f.origin.unsubscribes()).extracting(Received::token).as("told once").containsOnlyOnce(token).hasSize(2);
        }
    }

    /**
     * The seed's case: a client whose connection broke reconnects with its Last-Event-ID while
     * the edge still holds its old response. It takes its own place (the old response is
     * closed) and counts once against the cap.
     */
    @Test
    void aClientThatReconnectsWithItsLastEventIdIsTheSameClientNotASecond() throws Exception {
        // answered with plain statuses here (the cap, not the answer, is under test; the next test has the event stream)
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("repeatable", "sse", "1s",
                "<max-clients>2</max-clients><transient-failure answer=\"status\"/>"))) {
            RawClient laptop = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            String token = f.origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
            RawClient tab = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            assertThat(tab.status).isEqualTo(200);
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 2)).isTrue();
            f.origin.deliver(token, "2", "B", bytes("one"));
            String laptopId = event(laptop).id();
            assertThat(event(tab).data()).isEqualTo("one");
            f.origin.deliver(token, "2", "B", bytes("two"));

            // the laptop's network changed: its old connection is still held when it comes back
            RawClient back = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B", "Last-Event-ID: " + laptopId);

            assertThat(back.status).as("not over the cap of 2: it is the laptop again").isEqualTo(200);
            RawClient.Event missed = event(back);
            assertThat(List.of(missed.id(), missed.data())).containsExactly(laptopId.substring(0, 17) + "2", "two");
            assertThat(laptop.awaitEnd(WAIT)).as("its old response is replaced").isTrue();
            assertThat(event(tab).data()).isEqualTo("two");
            RawClient third = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            assertThat(third.status).as("two clients, not three").isEqualTo(429);
            third.close();

            // a client that left keeps its place for one heartbeat, and gets it back with its id
            tab.close();
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 1)).isTrue();
            f.origin.deliver(token, "2", "B", bytes("three"));
            assertThat(event(back).id()).isEqualTo(laptopId.substring(0, 17) + "3");
            RawClient stranger = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            assertThat(stranger.status).as("the tab's place is kept while it may come back").isEqualTo(429);
            stranger.close();
            assertThat(f.origin.subscribes()).as("no client asked the origin again").hasSize(1);

            laptop.close();
            back.close();
            f.awaitUnsubscribes(1);
            f.assertQuiet(WAIT);
            assertThat(f.origin.unsubscribes()).extracting(Received::token).containsExactly(token);
        }
    }

    @Test
    void aClientOverTheRulesCapIsToldToComeBackAfterAHeartbeatAndTheOthersKeepReceiving() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("repeatable", "sse", "5s", "<max-clients>2</max-clients>"))) {
            RawClient a = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            String token = f.origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
            RawClient b = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            assertThat(b.status).isEqualTo(200);

            RawClient c = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");

            // transient (a client that leaves frees a place): an EventSource is told when to come back, not stopped
            assertThat(c.status).isEqualTo(200);
            String retry = c.nextLine(WAIT);
            assertThat(retry).startsWith("retry: ");
            assertThat(Long.parseLong(retry.substring(7))).as("one heartbeat or up to twice that, drawn").isBetween(5_000L, 10_000L);
            assertThat(c.nextLine(WAIT)).isEqualTo("event: error");
            assertThat(c.nextLine(WAIT)).startsWith("data: ").contains("\"status\":429", "\"reason\":\"over-cap\"",
                    "too many clients of this user wait for this event on this edge (max-clients 2)");
            assertThat(counter(f, "surrogate_subscribe_total", "outcome", "over-cap")).isEqualTo(1);
            RawClient otherUser = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=C");
            assertThat(otherUser.status).as("the cap is per user").isEqualTo(200);
            assertThat(f.origin.deliver(token, "2", "B", bytes("still here")).status()).isEqualTo(200);
            assertThat(event(a).data()).isEqualTo("still here");
            assertThat(event(b).data()).isEqualTo("still here");
            assertThat(f.origin.subscribes()).hasSize(2);

            for (RawClient r : List.of(a, b, c, otherUser)) {
                r.close();
            }
            f.awaitUnsubscribes(2);
            f.assertQuiet(WAIT);
        }
    }

    /** Long-poll: each client parks its own poll, answered by each event, and comes back with its own id. */
    @Test
    void twoLongPollClientsOfOneUserEachGetEveryEvent() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("repeatable", "long-poll", "1s", ""))) {
            CompletableFuture<RawClient> first = HeldClients.openLater(f.clientPort(), "/sub?e=2&u=B");
            String token = f.origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 1)).isTrue();
            CompletableFuture<RawClient> second = HeldClients.openLater(f.clientPort(), "/sub?e=2&u=B");
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 2)).isTrue();

            assertThat(f.origin.deliver(token, "2", "B", bytes("one")).body()).isEqualTo("delivered\n1\n");

            RawClient a = first.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            RawClient b = second.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(List.of(a.status, b.status)).containsExactly(200, 200);
            assertThat(List.of(a.nextLine(WAIT), b.nextLine(WAIT))).containsExactly("one", "one");
            String aId = a.header("Last-Event-ID");
            String bId = b.header("Last-Event-ID");
            assertThat(aId).endsWith("-1");
            assertThat(bId).endsWith("-1").isNotEqualTo(aId);
            a.close();
            b.close();

            // between polls: the event waits for each of them
            assertThat(f.origin.deliver(token, "2", "B", bytes("two")).status()).isEqualTo(202);
            RawClient a2 = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B", "Last-Event-ID: " + aId);
            RawClient b2 = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B", "Last-Event-ID: " + bId);
            assertThat(List.of(a2.status, b2.status)).containsExactly(200, 200);
            assertThat(List.of(a2.nextLine(WAIT), b2.nextLine(WAIT))).containsExactly("two", "two");
            assertThat(a2.header("Last-Event-ID")).isEqualTo(aId.substring(0, 17) + "2");
            assertThat(b2.header("Last-Event-ID")).isEqualTo(bId.substring(0, 17) + "2");
            assertThat(f.origin.subscribes()).as("every poll after the first client's resumed or joined").hasSize(1);
            a2.close();
            b2.close();

            assertThat(f.awaitUnsubscribes(1)).extracting(Received::token).containsExactly(token);
            f.assertQuiet(WAIT);
        }
    }

    /** One-shot: the event goes to every client, spends the token, and the clients' next polls subscribe once again. */
    @Test
    void oneShotLongPollClientsShareTheEventAndSubscribeAgainOnce() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("one-shot", "long-poll", "1s", ""))) {
            CompletableFuture<RawClient> first = HeldClients.openLater(f.clientPort(), "/sub?e=2&u=B");
            String token = f.origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 1)).isTrue();
            CompletableFuture<RawClient> second = HeldClients.openLater(f.clientPort(), "/sub?e=2&u=B");
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 2)).isTrue();

            assertThat(f.origin.deliver(token, "2", "B", bytes("mail")).status()).isEqualTo(200);
            RawClient a = first.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            RawClient b = second.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(List.of(a.nextLine(WAIT), b.nextLine(WAIT))).containsExactly("mail", "mail");
            assertThat(f.origin.deliver(token, "2", "B", bytes("again")).word()).as("the token is spent").isEqualTo("no-subscriber");
            a.close();
            b.close();

            CompletableFuture<RawClient> third = HeldClients.openLater(f.clientPort(), "/sub?e=2&u=B", "Last-Event-ID: " + a.header("Last-Event-ID"));
            List<Received> subscribes = f.origin.awaitReceived(SUBSCRIBE, 2, WAIT);
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 1)).isTrue();
            CompletableFuture<RawClient> fourth = HeldClients.openLater(f.clientPort(), "/sub?e=2&u=B");
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 2)).isTrue();
            assertThat(f.origin.deliver(subscribes.get(1).token(), "2", "B", bytes("more mail")).status()).isEqualTo(200);
            RawClient c = third.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            RawClient d = fourth.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(List.of(c.nextLine(WAIT), d.nextLine(WAIT))).containsExactly("more mail", "more mail");
            assertThat(f.origin.subscribes()).as("one new subscription for both clients").hasSize(2);
            c.close();
            d.close();
            f.assertQuiet(WAIT);
            assertThat(f.origin.unsubscribes()).as("spent one-shot tokens are not unsubscribed").isEmpty();
        }
    }

    /** A client that comes while the origin decides waits for that same answer: the origin is asked once. */
    @ParameterizedTest(name = "the origin answers {0}")
    @ValueSource(ints = {202, 403})
    void aClientThatJoinsWhileTheOriginDecidesGetsTheSameAnswer(int status) throws Exception {
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("repeatable", "sse", "1s", ""))) {
            CountDownLatch release = new CountDownLatch(1);
            Answer answer = status == 202 ? Answer.accepted() : Answer.text(403, "no");
            f.origin.setSubscribeAnswer(r -> HeldClients.after(release, answer));
            CompletableFuture<RawClient> first = HeldClients.openLater(f.clientPort(), "/sub?e=2&u=B");
            String token = f.origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
            CompletableFuture<RawClient> second = HeldClients.openLater(f.clientPort(), "/sub?e=2&u=B");
            assertThat(eventually(WAIT, () -> HeldClients.gauge(f, "surrogate_subscription_clients") == 2))
                    .as("the second client has its place, waiting for the answer").isTrue();
            assertThat(f.origin.subscribes()).hasSize(1);

            release.countDown();
            RawClient a = first.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            RawClient b = second.get(WAIT.toSeconds(), TimeUnit.SECONDS);

            assertThat(List.of(a.status, b.status)).containsExactly(status == 202 ? 200 : 403, status == 202 ? 200 : 403);
            assertThat(f.origin.subscribes()).as("asked once").hasSize(1);
            if (status == 202) {
                assertThat(f.origin.deliver(token, "2", "B", bytes("both")).status()).isEqualTo(200);
                assertThat(event(a).data()).isEqualTo("both");
                assertThat(event(b).data()).isEqualTo("both");
                assertThat(counter(f, "surrogate_subscribe_total", "outcome", "joined")).isEqualTo(1);
            }
            a.close();
            b.close();
            if (status == 202) {
                f.awaitUnsubscribes(1);
            }
            f.assertQuiet(WAIT);
            assertThat(f.origin.unsubscribes()).hasSize(status == 202 ? 1 : 0);
        }
    }
    /** Stream type: two connections of one user, each with the same two events multiplexed, share both subscriptions. */
    @Test
    void twoStreamConnectionsOfOneUserShareTheSubscriptionsMultiplexedOnThem() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("stream", "sse", "1s", ""))) {
            RawClient laptop = RawClient.open(f.clientPort(), "GET", "/sub?e=a&u=B");
            String tokenA = f.origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
            RawClient phone = RawClient.open(f.clientPort(), "GET", "/sub?e=a&u=B");
            String laptopStream = event(laptop).data();
            String phoneStream = event(phone).data();
            assertThat(phoneStream).as("each connection is its own stream").isNotEqualTo(laptopStream);

            RawClient attachLaptop = RawClient.open(f.clientPort(), "GET", "/sub?e=b&u=B", "X-Event-Stream: " + laptopStream);
            String tokenB = f.origin.awaitReceived(SUBSCRIBE, 2, WAIT).get(1).token();
            RawClient attachPhone = RawClient.open(f.clientPort(), "GET", "/sub?e=b&u=B", "X-Event-Stream: " + phoneStream);
            RawClient again = RawClient.open(f.clientPort(), "GET", "/sub?e=b&u=B", "X-Event-Stream: " + phoneStream);

            assertThat(List.of(attachLaptop.status, attachPhone.status, again.status)).containsExactly(200, 200, 200);
            assertThat(again.nextLine(WAIT)).isEqualTo("attached");
            assertThat(f.origin.subscribes()).as("one subscription per event, shared").hasSize(2);
            assertThat(f.origin.deliver(tokenB, "b", "B", bytes("for b")).status()).isEqualTo(200);
            assertThat(f.origin.deliver(tokenA, "a", "B", bytes("for a")).status()).isEqualTo(200);
            for (RawClient c : List.of(laptop, phone)) {
                assertThat(event(c).data()).isEqualTo("for b");
                assertThat(event(c).data()).as("b came once on each connection, attached twice or not").isEqualTo("for a");
            }
            assertThat(f.edge.heldConnections()).isEqualTo(2);

            for (RawClient c : List.of(attachLaptop, attachPhone, again, laptop, phone)) {
                c.close();
            }
            assertThat(f.awaitUnsubscribes(2)).extracting(Received::token).containsExactlyInAnyOrder(tokenA, tokenB);
            f.assertQuiet(WAIT);
        }
    }
}
