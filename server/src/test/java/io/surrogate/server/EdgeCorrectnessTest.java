package io.surrogate.server;

import static io.surrogate.server.EdgeFixture.eventually;
import static io.surrogate.server.HeldClients.WAIT;
import static io.surrogate.server.HeldClients.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.OriginRequest;
import io.surrogate.server.origin.Answer;
import io.surrogate.server.origin.Delivery;
import io.surrogate.server.origin.Received;
import io.surrogate.server.origin.SampleOrigin;
import io.surrogate.server.subscribe.OriginAnswer;
import io.surrogate.server.subscribe.OriginCalls;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the edge does when its own code or its origin misbehaves, and the bounds it keeps:
 * exchanges always ended, counters never leaked, detached subscriptions within the replay
 * budget, one unsubscribe notice per subscription at stop, the origin's own {@code Host}.
 */
class EdgeCorrectnessTest {
    private static final String SUBSCRIBE = SampleOrigin.SUBSCRIBE_PATH;
    private static final String UNSUBSCRIBE = SampleOrigin.UNSUBSCRIBE_PATH;
    private static final String RULES = EdgeFixture.rule("repeatable", "sse", "1s", "");

    /** The edge's origin calls, with {@code send} to {@code path} replaced. */
    private static UnaryOperator<OriginCalls> replacing(String path, Sender sender) {
        return real -> new OriginCalls() {
            @Override
            public Optional<URI> target(OriginRequest request) {
                return real.target(request);
            }

            @Override
            public CompletableFuture<OriginAnswer> send(URI uri, OriginRequest request, Supplier<OriginRequest> resign,
                    Duration timeout) {
                return uri.getPath().equals(path) ? sender.send(real, uri, request, timeout) : real.send(uri, request, resign, timeout);
            }
        };
    }

