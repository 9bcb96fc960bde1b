package io.surrogate.server;

import static io.surrogate.server.EdgeFixture.eventually;
import static io.surrogate.server.HeldClients.WAIT;
import static io.surrogate.server.HeldClients.bytes;
import static io.surrogate.server.HeldClients.event;
import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.server.origin.Delivery;
import io.surrogate.server.origin.Received;
import io.surrogate.server.origin.SampleOrigin;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * DESIGN §5 "Reconnect": a client that comes back with its {@code Last-Event-ID} within a
 * heartbeat resumes its subscription without a new origin round trip and gets what it missed
 * from the bounded replay buffer; an id that is not its own gets it a fresh subscription.
 * Every reconnection here happens at once, well within the 1 s heartbeat.
 */
class ResumeTest {
    private static final String SUBSCRIBE = SampleOrigin.SUBSCRIBE_PATH;
    private static final String UNSUBSCRIBE = SampleOrigin.UNSUBSCRIBE_PATH;

    @Test
    void anSseClientThatReconnectsWithItsLastEventIdGetsWhatItMissedInOrderWithoutTheOrigin() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("repeatable", "sse", "1s", ""))) {
            RawClient client = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            String token = f.origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
            assertThat(f.origin.deliver(token, "2", "B", bytes("one")).status()).isEqualTo(200);
            RawClient.Event one = event(client);
            assertThat(one.data()).isEqualTo("one");
            String handle = one.id().substring(0, 16);

            client.close();
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 0)).isTrue();
            for (String away : List.of("two", "three")) {
                Delivery d = f.origin.deliver(token, "2", "B", bytes(away));
                assertThat(d.status()).as("the subscriber is between connections").isEqualTo(202);
                assertThat(d.word()).isEqualTo("queued");
            }
            RawClient back = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B", "Last-Event-ID: " + one.id());

            assertThat(back.status).isEqualTo(200);
            assertThat(HeldClients.preambleId(back)).as("it goes on from where it was").isEqualTo(one.id());
            RawClient.Event two = event(back);
            RawClient.Event three = event(back);
            assertThat(List.of(two.id(), two.data(), three.id(), three.data()))
                    .containsExactly(handle + "-2", "two", handle + "-3", "three");
            assertThat(f.origin.subscribes()).as("no new /subscribe-event").hasSize(1);
            assertThat(f.origin.deliver(token, "2", "B", bytes("four")).status()).isEqualTo(200);
            assertThat(event(back).id()).isEqualTo(handle + "-4");

            back.close();
            assertThat(f.awaitUnsubscribes(1)).extracting(Received::token).containsExactly(token);
            // too late: the subscription ended, so the same id now gets a new one
            RawClient late = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B", "Last-Event-ID: " + handle + "-4");
            assertThat(late.status).isEqualTo(200);
            assertThat(HeldClients.preambleId(late)).doesNotStartWith(handle).endsWith("-0");
            List<Received> subscribes = f.origin.awaitReceived(SUBSCRIBE, 2, WAIT);
            assertThat(subscribes).hasSize(2);
            assertThat(subscribes.get(1).token()).isNotEqualTo(token);
            late.close();
            f.awaitUnsubscribes(2);
            f.assertQuiet(WAIT);
        }
    }

    @Test
    void anUnknownOrMalformedLastEventIdFallsBackToANormalSubscription() throws Exception {
        List<String> ids = List.of("0123456789abcdef-3", "0123456789abcdef-x", "0123456789abcdeg-1", "0123456789abcdef",
                "garbage", "-1", "0123456789abcdef-99999999999999999999999999", "");
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("repeatable", "sse", "1s", ""))) {
            List<RawClient> clients = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                String user = "U" + i;
                RawClient c = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=" + user, "Last-Event-ID: " + ids.get(i));
                clients.add(c);
                assertThat(c.status).as("Last-Event-ID '%s'", ids.get(i)).isEqualTo(200);
                assertThat(HeldClients.preambleId(c)).as("a new subscription for '%s'", ids.get(i)).matches("[0-9a-f]{16}-0")
                        .isNotEqualTo(ids.get(i));
                List<Received> subscribes = f.origin.awaitReceived(SUBSCRIBE, i + 1, WAIT);
                assertThat(subscribes).as("the origin asked for '%s'", ids.get(i)).hasSize(i + 1);
                assertThat(subscribes.get(i).user()).isEqualTo(user);
            }
            for (RawClient c : clients) {
                c.close();
            }
            assertThat(f.awaitUnsubscribes(ids.size())).hasSize(ids.size());
            f.assertQuiet(WAIT);
        }
    }

    @Test
    void theLastEventIdOfAnotherUsersSubscriptionDoesNotResumeIt() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("repeatable", "sse", "1s", ""))) {
            RawClient alice = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=A");
            String aliceToken = f.origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
            assertThat(f.origin.deliver(aliceToken, "2", "A", bytes("for A")).status()).isEqualTo(200);
            String aliceId = event(alice).id();
            alice.close();
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 0)).isTrue();
            assertThat(f.origin.deliver(aliceToken, "2", "A", bytes("private to A")).status()).isEqualTo(202);

            RawClient bob = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B", "Last-Event-ID: " + aliceId);

            assertThat(bob.status).isEqualTo(200);
            assertThat(HeldClients.preambleId(bob)).doesNotStartWith(aliceId.substring(0, 16));
            List<Received> subscribes = f.origin.awaitReceived(SUBSCRIBE, 2, WAIT);
            assertThat(subscribes).as("Bob is subscribed at the origin as himself").hasSize(2);
            assertThat(subscribes.get(1).user()).isEqualTo("B");
            String bobToken = subscribes.get(1).token();
            assertThat(f.origin.deliver(bobToken, "2", "B", bytes("for B")).status()).isEqualTo(200);
            RawClient.Event first = event(bob);
            assertThat(first.data()).as("the first event Bob sees is his own, not Alice's queued one").isEqualTo("for B");
            assertThat(first.id()).endsWith("-1");
            // Alice's subscription waits for Alice, who does not come back
            assertThat(f.awaitUnsubscribes(1)).extracting(Received::token).containsExactly(aliceToken);

            bob.close();
            assertThat(f.awaitUnsubscribes(2)).extracting(Received::token).containsExactly(aliceToken, bobToken);
            f.assertQuiet(WAIT);
        }
    }

    @Test
    void theReplayBufferKeepsOnlyTheLastEvents() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("repeatable", "sse", "1s", "<replay-buffer>2</replay-buffer>"))) {
            RawClient client = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            String start = HeldClients.preambleId(client);
            String handle = start.substring(0, 16);
            String token = f.origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
            client.close();
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 0)).isTrue();
            for (String away : List.of("1", "2", "3")) {
                assertThat(f.origin.deliver(token, "2", "B", bytes(away)).status()).isEqualTo(202);
            }

            RawClient back = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B", "Last-Event-ID: " + start);

            assertThat(back.status).isEqualTo(200);
            RawClient.Event a = event(back);
            RawClient.Event b = event(back);
            assertThat(List.of(a.id(), a.data(), b.id(), b.data())).as("the last two; the first fell out of the buffer")
                    .containsExactly(handle + "-2", "2", handle + "-3", "3");
            assertThat(f.origin.deliver(token, "2", "B", bytes("4")).status()).isEqualTo(200);
            assertThat(event(back).id()).as("nothing else was replayed").isEqualTo(handle + "-4");
            assertThat(f.origin.subscribes()).hasSize(1);
            back.close();
            f.awaitUnsubscribes(1);
            f.assertQuiet(WAIT);
        }
    }

    /** docs/protocol.md: a one-shot token that got {@code 202 queued} is spent; its client gets that event when it comes back. */
    @Test
    void aOneShotTokenThatGotQueuedIsSpent() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("one-shot", "sse", "1s", ""))) {
            RawClient client = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            String start = HeldClients.preambleId(client);
            String token = f.origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
            client.close();
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 0)).isTrue();

            assertThat(f.origin.deliver(token, "2", "B", bytes("first")).status()).isEqualTo(202);
            var second = f.origin.deliver(token, "2", "B", bytes("second"));

            assertThat(second.status()).as("spent: the second delivery is refused, not queued to be lost").isEqualTo(404);
            assertThat(second.word()).isEqualTo("no-subscriber");
            RawClient back = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B", "Last-Event-ID: " + start);
            RawClient.Event got = event(back);
            assertThat(got.data()).isEqualTo("first");
            assertThat(back.awaitEnd(WAIT)).as("one-shot: the response ends with its event").isTrue();
            back.close();
            assertThat(f.origin.subscribes()).hasSize(1);
        }
    }

    /** Long-polls as a browser's XHR makes them: one keep-alive connection, a request after each answer. */
    @Test
    void aLongPollThatTimesOutGets204AndItsIdAndPollingAgainWithItResumesWithoutTheOrigin() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("repeatable", "long-poll", "1s", ""));
                Poller poller = new Poller(f.clientPort())) {
            CompletableFuture<Poller.Answer> first = CompletableFuture.supplyAsync(() -> poller.pollUnchecked("/sub?e=2&u=B"));
            String token = f.origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 1)).isTrue();
            f.advance(Duration.ofSeconds(1));
            Poller.Answer timedOut = first.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(timedOut.status()).as("no event within the heartbeat").isEqualTo(204);
            String start = timedOut.header("Last-Event-ID");
            assertThat(start).matches("[0-9a-f]{16}-0");
            String handle = start.substring(0, 16);

            assertThat(f.origin.deliver(token, "2", "B", bytes("while away")).status()).isEqualTo(202);
            Poller.Answer queued = poller.poll("/sub?e=2&u=B", "Last-Event-ID: " + start);
            assertThat(queued.status()).isEqualTo(200);
            assertThat(queued.body()).isEqualTo("while away");
            assertThat(queued.header("Last-Event-ID")).isEqualTo(handle + "-1");

            CompletableFuture<Poller.Answer> parked = CompletableFuture.supplyAsync(() -> poller.pollUnchecked("/sub?e=2&u=B",
                    "Last-Event-ID: " + handle + "-1"));
            assertThat(eventually(WAIT, () -> f.edge.heldConnections() == 1)).isTrue();
            assertThat(f.origin.deliver(token, "2", "B", bytes("next")).status()).isEqualTo(200);
            Poller.Answer next = parked.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.body()).isEqualTo("next");
            assertThat(next.header("Last-Event-ID")).isEqualTo(handle + "-2");
            assertThat(f.origin.subscribes()).as("every poll after the first resumed without the origin").hasSize(1);

            // it does not poll again
            assertThat(f.awaitUnsubscribes(1)).extracting(Received::token).containsExactly(token);
            poller.close();
            f.assertQuiet(WAIT);
        }
    }

    /** Sequential requests on one keep-alive connection; each answer read whole (Content-Length or none). */
    private static final class Poller implements AutoCloseable {
        record Answer(int status, Map<String, String> headers, String body) {
            String header(String name) {
                return headers.get(name.toLowerCase(Locale.ROOT));
            }
        }

        private final Socket socket = new Socket();
        private final int port;
        private final InputStream in;

        Poller(int port) throws IOException {
            this.port = port;
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout((int) WAIT.toMillis());
            in = socket.getInputStream();
        }

        Answer pollUnchecked(String path, String... headers) {
            try {
                return poll(path, headers);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        Answer poll(String path, String... headers) throws IOException {
            StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n");
            for (String h : headers) {
                req.append(h).append("\r\n");
            }
            socket.getOutputStream().write(req.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            String status = line();
            if (status == null) {
                throw new IOException("the edge closed the connection");
            }
            Map<String, String> fields = new LinkedHashMap<>();
            String l;
            while ((l = line()) != null && !l.isEmpty()) {
                int colon = l.indexOf(':');
                fields.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
            }
            String length = fields.get("content-length");
            byte[] body = length == null ? new byte[0] : in.readNBytes(Integer.parseInt(length));
            return new Answer(Integer.parseInt(status.split(" ")[1]), fields, new String(body, StandardCharsets.UTF_8));
        }

        private String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                b.write(c);
            }
            if (c == -1 && b.size() == 0) {
                return null;
            }
            String s = b.toString(StandardCharsets.US_ASCII);
            return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
