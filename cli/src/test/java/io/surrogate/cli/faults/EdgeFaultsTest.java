package io.surrogate.cli.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.cli.SurrogateCommand;
import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.TinkKeys;
import io.surrogate.server.origin.Delivery;
import io.surrogate.server.origin.SampleOrigin;
import io.surrogate.server.origin.Subscription;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    private static final Pattern LISTENING = Pattern.compile("clients on http://([^,]+), origin side on http://(\\S+);");
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final byte[] EVENT = "tick".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;
    private Path keys;
    private SampleOrigin origin;
    private final List<Process> edges = new ArrayList<>();
    private final List<Socket> sockets = new ArrayList<>();

    @BeforeEach
    void keysAndOrigin() throws Exception {
        keys = Files.createDirectory(tmp.resolve("keys"));
        Keyring.write(keys, "tok", TinkKeys.generate(KeyPurpose.TOKEN));
        Keyring.write(keys, "origin", TinkKeys.generate(KeyPurpose.HMAC));
        byte[] secret = TinkKeys.hmacSecret(Keyring.open(keys).find("origin").orElseThrow());
        origin = new SampleOrigin(new InetSocketAddress("127.0.0.1", 0), secret, null).start();
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        for (Process p : edges) {
            p.destroyForcibly();
        }
        origin.close();
    }

    @Test
    void anOriginThatBlackHolesResetsOrNeverAnswersCostsItsCallersTheTimeoutAndNoSlot() throws Exception {
        try (FaultyOrigin front = new FaultyOrigin(new InetSocketAddress("127.0.0.1", origin.port()))) {
            // /sub goes to the origin through the faulty front, /direct to the same origin straight
            Edge edge = start(rules("http://127.0.0.1:" + front.port(), "1s").replace("</rules>",
                    rule("/direct", origin.baseUri().toString(), "5s") + "</rules>"), List.of());
            assertThat(subscribe(edge, "ok-before", "u1").status).isEqualTo(200);

            // more callers than the origin client has slots (64), against each failure in turn
            for (FaultyOrigin.Mode fault : List.of(FaultyOrigin.Mode.BLACK_HOLE, FaultyOrigin.Mode.SILENT, FaultyOrigin.Mode.RESET)) {
                front.mode(fault);
                List<Socket> callers = new ArrayList<>();
                for (int i = 0; i < 80; i++) {
                    callers.add(send(edge, "GET /sub?e=" + fault + i + "&u=u" + i + " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"));
                }
                for (Socket c : callers) {
                    int status = statusOf(c);
                    assertThat(status).as("%s: a clear error, not a hang or a hold", fault).isIn(502, 503, 504);
                    c.close();
                }
                // while the fault lasts, subscriptions to a healthy origin are not starved of slots
                Held healthy = subscribe(edge, "/direct", "healthy-" + fault, "u2");
                assertThat(healthy.status).as("during %s a healthy origin is still reached", fault).isEqualTo(200);
                deliverAndReceive(healthy, "healthy-" + fault, "u2");
                front.mode(FaultyOrigin.Mode.FORWARD);
                Held after = subscribe(edge, "ok-after-" + fault, "u1");
                assertThat(after.status).as("after %s the edge subscribes again at once: no slot is left stuck", fault).isEqualTo(200);
                deliverAndReceive(after, "ok-after-" + fault, "u1");
            }
            assertThat(edge.process.isAlive()).isTrue();
        }
    }

    @Test
    void atTheOpenFileLimitNewClientsAreRefusedCleanlyAndHeldOnesStillReceive() throws Exception {
        // 330 files: the edge reserves 214 for itself and holds at most 116 clients
        Edge edge = start(rules(origin.baseUri().toString(), "5s"), List.of("ulimit -n 330"));
        assertThat(edge.stderr()).contains("clients=116");
        List<Held> held = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Held h = subscribe(edge, "held" + i, "u" + i);
            assertThat(h.status).isEqualTo(200);
            held.add(h);
        }
        List<Socket> flood = new ArrayList<>();
        int refused = 0;
        for (int i = 0; i < 400; i++) {
            Socket s = new Socket();
            try {
                s.connect(edge.clients, 2_000);
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
            deliverAndReceive(held.get(i), "held" + i, "u" + i);
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
        Held fresh = awaitSubscribed(edge, "after-flood", "z");
        deliverAndReceive(fresh, "after-flood", "z");
        String log = edge.stderr();
        List<java.time.Instant> limitLines = log.lines().filter(l -> l.contains("event=connection-limit"))
                .map(l -> java.time.Instant.parse(l.substring(5, l.indexOf(' ')))).toList();
        assertThat(limitLines).as("the limit is logged:%n%s", log).isNotEmpty();
        for (int i = 1; i < limitLines.size(); i++) {
            assertThat(Duration.between(limitLines.get(i - 1), limitLines.get(i))).as("at most one line per 10 s")
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(10));
        }
        assertThat(log).doesNotContain("level=SEVERE");
        assertThat(log.lines().count()).as("no log line per refused connection:%n%s", log).isLessThan(40);
    }

    @Test
    void killedWithSigkillUnderLoadThenRestartedClientsComeBackAndTheOriginsViewConverges() throws Exception {
        int clientPort = freePort();
        int originSidePort = freePort();
        String rules = rules(origin.baseUri().toString(), "5s");
        List<String> ports = List.of("--listen", "127.0.0.1:" + clientPort, "--origin-listen", "127.0.0.1:" + originSidePort, "--edge-id", "edge-k");
        Edge first = start(rules, List.of(), ports);
        int n = 30;
        List<Held> held = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Held h = subscribe(first, "k" + i, "u" + i);
            assertThat(h.status).isEqualTo(200);
            held.add(h);
        }
        for (int i = 0; i < n; i++) {
            deliverAndReceive(held.get(i), "k" + i, "u" + i);
        }
        first.process.destroyForcibly(); // SIGKILL: no unsubscribe, no goodbye
        assertThat(first.process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        for (Held h : held) {
            assertThat(readToEnd(h.socket)).as("a held client sees its connection end").doesNotContain("data: tick");
        }
        assertThat(origin.subscriptions()).as("the origin still holds the dead edge's tokens").hasSize(n);

        Edge second = start(rules, List.of(), ports);
        List<Held> back = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Held h = subscribe(second, "k" + i, "u" + i);
            assertThat(h.status).as("client %d re-subscribes to the restarted edge", i).isEqualTo(200);
            back.add(h);
        }
        assertThat(origin.subscriptions()).hasSize(2 * n);
        // the next delivery round: the dead subscriptions' tokens are answered 404 no-subscriber
        // and the origin forgets them; every client gets the event exactly on its new connection
        for (int i = 0; i < n; i++) {
            List<Delivery> results = origin.deliverTo("k" + i, "u" + i, EVENT);
            assertThat(results).extracting(Delivery::status).containsExactlyInAnyOrder(200, 404);
            assertThat(readUntil(back.get(i).socket.getInputStream(), "data: tick")).contains("data: tick");
        }
        assertThat(origin.subscriptions()).as("the origin's view converged on the live subscriptions").hasSize(n)
                .extracting(Subscription::token).containsExactlyInAnyOrderElementsOf(back.stream().map(h -> h.token).toList());
    }

    // --- the edge process and its clients

    private record Edge(Process process, InetSocketAddress clients, URI originSide, Path err) {
        String stderr() throws IOException {
            return Files.exists(err) ? Files.readString(err) : "";
        }
    }

    private static final class Held {
        final Socket socket;
        final int status;
        String token;

        Held(Socket socket, int status) {
            this.socket = socket;
            this.status = status;
        }
    }

    private Edge start(String rules, List<String> shellPrefix) throws Exception {
        return start(rules, shellPrefix, List.of("--listen", "127.0.0.1:0", "--origin-listen", "127.0.0.1:0"));
    }

    private Edge start(String rules, List<String> shellPrefix, List<String> listeners) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("rules-" + edges.size()));
        Files.writeString(dir.resolve("faults.xml"), rules);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                SurrogateCommand.class.getName(), "serve", "--rules", dir.toString(), "--keys", keys.toString(),
                "--origin", origin.baseUri().toString(), "--no-watch"));
        command.addAll(listeners);
        if (!shellPrefix.isEmpty()) {
            List<String> wrapped = new ArrayList<>(List.of("/bin/bash", "-c", String.join(" && ", shellPrefix) + " && exec \"$@\"", "bash"));
            wrapped.addAll(command);
            command = wrapped;
        }
        Path err = tmp.resolve("serve-" + edges.size() + ".err");
        Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
        edges.add(p);
        String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertThat(line).as("serve's first line; stderr:%n%s", Files.exists(err) ? Files.readString(err) : "").isNotNull();
        Matcher m = LISTENING.matcher(line);
        assertThat(m.find()).as(line).isTrue();
        URI clients = URI.create("http://" + m.group(1));
        URI originSide = URI.create("http://" + m.group(2));
        origin.setEdge(originSide);
        return new Edge(p, new InetSocketAddress(clients.getHost(), clients.getPort()), originSide, err);
    }

    private static String rules(String originUrl, String timeout) {
        return """
                <rules xmlns="urn:surrogate:rules:1"
                       xmlns:match="urn:surrogate:match:1"
                       xmlns:variable="urn:surrogate:variable:1"
                       xmlns:edgeservices="urn:surrogate:edgeservices:1">
                """ + rule("/sub", originUrl, timeout) + "</rules>\n";
    }

    private static String rule(String path, String originUrl, String timeout) {
        return """
                  <match:uri.path value="PATH">
                    <variable:extract from="query" key="e" name="EVENT" required="true"/>
                    <variable:extract from="query" key="u" name="USER" required="true"/>
                    <edgeservices:event.handle-subscription>
                      <token><key>tok</key><nonce-source>CONNECTION</nonce-source></token>
                      <user>$(USER)</user>
                      <event-id>$(EVENT)</event-id>
                      <subscription-type>repeatable</subscription-type>
                      <transport>sse</transport>
                      <origin timeout="TIMEOUT">ORIGIN</origin>
                    </edgeservices:event.handle-subscription>
                  </match:uri.path>
                """.replace("PATH", path).replace("TIMEOUT", timeout).replace("ORIGIN", originUrl);
    }

    private Socket send(Edge edge, String request) throws IOException {
        Socket s = new Socket();
        s.connect(edge.clients, 5_000);
        s.setSoTimeout((int) WAIT.toMillis());
        s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        sockets.add(s);
        return s;
    }

    /** Subscribes over SSE; a 200 is read up to the held comment and its token learnt from the origin. */
    private Held subscribe(Edge edge, String event, String user) throws IOException, InterruptedException {
        return subscribe(edge, "/sub", event, user);
    }

    private Held subscribe(Edge edge, String path, String event, String user) throws IOException, InterruptedException {
        java.util.Set<String> known = new java.util.HashSet<>();
        origin.subscriptions().forEach(x -> known.add(x.token()));
        Socket s = send(edge, "GET " + path + "?e=" + event + "&u=" + user + " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n");
        Held h = new Held(s, statusOf(s));
        if (h.status == 200) {
            readUntil(s.getInputStream(), ": held");
            h.token = origin.subscriptions().stream().filter(x -> x.eventId().equals(event) && x.user().equals(user))
                    .map(Subscription::token).filter(t -> !known.contains(t)).findFirst().orElseThrow();
        }
        return h;
    }

    /** Subscribes until one is held: right after a flood the edge may still be closing connections. */
    private Held awaitSubscribed(Edge edge, String event, String user) throws IOException, InterruptedException {
        for (int attempt = 0; attempt < 50; attempt++) {
            Held h = subscribe(edge, event, user);
            if (h.status == 200) {
                return h;
            }
            h.socket.close();
            Thread.sleep(100); // waits for the edge to close the flood's sockets, not for time to pass
        }
        throw new AssertionError("no subscription held after the flood");
    }

    private void deliverAndReceive(Held h, String event, String user) throws IOException {
        Delivery d;
        try {
            d = origin.deliver(h.token, event, user, EVENT);
        } catch (UncheckedIOException e) {
            throw new AssertionError("delivery failed", e);
        }
        assertThat(d.status()).as("delivery to %s: %s", event, d).isEqualTo(200);
        assertThat(readUntil(h.socket.getInputStream(), "data: tick")).contains("data: tick");
    }

    private static int statusOf(Socket s) throws IOException {
        StringBuilder line = new StringBuilder();
        InputStream in = s.getInputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            line.append((char) c);
        }
        String l = line.toString();
        if (!l.startsWith("HTTP/1.1 ")) {
            return -1;
        }
        int status = Integer.parseInt(l.substring(9, 12));
        if (status != 200) {
            s.close();
        }
        return status;
    }

    private static String readUntil(InputStream in, String marker) throws IOException {
        StringBuilder seen = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            seen.append((char) c);
            if (seen.indexOf(marker) >= 0) {
                return seen.toString();
            }
        }
        throw new AssertionError("the connection ended before '" + marker + "'; got: " + seen);
    }

    private static String readToEnd(Socket s) {
        StringBuilder seen = new StringBuilder();
        try {
            InputStream in = s.getInputStream();
            int c;
            while ((c = in.read()) != -1) {
                seen.append((char) c);
            }
        } catch (IOException reset) {
            // a reset is an end too
        }
        return seen.toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
