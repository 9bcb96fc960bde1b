package io.surrogate.server.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.Decision;
import io.surrogate.engine.OriginRequest;
import io.undertow.Undertow;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;

/**
 * The origin client on its own: a worker of two IO threads like the edge's, a scheduler whose
 * time the test moves (no test waits for a timeout or measures one), and a plain-socket origin
 * that counts its connections and can hold its answers until the test lets them go, close after
 * each answer, end idle connections, drop a request unanswered or send a long body.
 */
class OriginClientTest {
    private XnioWorker worker;
    private ManualScheduler time;
    private OriginClient client;
    private RawOrigin origin;

    @BeforeEach
    void start() throws IOException {
        worker = Xnio.getInstance().createWorker(OptionMap.builder()
                .set(Options.WORKER_IO_THREADS, 2).set(Options.WORKER_TASK_CORE_THREADS, 1)
                .set(Options.WORKER_TASK_MAX_THREADS, 1).getMap());
        time = new ManualScheduler();
        client = client(null, OriginClient.MAX_WAITING);
        origin = new RawOrigin();
    }

    private OriginClient client(SSLContext tls, int maxWaiting) {
        OriginClient c = new OriginClient(Optional.empty(), tls, time, OriginClient.CONNECT_TIMEOUT, maxWaiting);
        c.start(worker);
        return c;
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        origin.release();
        origin.close();
        assertThat(time.pending()).as("no timer left once every request has ended").isZero();
        worker.shutdownNow();
        worker.awaitTermination(5, TimeUnit.SECONDS);
    }

