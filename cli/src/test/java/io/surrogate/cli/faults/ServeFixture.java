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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real {@code surrogate serve} processes for the fault suite and the hostile catalog, with the
 * keys they share, a real origin ({@link SampleOrigin}) and raw-socket clients; everything is
 * stopped by {@link #close}.
 */
final class ServeFixture implements AutoCloseable {
    static final Pattern LISTENING = Pattern.compile("clients on http://([^,]+), origin side on http://(\\S+);");
    static final Duration WAIT = Duration.ofSeconds(15);
    static final byte[] EVENT = "tick".getBytes(StandardCharsets.UTF_8);

    final Path tmp;
    final Path keys;
    final SampleOrigin origin;
    private final List<Process> edges = new ArrayList<>();
    private final List<Socket> sockets = new ArrayList<>();

    ServeFixture(Path tmp) throws Exception {
        this.tmp = tmp;
        keys = Files.createDirectory(tmp.resolve("keys"));
        Keyring.write(keys, "tok", TinkKeys.generate(KeyPurpose.TOKEN));
        Keyring.write(keys, "origin", TinkKeys.generate(KeyPurpose.HMAC));
        byte[] secret = TinkKeys.hmacSecret(Keyring.open(keys).find("origin").orElseThrow());
        origin = new SampleOrigin(new InetSocketAddress("127.0.0.1", 0), secret, null).start();
    }

    @Override
    public void close() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        for (Process p : edges) {
            p.destroyForcibly();
        }
        origin.close();
    }

    record Edge(Process process, InetSocketAddress clients, URI originSide, Path err) {
        String stderr() throws IOException {
            return Files.exists(err) ? Files.readString(err) : "";
        }
    }

    static final class Held {
        final Socket socket;
        final int status;
        String token;

        Held(Socket socket, int status) {
            this.socket = socket;
            this.status = status;
        }
    }

    Edge start(String rules, List<String> shellPrefix) throws Exception {
        return start(rules, shellPrefix, List.of("--listen", "127.0.0.1:0", "--origin-listen", "127.0.0.1:0"));
    }

    Edge start(String rules, List<String> shellPrefix, List<String> listeners) throws Exception {
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

    static String rules(String originUrl, String timeout) {
        return """
                <rules xmlns="urn:surrogate:rules:1"
                       xmlns:match="urn:surrogate:match:1"
                       xmlns:variable="urn:surrogate:variable:1"
                       xmlns:edgeservices="urn:surrogate:edgeservices:1">
                """ + rule("/sub", originUrl, timeout) + "</rules>\n";
    }

    /** The edge's log once it holds {@code text}: lines reach standard error from a background writer. */
    static String awaitLog(Edge edge, String text) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String log = edge.stderr();
        while (!log.contains(text) && System.nanoTime() < deadline) {
            Thread.sleep(20); // waits for the log writer, not for time to pass
            log = edge.stderr();
        }
        return log;
    }

    static String rule(String path, String originUrl, String timeout) {
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
                      <!-- failures as plain statuses, which these tests count; an EventSource's own is in the server's tests -->
                      <transient-failure answer="status"/>
                    </edgeservices:event.handle-subscription>
                  </match:uri.path>
                """.replace("PATH", path).replace("TIMEOUT", timeout).replace("ORIGIN", originUrl);
    }

    Socket send(Edge edge, String request) throws IOException {
        Socket s = new Socket();
        s.connect(edge.clients, 5_000);
        s.setSoTimeout((int) WAIT.toMillis());
        s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        sockets.add(s);
        return s;
    }

    /** Subscribes over SSE; a 200 is read up to the held comment and its token learnt from the origin. */
    Held subscribe(Edge edge, String event, String user) throws IOException, InterruptedException {
        return subscribe(edge, "/sub", event, user);
    }

    Held subscribe(Edge edge, String path, String event, String user) throws IOException, InterruptedException {
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
    Held awaitSubscribed(Edge edge, String event, String user) throws IOException, InterruptedException {
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

    void deliverAndReceive(Held h, String event, String user) throws IOException {
        Delivery d;
        try {
            d = origin.deliver(h.token, event, user, EVENT);
        } catch (UncheckedIOException e) {
            throw new AssertionError("delivery failed", e);
        }
        assertThat(d.status()).as("delivery to %s: %s", event, d).isEqualTo(200);
        assertThat(readUntil(h.socket.getInputStream(), "data: tick")).contains("data: tick");
    }

    static int statusOf(Socket s) throws IOException {
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

    static String readUntil(InputStream in, String marker) throws IOException {
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

    static String readToEnd(Socket s) {
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

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
