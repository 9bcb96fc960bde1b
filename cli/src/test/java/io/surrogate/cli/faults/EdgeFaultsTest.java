package io.surrogate.cli.faults;

import static io.surrogate.cli.faults.ServeFixture.EVENT;
import static io.surrogate.cli.faults.ServeFixture.WAIT;
import static io.surrogate.cli.faults.ServeFixture.freePort;
import static io.surrogate.cli.faults.ServeFixture.readToEnd;
import static io.surrogate.cli.faults.ServeFixture.readUntil;
import static io.surrogate.cli.faults.ServeFixture.rule;
import static io.surrogate.cli.faults.ServeFixture.rules;
import static io.surrogate.cli.faults.ServeFixture.statusOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.cli.faults.ServeFixture.Edge;
import io.surrogate.cli.faults.ServeFixture.Held;

import io.surrogate.server.origin.Delivery;
import io.surrogate.server.origin.SampleOrigin;
import io.surrogate.server.origin.Subscription;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault suite: a real {@code surrogate serve} process, a real origin behind a TCP front
 * that fails as networks fail, real clients. Each fault is followed by a normal subscribe and
 * delivery to show that the edge still serves. What each fault costs is in
 * docs/reliability.md ("Faults").
 */
@EnabledOnOs(OS.LINUX)
class EdgeFaultsTest {
    @TempDir
    Path tmp;
    private ServeFixture fx;
    private SampleOrigin origin;

    @BeforeEach
    void keysAndOrigin() throws Exception {
        fx = new ServeFixture(tmp);
        origin = fx.origin;
    }

    @AfterEach
    void stop() throws IOException {
        fx.close();
    }

    @Test
    void anOriginThatBlackHolesResetsOrNeverAnswersCostsItsCallersTheTimeoutAndNoSlot() throws Exception {
        try (FaultyOrigin front = new FaultyOrigin(new InetSocketAddress("127.0.0.1", origin.port()))) {
            // /sub goes to the origin through the faulty front, /direct to the same origin straight
            Edge edge = fx.start(rules("http://127.0.0.1:" + front.port(), "1s").replace("</rules>",
                    rule("/direct", origin.baseUri().toString(), "5s") + "</rules>"), List.of());
            assertThat(fx.subscribe(edge, "ok-before", "u1").status).isEqualTo(200);

            // more callers than the origin client has slots (64), against each failure in turn
            for (FaultyOrigin.Mode fault : List.of(FaultyOrigin.Mode.BLACK_HOLE, FaultyOrigin.Mode.SILENT, FaultyOrigin.Mode.RESET)) {
                front.mode(fault);
                long faultStarted = System.nanoTime();
                List<Socket> callers = new ArrayList<>();
                for (int i = 0; i < 80; i++) {
                    callers.add(fx.send(edge, "GET /sub?e=" + fault + i + "&u=u" + i + " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"));
                }
                java.util.Map<Integer, Integer> statuses = new java.util.TreeMap<>();
                for (Socket c : callers) {
                    int status = statusOf(c);
                    statuses.merge(status, 1, Integer::sum);
                    assertThat(status).as("%s: a clear error, not a hang or a hold", fault).isIn(502, 503, 504);
                    c.close();
                }
                System.out.printf("fault=%s callers=80 statuses=%s all-answered-ms=%d%n", fault, statuses,
                        (System.nanoTime() - faultStarted) / 1_000_000);
                // while the fault lasts, subscriptions to a healthy origin are not starved of slots
                Held healthy = fx.subscribe(edge, "/direct", "healthy-" + fault, "u2");
                assertThat(healthy.status).as("during %s a healthy origin is still reached", fault).isEqualTo(200);
                fx.deliverAndReceive(healthy, "healthy-" + fault, "u2");
                front.mode(FaultyOrigin.Mode.FORWARD);
                // once the origin is back, its subscribes succeed again (a client retries: the edge's one
                // connect to an origin that just timed out may still be out), long before the kernel's
                // two minutes for a hung connect
                Held after = fx.subscribe(edge, "ok-after-" + fault, "u1");
                for (int attempt = 1; after.status != 200 && attempt < 10; attempt++) {
                    after = fx.subscribe(edge, "ok-after-" + fault, "u1");
                }
                assertThat(after.status).as("after %s the edge subscribes again", fault).isEqualTo(200);
                fx.deliverAndReceive(after, "ok-after-" + fault, "u1");
            }
            assertThat(edge.process().isAlive()).isTrue();
        }
    }

