package io.surrogate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.TinkKeys;
import io.surrogate.server.origin.Received;
import io.surrogate.server.origin.SampleOrigin;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code surrogate serve} as an operator runs it: a separate JVM with the design's mail rules
 * and a real keyring, the seed's request held over SSE, a delivery from a real origin, and a
 * SIGTERM that closes the held client and tells the origin.
 */
class ServeProcessTest {
    private static final Pattern LISTENING = Pattern.compile("clients on http://([^,]+), origin side on http://(\\S+);");
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    @Test
    void serveHoldsTheSeedRequestDeliversAndStopsCleanly() throws Exception {
        Path keys = Files.createDirectory(tmp.resolve("keys"));
        Keyring.write(keys, "ywewu238347i3u", TinkKeys.generate(KeyPurpose.TOKEN));
        Keyring.write(keys, "origin", TinkKeys.generate(KeyPurpose.HMAC));
        byte[] secret = TinkKeys.hmacSecret(Keyring.open(keys).find("origin").orElseThrow());
        try (SampleOrigin origin = new SampleOrigin(new InetSocketAddress("127.0.0.1", 0), secret, null).start()) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process serve = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), SurrogateCommand.class.getName(),
                    "serve", "--rules", Cli.SAMPLES.resolve("mail").toString(), "--keys", keys.toString(),
                    "--origin", origin.baseUri().toString(), "--listen", "127.0.0.1:0", "--origin-listen", "127.0.0.1:0")
                    .redirectError(tmp.resolve("serve.err").toFile())
                    .start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
                String line = out.readLine();
                assertThat(line).as("serve's first line; stderr:%n%s", stderr()).isNotNull();
                Matcher m = LISTENING.matcher(line);
                assertThat(m.find()).as(line).isTrue();
                URI clients = URI.create("http://" + m.group(1));
                origin.setEdge(URI.create("http://" + m.group(2)));

                try (Socket client = new Socket(clients.getHost(), clients.getPort())) {
                    client.setSoTimeout((int) WAIT.toMillis());
                    client.getOutputStream().write(("POST /mail/subscribe-event HTTP/1.1\r\nHost: mail.foo.com\r\nCookie: user=B\r\n"
                            + "Accept: text/event-stream\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4\r\n\r\nid=2")
                            .getBytes(StandardCharsets.UTF_8));
                    Received sub = origin.awaitReceived("/subscribe-event", 1, WAIT).get(0);
                    assertThat(List.of(sub.eventId(), sub.user())).containsExactly("2", "B");
                    assertThat(sub.token()).startsWith("v1.ywewu238347i3u.");
                    assertThat(sub.signatureVerified()).isTrue();
                    readUntil(client.getInputStream(), ": held");
                    assertThat(origin.deliver(sub.token(), "2", "B", "You've Got Mail!".getBytes(StandardCharsets.UTF_8)).status())
                            .isEqualTo(200);
                    assertThat(readUntil(client.getInputStream(), "data: You've Got Mail!")).contains("data: You've Got Mail!");

                    // a second, repeat subscription is held when the edge is told to stop
                    try (Socket second = new Socket(clients.getHost(), clients.getPort())) {
                        second.getOutputStream().write(("POST /mail/subscribe-event HTTP/1.1\r\nHost: mail.foo.com\r\nCookie: user=C\r\n"
                                + "Accept: text/event-stream\r\nContent-Length: 4\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nid=7")
                                .getBytes(StandardCharsets.UTF_8));
                        second.setSoTimeout((int) WAIT.toMillis());
                        readUntil(second.getInputStream(), ": held");
                        String held = origin.awaitReceived("/subscribe-event", 2, WAIT).get(1).token();
                        serve.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of its stdout
                        assertThat(out.readLine()).isEqualTo("surrogate: stopped");
                        assertThat(serve.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as("serve stops on SIGTERM").isTrue();
                        assertThat(serve.exitValue()).as("128 + SIGTERM, after the shutdown ran").isEqualTo(143);
                        assertThat(origin.unsubscribes()).extracting(Received::token).contains(held);
                        // the held client was closed: the rest of its stream ends (a timeout would throw)
                        assertThat(new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).doesNotContain("data:");
                    }
                }
                assertThat(stderr()).contains("event=listening").contains("event=capacity")
                        .doesNotContain(secretText(secret));
            } finally {
                serve.destroyForcibly();
            }
        }
    }

    private String stderr() throws java.io.IOException {
        Path err = tmp.resolve("serve.err");
        return Files.exists(err) ? Files.readString(err) : "";
    }

    private static String secretText(byte[] secret) {
        return java.util.Base64.getEncoder().encodeToString(secret);
    }

    private static String readUntil(InputStream in, String marker) throws java.io.IOException {
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
}