    private interface Sender {
        CompletableFuture<OriginAnswer> send(OriginCalls real, URI uri, OriginRequest request, Duration timeout);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"the handling of the answer throws", "the call fails", "sending throws"})
    void aSubscribeThatFailsInsideTheEdgeEndsTheClientsExchange(String how) throws Exception {
        Sender failing = (real, uri, request, timeout) -> switch (how) {
            // a null answer makes the code after the origin's answer throw
            case "the handling of the answer throws" -> real.send(uri, request, timeout).thenApply(a -> null);
            case "the call fails" -> CompletableFuture.failedFuture(new IllegalStateException("injected"));
            default -> throw new IllegalStateException("injected");
        };
        try (EdgeFixture f = EdgeFixture.start(RULES, c -> c, replacing(SUBSCRIBE, failing))) {
            HttpResponse<String> answer = f.get(f.client("/sub?e=2&u=B"), "Accept", "text/event-stream");

            assertThat(answer.statusCode()).as("the client gets an answer, not a hang: for an EventSource, one it retries")
                    .isEqualTo(200);
            assertThat(answer.body()).contains("event: error\ndata: {\"status\":500,\"reason\":\"edge-error\"");
            assertThat(HeldClients.counter(f, "surrogate_subscribe_total", "outcome", "edge-error")).isEqualTo(1);
            // and the fixture's close finds no subscription, timer or origin request left
        }
    }

    @Test
    void anUnsubscribeRetryThatThrowsLeaksNothing() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        Sender secondThrows = (real, uri, request, timeout) -> {
            if (attempts.incrementAndGet() >= 2) {
                throw new IllegalStateException("injected");
            }
            return real.send(uri, request, timeout);
        };
        try (EdgeFixture f = EdgeFixture.start(RULES, c -> c, replacing(UNSUBSCRIBE, secondThrows))) {
            f.origin.setUnsubscribeAnswer(r -> Answer.text(503, "down"));
            RawClient client = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            f.origin.awaitReceived(SUBSCRIBE, 1, WAIT);
            client.close();

            assertThat(f.runUntil(WAIT, () -> attempts.get() >= 2)).as("the retry ran").isTrue();

            assertThat(eventually(WAIT, () -> f.edge.pendingTimers() == 0)).as("the notice is no longer counted").isTrue();
            assertThat(f.origin.unsubscribes()).hasSize(1);
            assertThat(HeldClients.counter(f, "surrogate_unsubscribe_total", "result", "given-up")).isEqualTo(1);
        }
    }

    @Test
    void detachedSubscriptionsKeepTheirEventsWithinTheEdgesReplayBudget() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(RULES, c -> c.withReplayBudget(100))) {
            RawClient b = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            String tokenB = f.origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
            RawClient c = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=C");
            String tokenC = f.origin.awaitReceived(SUBSCRIBE, 2, WAIT).get(1).token();
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 2)).isTrue();
            b.close();
            c.close();
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 0)).isTrue();

            assertThat(f.origin.deliver(tokenB, "2", "B", new byte[60]).word()).as("60 of 100 bytes").isEqualTo("queued");
            Delivery over = f.origin.deliver(tokenC, "2", "C", new byte[60]);

            assertThat(over.status()).as("C's event does not fit: C's subscription ends").isEqualTo(404);
            assertThat(over.word()).isEqualTo("no-subscriber");
            List<Received> gone = f.awaitUnsubscribes(1);
            assertThat(gone).extracting(Received::token).containsExactly(tokenC);
            assertThat(HeldClients.counter(f, "surrogate_disconnects_total", "reason", "replay-budget")).isEqualTo(1);
            assertThat(f.origin.deliver(tokenB, "2", "B", new byte[40]).word()).as("B still fits").isEqualTo("queued");
            assertThat(f.awaitUnsubscribes(2)).extracting(Received::token).containsExactly(tokenC, tokenB);
        }
    }

    @Test
    void theBudgetIsGivenBackWhenTheClientTakesItsEvents() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(RULES, c -> c.withReplayBudget(100))) {
            RawClient b = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            String start = HeldClients.preambleId(b);
            String token = f.origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
            b.close();
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 0)).isTrue();
            assertThat(f.origin.deliver(token, "2", "B", new byte[60]).word()).isEqualTo("queued");

            RawClient back = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B", "Last-Event-ID: " + start);
            assertThat(back.nextEvent(WAIT).id()).endsWith("-1");
            back.close();
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 0)).isTrue();

            assertThat(f.origin.deliver(token, "2", "B", new byte[60]).word()).as("the first 60 bytes were given back").isEqualTo("queued");
            f.awaitUnsubscribes(1);
        }
    }

    @Test
    void atStopTheOriginHearsOnceOfEachSubscriptionWithoutRetries() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(RULES)) {
            f.origin.setUnsubscribeAnswer(r -> Answer.text(503, "down"));
            List<RawClient> clients = List.of(RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=A"),
                    RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B"), RawClient.open(f.clientPort(), "GET", "/sub?e=3&u=B"));
            f.origin.awaitReceived(SUBSCRIBE, 3, WAIT);
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 3)).isTrue();

            f.edge.close();

            assertThat(f.origin.unsubscribes()).as("one notice per subscription, answered 503").hasSize(3);
            assertThat(f.scheduler.untilNext()).as("no retry waits").isNull();
            f.advance(Duration.ofSeconds(30));
            assertThat(f.origin.unsubscribes()).as("and none came later").hasSize(3);
            assertThat(HeldClients.counter(f, "surrogate_unsubscribe_total", "result", "given-up")).isEqualTo(3);
            for (RawClient c : clients) {
                assertThat(c.awaitEnd(WAIT)).isTrue();
                c.close();
            }
        }
    }

    @Test
    void theOriginReceivesItsOwnHostNotTheClients() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(RULES)) {
            RawClient client = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            Received subscribe = f.origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0);
            client.close();
            Received unsubscribe = f.awaitUnsubscribes(1).get(0);

            String originHost = f.origin.baseUri().getRawAuthority();
            assertThat(subscribe.headers().get("Host")).as("virtual hosting at the origin sees its own name").containsExactly(originHost);
            assertThat(unsubscribe.headers().get("Host")).containsExactly(originHost);
            assertThat(originHost).isNotEqualTo("127.0.0.1:" + f.clientPort());
        }
    }
}