    static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }

    private static OriginRequest subscribe(String... headers) {
        List<Decision.HeaderField> fields = new ArrayList<>();
        for (int i = 0; i < headers.length; i += 2) {
            fields.add(new Decision.HeaderField(headers[i], headers[i + 1]));
        }
        return new OriginRequest(Optional.empty(), "POST", "/subscribe-event", fields, "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
    }

    private CompletableFuture<OriginClient.Answer> sendLater(Duration timeout) {
        return client.send(origin.uri("/subscribe-event"), subscribe(), timeout);
    }

    private OriginClient.Answer send() throws Exception {
        return sendLater(Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
    }

    /** Every connection busy with a request the origin holds until {@link RawOrigin#release}. */
    private List<CompletableFuture<OriginClient.Answer>> occupyEveryConnection() throws Exception {
        origin.hold();
        List<CompletableFuture<OriginClient.Answer>> busy = new ArrayList<>();
        for (int i = 0; i < OriginClient.MAX_IN_FLIGHT; i++) {
            busy.add(sendLater(Duration.ofSeconds(10)));
            if (busy.size() % OriginClient.MAX_CONNECTS_PER_ORIGIN == 0) {
                // connects to one origin go a few at a time: the rest would wait in a small queue
                assertThat(eventually(() -> origin.requests.get() == busy.size())).isTrue();
            }
        }
        assertThat(eventually(() -> origin.requests.get() == OriginClient.MAX_IN_FLIGHT)).isTrue();
        return busy;
    }

    @Test
    void sendsTheHeadersTheEngineGivesWithHostAndLengthOfItsOwn() throws Exception {
        OriginRequest request = subscribe("X-Event-Token", "t1", "Host", "client.example", "Connection", "close",
                "Content-Length", "999", "X-Event-Signature", "sig");
        Thread[] completedOn = new Thread[1];
        OriginClient.Answer a = client.send(origin.uri("/subscribe-event?x=1"), request, Duration.ofSeconds(5))
                .thenApply(answer -> {
                    completedOn[0] = Thread.currentThread();
                    return answer;
                }).get(10, TimeUnit.SECONDS);
        assertThat(a.accepted()).isTrue();
        assertThat(a.failure()).isNull();
        RawOrigin.Seen seen = origin.seen.peek();
        assertThat(seen.requestLine).isEqualTo("POST /subscribe-event?x=1 HTTP/1.1");
        assertThat(seen.headers("host")).containsExactly("127.0.0.1:" + origin.port());
        assertThat(seen.headers("content-length")).containsExactly("7");
        assertThat(seen.headers("connection")).isEmpty();
        assertThat(seen.headers("x-event-token")).containsExactly("t1");
        assertThat(seen.headers("x-event-signature")).containsExactly("sig");
        assertThat(new String(seen.body, StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
        // thenApply runs on the completing thread, or here when the answer was in before it was called
        if (completedOn[0] != Thread.currentThread()) {
            assertThat(completedOn[0]).as("completed on one of the worker's IO threads, no thread of its own")
                    .isInstanceOf(XnioIoThread.class);
            assertThat(((XnioIoThread) completedOn[0]).getWorker()).isSameAs(worker);
        }
    }

    @Test
    void keepsConnectionsAliveAcrossRequests() throws Exception {
        for (int i = 0; i < 30; i++) {
            assertThat(send().status()).isEqualTo(202);
        }
        assertThat(origin.requests.get()).isEqualTo(30);
        assertThat(origin.accepted.get()).as("connections the origin saw").isEqualTo(1);
        assertThat(client.openConnections()).isEqualTo(1);
    }

    @Test
    void neverOpensMoreThanTheCapAndAnswersEveryoneQueued() throws Exception {
        List<CompletableFuture<OriginClient.Answer>> answers = occupyEveryConnection();
        for (int i = OriginClient.MAX_IN_FLIGHT; i < 200; i++) {
            answers.add(sendLater(Duration.ofSeconds(10)));
        }
        assertThat(client.openConnections()).isEqualTo(OriginClient.MAX_IN_FLIGHT);
        assertThat(client.waitingRequests()).isEqualTo(200 - OriginClient.MAX_IN_FLIGHT);
        origin.release();
        for (CompletableFuture<OriginClient.Answer> f : answers) {
            assertThat(f.get(10, TimeUnit.SECONDS).status()).isEqualTo(202);
        }
        assertThat(origin.mostOpen.get()).as("connections open at once at the origin").isEqualTo(OriginClient.MAX_IN_FLIGHT);
        assertThat(origin.accepted.get()).as("connections reused for the queued requests").isEqualTo(OriginClient.MAX_IN_FLIGHT);
        assertThat(origin.requests.get()).isEqualTo(200);
        assertThat(client.waitingRequests()).isZero();
    }

    @Test
    void anOriginThatClosesAfterEachAnswerStillAnswersEveryone() throws Exception {
        origin.closeAfterAnswer = true;
        for (int i = 0; i < 10; i++) {
            assertThat(send().status()).isEqualTo(202);
        }
        List<CompletableFuture<OriginClient.Answer>> answers = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            answers.add(sendLater(Duration.ofSeconds(10)));
        }
        for (CompletableFuture<OriginClient.Answer> f : answers) {
            assertThat(f.get(15, TimeUnit.SECONDS).status()).isEqualTo(202);
        }
        assertThat(origin.accepted.get()).isEqualTo(160);
        assertThat(origin.mostOpen.get()).isLessThanOrEqualTo(OriginClient.MAX_IN_FLIGHT);
        assertThat(eventually(() -> client.openConnections() == 0)).isTrue();
    }

    @Test
    void aRequestStillQueuedAtItsTimeoutFailsAsOneAndLeavesTheQueue() throws Exception {
        List<CompletableFuture<OriginClient.Answer>> busy = occupyEveryConnection();
        CompletableFuture<OriginClient.Answer> late = sendLater(Duration.ofMillis(300));
        assertThat(client.waitingRequests()).isEqualTo(1);
        time.advance(Duration.ofMillis(299));
        assertThat(late).isNotDone();
        time.advance(Duration.ofMillis(1));
        OriginClient.Answer a = late.get(1, TimeUnit.SECONDS);
        assertThat(a.failure()).isEqualTo(OriginClient.Failure.TIMEOUT);
        assertThat(OriginClient.describe(a)).isEqualTo("no answer in time");
        assertThat(client.waitingRequests()).as("the timed-out request left the queue").isZero();
        origin.release();
        for (CompletableFuture<OriginClient.Answer> f : busy) {
            assertThat(f.get(10, TimeUnit.SECONDS).status()).isEqualTo(202);
        }
        assertThat(send().status()).isEqualTo(202);
        assertThat(origin.requests.get()).as("the timed-out request never went out").isEqualTo(OriginClient.MAX_IN_FLIGHT + 1);
    }

    @Test
    void theQueueIsBoundedAndATimedOutWaiterLeavesItFromAnywhere() throws Exception {
        client.close();
        client = client(null, 4);
        List<CompletableFuture<OriginClient.Answer>> busy = occupyEveryConnection();
        CompletableFuture<OriginClient.Answer> first = sendLater(Duration.ofSeconds(10));
        CompletableFuture<OriginClient.Answer> shortLived = sendLater(Duration.ofSeconds(1));
        CompletableFuture<OriginClient.Answer> third = sendLater(Duration.ofSeconds(10));
        CompletableFuture<OriginClient.Answer> fourth = sendLater(Duration.ofSeconds(10));
        assertThat(client.waitingRequests()).isEqualTo(4);

        CompletableFuture<OriginClient.Answer> over = sendLater(Duration.ofSeconds(10));
        assertThat(over).as("failed at once, not after its timeout").isDone();
        assertThat(over.get().failure()).isEqualTo(OriginClient.Failure.BUSY);
        assertThat(OriginClient.describe(over.get())).isEqualTo("too many requests waiting for the origin");

        time.advance(Duration.ofSeconds(1));
        assertThat(shortLived.get(1, TimeUnit.SECONDS).failure()).isEqualTo(OriginClient.Failure.TIMEOUT);
        assertThat(client.waitingRequests()).as("the second of four left the queue").isEqualTo(3);
        CompletableFuture<OriginClient.Answer> fifth = sendLater(Duration.ofSeconds(10));
        assertThat(fifth).as("its place was free again").isNotDone();
        assertThat(client.waitingRequests()).isEqualTo(4);

        origin.release();
        for (CompletableFuture<OriginClient.Answer> f : busy) {
            assertThat(f.get(10, TimeUnit.SECONDS).status()).isEqualTo(202);
        }
        for (CompletableFuture<OriginClient.Answer> f : List.of(first, third, fourth, fifth)) {
            assertThat(f.get(10, TimeUnit.SECONDS).status()).isEqualTo(202);
        }
        assertThat(origin.requests.get()).isEqualTo(OriginClient.MAX_IN_FLIGHT + 4);
    }

    @Test
    void aSlowAnswerTimesOutAndItsConnectionIsClosed() throws Exception {
        origin.hold();
        CompletableFuture<OriginClient.Answer> slow = sendLater(Duration.ofMillis(200));
        assertThat(eventually(() -> origin.requests.get() == 1)).isTrue();
        time.advance(Duration.ofMillis(200));
        assertThat(slow.get(1, TimeUnit.SECONDS).failure()).isEqualTo(OriginClient.Failure.TIMEOUT);
        assertThat(eventually(() -> client.openConnections() == 0)).isTrue();
        origin.release();
        assertThat(eventually(() -> origin.open.get() == 0)).as("the origin saw the close").isTrue();
    }

    @Test
    void anOriginThatNeverAcceptsFailsAtTheConnectTimeoutAndFreesThePlace() throws Exception {
        try (BlackHole hole = new BlackHole()) {
            CompletableFuture<OriginClient.Answer> a = client.send(hole.uri(), subscribe(), Duration.ofSeconds(10));
            assertThat(eventually(() -> time.pending() == 2)).as("the request's timer and the connect's").isTrue();
            assertThat(client.openConnections()).isEqualTo(1);
            time.advance(OriginClient.CONNECT_TIMEOUT.minusMillis(1));
            assertThat(a).isNotDone();
            time.advance(Duration.ofMillis(1));
            OriginClient.Answer answer = a.get(5, TimeUnit.SECONDS);
            assertThat(answer.failure()).isEqualTo(OriginClient.Failure.REFUSED);
            assertThat(OriginClient.describe(answer)).isEqualTo("unreachable");
            assertThat(eventually(() -> client.openConnections() == 0)).as("its place is free for another connection").isTrue();
            assertThat(client.abandonedConnects()).isEqualTo(1);
            assertThat(send().status()).as("another origin is reached meanwhile").isEqualTo(202);
            hole.close();
        }
        assertThat(eventually(() -> client.abandonedConnects() == 0))
                .as("the abandoned socket is closed once the kernel's connect ends").isTrue();
    }

    @Test
    void aRequestTimeoutShorterThanTheConnectTimeoutEndsTheConnectAsATimeout() throws Exception {
        try (BlackHole hole = new BlackHole()) {
            CompletableFuture<OriginClient.Answer> a = client.send(hole.uri(), subscribe(), Duration.ofSeconds(1));
            assertThat(eventually(() -> time.pending() == 2)).isTrue();
            time.advance(Duration.ofSeconds(1));
            assertThat(a.get(5, TimeUnit.SECONDS).failure()).isEqualTo(OriginClient.Failure.TIMEOUT);
            assertThat(eventually(() -> client.openConnections() == 0)).as("its place is free").isTrue();
            assertThat(client.abandonedConnects()).isEqualTo(1);
            hole.close();
        }
        assertThat(eventually(() -> client.abandonedConnects() == 0)).isTrue();
    }

    @Test
    void pastTheAbandonedConnectsAConnectGivenUpKeepsItsPlaceUntilItsSocketCloses() throws Exception {
        int first = OriginClient.MAX_CONNECTS_PER_ORIGIN;
        int tries = OriginClient.MAX_ABANDONED_CONNECTS + 2;
        assertThat(first).as("this test's arithmetic").isEqualTo(OriginClient.MAX_ABANDONED_CONNECTS);
        List<CompletableFuture<OriginClient.Answer>> answers = new ArrayList<>();
        try (BlackHole hole = new BlackHole()) {
            for (int i = 0; i < tries; i++) {
                answers.add(client.send(hole.uri(), subscribe(), Duration.ofSeconds(20)));
            }
            assertThat(eventually(() -> time.pending() == tries + first)).as("every request's timer, the first ones' connects'").isTrue();
            assertThat(client.waitingRequests()).as("waiting for the origin's connects").isEqualTo(tries - first);
            time.advance(OriginClient.CONNECT_TIMEOUT);
            for (CompletableFuture<OriginClient.Answer> f : answers.subList(0, first)) {
                assertThat(f.get(5, TimeUnit.SECONDS).failure()).isEqualTo(OriginClient.Failure.REFUSED);
            }
            assertThat(client.abandonedConnects()).isEqualTo(OriginClient.MAX_ABANDONED_CONNECTS);
            for (int i = first; i < tries; i++) {
                int left = tries - i;
                assertThat(eventually(() -> time.pending() == left + 1)).as("one connect at a time to an origin that did not answer one").isTrue();
                assertThat(client.waitingRequests()).isEqualTo(left - 1);
                time.advance(OriginClient.CONNECT_TIMEOUT);
                assertThat(answers.get(i).get(5, TimeUnit.SECONDS).failure()).isEqualTo(OriginClient.Failure.REFUSED);
            }
            assertThat(client.abandonedConnects()).isEqualTo(OriginClient.MAX_ABANDONED_CONNECTS);
            assertThat(client.openConnections()).as("the places of the connects past the bound").isEqualTo(tries - first);
            hole.close();
        }
        assertThat(eventually(() -> client.abandonedConnects() == 0 && client.openConnections() == 0))
                .as("every socket closed once the kernel's connects end, every place free").isTrue();
    }

    @Test
    void anOriginWhoseConnectsHangHoldsAtMostItsShareOfThePlacesAndOthersAreReached() throws Exception {
        int calls = OriginClient.MAX_IN_FLIGHT + 16;
        int share = OriginClient.MAX_CONNECTS_PER_ORIGIN;
        List<CompletableFuture<OriginClient.Answer>> stuck = new ArrayList<>();
        try (BlackHole hole = new BlackHole()) {
            for (int i = 0; i < calls; i++) {
                stuck.add(client.send(hole.uri(), subscribe(), Duration.ofSeconds(60)));
            }
            assertThat(eventually(() -> time.pending() == calls + share)).isTrue();
            assertThat(client.openConnections()).as("connects to the hole").isEqualTo(share);
            assertThat(client.waitingRequests()).isEqualTo(calls - share);
            assertThat(send().status()).as("another origin is reached while the hole's requests wait").isEqualTo(202);

            // the first connects are given up and abandoned, their places freed; then one connect
            // at a time goes to the hole, is given up with no abandoned place left, and keeps its place
            time.advance(OriginClient.CONNECT_TIMEOUT);
            for (int i = 0; i < share; i++) {
                assertThat(stuck.get(i).get(5, TimeUnit.SECONDS).failure()).isEqualTo(OriginClient.Failure.REFUSED);
            }
            assertThat(client.abandonedConnects()).isEqualTo(OriginClient.MAX_ABANDONED_CONNECTS);
            for (int i = share; i < 2 * share; i++) {
                int left = calls - i;
                assertThat(eventually(() -> time.pending() == left + 1)).as("the hole's one connect under way").isTrue();
                time.advance(OriginClient.CONNECT_TIMEOUT);
                assertThat(stuck.get(i).get(5, TimeUnit.SECONDS).failure()).isEqualTo(OriginClient.Failure.REFUSED);
            }
            assertThat(client.openConnections()).as("the hole's kept places and the other origin's idle connection")
                    .isEqualTo(share + 1);
            assertThat(client.waitingRequests()).isEqualTo(calls - 2 * share);
            assertThat(time.pending()).as("no connect under way: the hole holds its share").isEqualTo(calls - 2 * share);

            // every other place is still the other origin's: more requests at once than the hole holds
            origin.hold();
            List<CompletableFuture<OriginClient.Answer>> others = new ArrayList<>();
            for (int i = 0; i < OriginClient.MAX_IN_FLIGHT - share; i++) {
                others.add(sendLater(Duration.ofSeconds(10)));
            }
            assertThat(eventually(() -> origin.requests.get() == 1 + OriginClient.MAX_IN_FLIGHT - share)).isTrue();
            origin.release();
            for (CompletableFuture<OriginClient.Answer> f : others) {
                assertThat(f.get(10, TimeUnit.SECONDS).status()).isEqualTo(202);
            }

            time.advance(Duration.ofSeconds(60));
            for (int i = 0; i < calls; i++) {
                assertThat(stuck.get(i).get(5, TimeUnit.SECONDS).failure())
                        .isEqualTo(i < 2 * share ? OriginClient.Failure.REFUSED : OriginClient.Failure.TIMEOUT);
            }
            assertThat(client.waitingRequests()).isZero();
            hole.close();
        }
        assertThat(eventually(() -> client.abandonedConnects() == 0 && client.openConnections() == OriginClient.MAX_IN_FLIGHT - share))
                .as("the hole's sockets closed, its places free; the other origin's connections idle").isTrue();
    }

    @Test
    void keepsTheFirst64KiBOfALongBodyAndDrainsTheRest() throws Exception {
        byte[] body = new byte[200 * 1024];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) ('a' + i % 26);
        }
        origin.status = 403;
        origin.body = body;
        OriginClient.Answer a = send();
        assertThat(a.status()).isEqualTo(403);
        assertThat(a.contentType()).isEqualTo("text/plain");
        assertThat(a.body()).isEqualTo(Arrays.copyOf(body, OriginClient.MAX_ANSWER_BODY));
        origin.body = "no".getBytes(StandardCharsets.UTF_8);
        OriginClient.Answer b = send();
        assertThat(b.body()).isEqualTo("no".getBytes(StandardCharsets.UTF_8));
        assertThat(origin.accepted.get()).as("the drained connection was kept").isEqualTo(1);
    }

    @Test
    void aBodyTooLongToDrainClosesTheConnectionButStillAnswers() throws Exception {
        origin.status = 500;
        origin.body = new byte[OriginClient.MAX_ANSWER_BODY + OriginClient.MAX_DRAINED + 256 * 1024];
        OriginClient.Answer a = send();
        assertThat(a.status()).isEqualTo(500);
        assertThat(a.body()).hasSize(OriginClient.MAX_ANSWER_BODY);
        assertThat(eventually(() -> client.openConnections() == 0)).isTrue();
    }

    @Test
    void aConnectionTheOriginClosedWhileIdleIsNotUsed() throws Exception {
        origin.idleMillis = 100;
        assertThat(send().status()).isEqualTo(202);
        assertThat(eventually(() -> client.openConnections() == 0)).as("the close was seen while idle").isTrue();
        assertThat(send().status()).isEqualTo(202);
        assertThat(origin.accepted.get()).isEqualTo(2);
        assertThat(origin.requests.get()).isEqualTo(2);
    }

    @Test
    void aReusedConnectionClosedBeforeAnyAnswerIsRetriedOnceOnANewOne() throws Exception {
        assertThat(send().status()).isEqualTo(202);
        origin.dropNextRequests.set(1); // reads the next request and closes without a word: the keep-alive race
        assertThat(send().status()).isEqualTo(202);
        assertThat(origin.accepted.get()).isEqualTo(2);
        assertThat(origin.requests.get()).isEqualTo(3);
    }

    @Test
    void theResendIsSignedAgainWhenTheCallerCanSign() throws Exception {
        assertThat(send().status()).isEqualTo(202);
        origin.dropNextRequests.set(1);
        AtomicInteger signed = new AtomicInteger(1);
        OriginClient.Answer a = client.send(origin.uri("/subscribe-event"), subscribe("X-Event-Signature", "n=first"),
                () -> subscribe("X-Event-Signature", "n=again-" + signed.incrementAndGet()), Duration.ofSeconds(5))
                .get(10, TimeUnit.SECONDS);
        assertThat(a.status()).isEqualTo(202);
        assertThat(signed.get()).as("signed once more, for the one resend").isEqualTo(2);
        List<String> signatures = origin.seen.stream().skip(1).flatMap(s -> s.headers("x-event-signature").stream()).toList();
        assertThat(signatures).containsExactly("n=first", "n=again-2");
    }

    @Test
    void aResendThatCannotBeSignedFailsWithoutGoingOut() throws Exception {
        assertThat(send().status()).isEqualTo(202);
        origin.dropNextRequests.set(1);
        OriginClient.Answer a = client.send(origin.uri("/subscribe-event"), subscribe(),
                () -> subscribe("X-Bad", "a\r\nInjected: yes"), Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
        assertThat(a.failure()).isEqualTo(OriginClient.Failure.REFUSED);
        assertThat(origin.requests.get()).isEqualTo(2);
    }

    @Test
    void aNewConnectionClosedBeforeAnyAnswerIsNotRetried() throws Exception {
        origin.dropNextRequests.set(1);
        OriginClient.Answer a = send();
        assertThat(a.failure()).isEqualTo(OriginClient.Failure.REFUSED);
        assertThat(origin.requests.get()).isEqualTo(1);
        assertThat(send().status()).isEqualTo(202);
        origin.dropNextRequests.set(2); // a reused connection dropped, then its retry dropped too: one retry only
        OriginClient.Answer c = send();
        assertThat(c.failure()).isEqualTo(OriginClient.Failure.REFUSED);
        assertThat(origin.requests.get()).isEqualTo(4);
    }

    @Test
    void anOriginThatIsDownIsRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        OriginClient.Answer a = client.send(URI.create("http://127.0.0.1:" + port + "/subscribe-event"), subscribe(),
                Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS);
        assertThat(a.failure()).isEqualTo(OriginClient.Failure.REFUSED);
        assertThat(OriginClient.describe(a)).isEqualTo("unreachable");
        assertThat(client.openConnections()).isZero();
    }

    @Test
    void anOriginByNameIsResolvedAndReached() throws Exception {
        OriginClient.Answer a = client.send(URI.create("http://localhost:" + origin.port() + "/subscribe-event"), subscribe(),
                Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
        assertThat(a.status()).isEqualTo(202);
        assertThat(origin.seen.peek().headers("host")).containsExactly("localhost:" + origin.port());
    }

    @Test
    void reachesAnHttpsOriginItTrusts(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("origin.p12");
        char[] password = "secret".toCharArray();
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "origin", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", "secret", "-keypass", "secret")
                .redirectErrorStream(true).start();
        keytool.getInputStream().transferTo(OutputStream.nullOutputStream());
        assertThat(keytool.waitFor()).isZero();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, password);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password);
        SSLContext serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(keys);
        SSLContext clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, tmf.getTrustManagers(), null);
        Undertow tlsOrigin = Undertow.builder().setIoThreads(1).setWorkerThreads(1)
                .addHttpsListener(0, "127.0.0.1", serverTls)
                .setHandler(ex -> {
                    ex.setStatusCode(202);
                    ex.getResponseSender().send(ex.getRequestHeaders().getFirst("Host"));
                }).build();
        tlsOrigin.start();
        OriginClient trusting = client(clientTls, OriginClient.MAX_WAITING);
        try {
            int port = ((InetSocketAddress) tlsOrigin.getListenerInfo().get(0).getAddress()).getPort();
            URI uri = URI.create("https://127.0.0.1:" + port + "/subscribe-event");
            for (int i = 0; i < 3; i++) {
                OriginClient.Answer a = trusting.send(uri, subscribe(), Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
                assertThat(a.status()).isEqualTo(202);
                assertThat(new String(a.body(), StandardCharsets.UTF_8)).isEqualTo("127.0.0.1:" + port);
            }
            assertThat(trusting.openConnections()).isEqualTo(1);
            OriginClient.Answer untrusted = client.send(uri, subscribe(), Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
            assertThat(untrusted.failure()).as("the JVM's default trust does not know this origin").isEqualTo(OriginClient.Failure.REFUSED);
        } finally {
            trusting.close();
            tlsOrigin.stop();
        }
    }

    @Test
    void refusesWhatItCannotSend() throws Exception {
        assertThat(client.send(URI.create("ftp://127.0.0.1/x"), subscribe(), Duration.ofSeconds(1)).get().failure())
                .isEqualTo(OriginClient.Failure.REFUSED);
        assertThat(client.send(origin.uri("/subscribe-event"), subscribe("X-Bad", "a\r\nInjected: yes"), Duration.ofSeconds(1))
                .get().failure()).isEqualTo(OriginClient.Failure.REFUSED);
        assertThat(origin.requests.get()).isZero();
    }

    @Test
    void closeFailsWhatIsStillOut() throws Exception {
        List<CompletableFuture<OriginClient.Answer>> out = occupyEveryConnection();
        for (int i = 0; i < 16; i++) {
            out.add(sendLater(Duration.ofSeconds(10)));
        }
        client.close();
        for (CompletableFuture<OriginClient.Answer> f : out) {
            assertThat(f.get(2, TimeUnit.SECONDS).failure()).isEqualTo(OriginClient.Failure.REFUSED);
        }
        assertThat(client.send(origin.uri("/subscribe-event"), subscribe(), Duration.ofSeconds(1)).get().failure())
                .isEqualTo(OriginClient.Failure.REFUSED);
    }

    /**
     * A listening socket that never accepts, its backlog filled first: the kernel drops further
     * connection attempts (SYNs) without a word, as an origin behind a black-holing firewall.
     */
    static final class BlackHole implements AutoCloseable {
        final ServerSocket server;
        final List<Socket> fillers = new ArrayList<>();

        BlackHole() throws IOException {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
            for (int i = 0; i < 8; i++) {
                Socket s = new Socket();
                try {
                    s.connect(server.getLocalSocketAddress(), 500);
                    fillers.add(s);
                } catch (SocketTimeoutException full) {
                    s.close();
                    return;
                }
            }
            throw new IllegalStateException("the backlog never filled; this kernel accepts past it");
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/subscribe-event");
        }

        @Override
        public void close() throws IOException {
            for (Socket s : fillers) {
                s.close();
            }
            server.close();
        }
    }

    /** A blocking HTTP/1.1 origin on plain sockets, a thread per connection. */
    static final class RawOrigin implements AutoCloseable {
        record Seen(String requestLine, List<String[]> fields, byte[] body) {
            List<String> headers(String name) {
                return fields.stream().filter(f -> f[0].equalsIgnoreCase(name)).map(f -> f[1]).toList();
            }
        }

        final ServerSocket server;
        final ExecutorService threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "raw-origin");
            t.setDaemon(true);
            return t;
        });
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger open = new AtomicInteger();
        final AtomicInteger mostOpen = new AtomicInteger();
        final AtomicInteger requests = new AtomicInteger();
        final AtomicInteger dropNextRequests = new AtomicInteger();
        final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
        /** While set, every answer waits for it: the test lets them go with {@link #release}. */
        volatile CountDownLatch gate;
        volatile boolean closeAfterAnswer;
        volatile int idleMillis;
        volatile int status = 202;
        volatile byte[] body = new byte[0];

        RawOrigin() throws IOException {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
            threads.execute(this::accept);
        }

        void hold() {
            gate = new CountDownLatch(1);
        }

        void release() {
            CountDownLatch g = gate;
            if (g != null) {
                g.countDown();
            }
        }

        int port() {
            return server.getLocalPort();
        }

        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + port() + path);
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    accepted.incrementAndGet();
                    mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
                    threads.execute(() -> serve(s));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket s) {
            try (s) {
                s.setTcpNoDelay(true);
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                while (true) {
                    s.setSoTimeout(idleMillis);
                    String head;
                    try {
                        head = readHead(in);
                    } catch (SocketTimeoutException idle) {
                        return;
                    }
                    if (head == null) {
                        return;
                    }
                    s.setSoTimeout(0);
                    String[] lines = head.split("\r\n");
                    List<String[]> fields = new ArrayList<>();
                    int length = 0;
                    for (int i = 1; i < lines.length; i++) {
                        int colon = lines[i].indexOf(':');
                        String name = lines[i].substring(0, colon).trim();
                        String value = lines[i].substring(colon + 1).trim();
                        fields.add(new String[] {name, value});
                        if (name.toLowerCase(Locale.ROOT).equals("content-length")) {
                            length = Integer.parseInt(value);
                        }
                    }
                    byte[] requestBody = in.readNBytes(length);
                    seen.add(new Seen(lines[0], fields, requestBody));
                    requests.incrementAndGet();
                    if (dropNextRequests.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        return;
                    }
                    CountDownLatch g = gate;
                    if (g != null) {
                        g.await();
                    }
                    byte[] answer = body;
                    boolean close = closeAfterAnswer;
                    String response = "HTTP/1.1 " + status + " X\r\nContent-Type: text/plain\r\nContent-Length: " + answer.length
                            + "\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n";
                    out.write(response.getBytes(StandardCharsets.ISO_8859_1));
                    out.write(answer);
                    out.flush();
                    if (close) {
                        return;
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the client went away
            } finally {
                open.decrementAndGet();
            }
        }

        /** The request line and headers, or null at the end of the stream. */
        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b == -1) {
                    return null;
                }
                head.write(b);
                matched = (b == '\r' || b == '\n') && (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            return text.substring(0, text.length() - 4);
        }

        @Override
        public void close() throws IOException {
            server.close();
            threads.shutdownNow();
        }
    }
}