    @Test
    void atTheOpenFileLimitNewClientsAreRefusedCleanlyAndHeldOnesStillReceive() throws Exception {
        // 330 files: the edge reserves 214 for itself and holds at most 116 clients
        Edge edge = fx.start(rules(origin.baseUri().toString(), "5s"), List.of("ulimit -n 330"));
        assertThat(ServeFixture.awaitLog(edge, "event=capacity")).contains("clients=116");
        List<Held> held = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Held h = fx.subscribe(edge, "held" + i, "u" + i);
            assertThat(h.status).isEqualTo(200);
            held.add(h);
        }
        List<Socket> flood = new ArrayList<>();
        int refused = 0;
        for (int i = 0; i < 400; i++) {
            Socket s = new Socket();
            try {
                s.connect(edge.clients(), 2_000);
                s.getOutputStream().write(("GET /sub?e=flood" + i + "&u=f" + i
                        + " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                flood.add(s);
            } catch (IOException full) {
                refused++;
                s.close();
            }
        }
        // held clients are unaffected
        for (int i = 0; i < held.size(); i++) {
            fx.deliverAndReceive(held.get(i), "held" + i, "u" + i);
        }
        // by now the refusals are in: count them without waiting on anyone
        int answered503 = 0;
        for (Socket s : flood) {
            try {
                InputStream in = s.getInputStream();
                if (in.available() >= 12) {
                    byte[] head = in.readNBytes(12);
                    if (new String(head, StandardCharsets.US_ASCII).equals("HTTP/1.1 503")) {
                        answered503++;
                    }
                }
            } catch (IOException reset) {
                refused++;
            }
        }
        System.out.printf("fault=open-file-limit flood=400 connected=%d answered-503=%d refused-or-reset=%d%n",
                flood.size(), answered503, refused);
        assertThat(answered503 + refused).as("over the limit, connections are refused, not all held").isPositive();
        for (Socket s : flood) {
            s.close();
        }
        // once the flood is gone, a new client is served
        Held fresh = fx.awaitSubscribed(edge, "after-flood", "z");
        fx.deliverAndReceive(fresh, "after-flood", "z");
        String log = ServeFixture.awaitLog(edge, "event=connection-limit");
        long limitLines = log.lines().filter(l -> l.contains("event=connection-limit")).count();
        assertThat(limitLines).as("the limit is logged, not once per refused connection:%n%s", log).isPositive()
                .isLessThan(answered503);
        assertThat(log).doesNotContain("level=SEVERE");
        assertThat(log.lines().count()).as("no log line per refused connection:%n%s", log).isLessThan(40);
    }

    @Test
    void killedWithSigkillUnderLoadThenRestartedClientsComeBackAndTheOriginsViewConverges() throws Exception {
        int clientPort = freePort();
        int originSidePort = freePort();
        String rules = rules(origin.baseUri().toString(), "5s");
        List<String> ports = List.of("--listen", "127.0.0.1:" + clientPort, "--origin-listen", "127.0.0.1:" + originSidePort, "--edge-id", "edge-k");
        Edge first = fx.start(rules, List.of(), ports);
        int n = 30;
        List<Held> held = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Held h = fx.subscribe(first, "k" + i, "u" + i);
            assertThat(h.status).isEqualTo(200);
            held.add(h);
        }
        for (int i = 0; i < n; i++) {
            fx.deliverAndReceive(held.get(i), "k" + i, "u" + i);
        }
        long killed = System.nanoTime();
        first.process().destroyForcibly(); // SIGKILL: no unsubscribe, no goodbye
        assertThat(first.process().waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        for (Held h : held) {
            assertThat(readToEnd(h.socket)).as("a held client sees its connection end").doesNotContain("data: tick");
        }
        long allEnded = System.nanoTime();
        assertThat(origin.subscriptions()).as("the origin still holds the dead edge's tokens").hasSize(n);

        Edge second = fx.start(rules, List.of(), ports);
        long listening = System.nanoTime();
        List<Held> back = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Held h = fx.subscribe(second, "k" + i, "u" + i);
            assertThat(h.status).as("client %d re-subscribes to the restarted edge", i).isEqualTo(200);
            back.add(h);
        }
        long resubscribed = System.nanoTime();
        assertThat(origin.subscriptions()).hasSize(2 * n);
        // the next delivery round: the dead subscriptions' tokens are answered 404 no-subscriber
        // and the origin forgets them; every client gets the event exactly on its new connection
        for (int i = 0; i < n; i++) {
            List<Delivery> results = origin.deliverTo("k" + i, "u" + i, EVENT);
            assertThat(results).extracting(Delivery::status).containsExactlyInAnyOrder(200, 404);
            assertThat(readUntil(back.get(i).socket.getInputStream(), "data: tick")).contains("data: tick");
        }
        System.out.printf("fault=kill-9 held=%d clients-saw-end-ms=%d restart-listening-ms=%d resubscribed-ms=%d converged-ms=%d%n", n,
                (allEnded - killed) / 1_000_000, (listening - allEnded) / 1_000_000, (resubscribed - listening) / 1_000_000,
                (System.nanoTime() - resubscribed) / 1_000_000);
        assertThat(origin.subscriptions()).as("the origin's view converged on the live subscriptions").hasSize(n)
                .extracting(Subscription::token).containsExactlyInAnyOrderElementsOf(back.stream().map(h -> h.token).toList());
    }
}
