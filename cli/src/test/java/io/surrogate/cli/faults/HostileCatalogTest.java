package io.surrogate.cli.faults;

import static io.surrogate.cli.faults.ServeFixture.readToEnd;
import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.cli.faults.ServeFixture.Edge;
import io.surrogate.cli.faults.ServeFixture.Held;
import io.surrogate.server.origin.Outgoing;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The team's hostile catalog (issue 12), each family against one real {@code surrogate serve}
 * process: the answer the docs give, and after every case a normal subscribe and delivery on
 * the same edge. The catalog with what each case costs is in docs/reliability.md.
 */
@EnabledOnOs(OS.LINUX)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileCatalogTest {
    private static final String WILDCARD_UA = """
              <match:uri.path value="/ua">
                <match:request.header name="User-Agent" value="*Mozilla*Chrome*Mobile*" wildcard="true">
                  <edgeservices:respond status="200">mobile</edgeservices:respond>
                </match:request.header>
                <edgeservices:respond status="403">not mobile</edgeservices:respond>
              </match:uri.path>
              <match:uri.path value="/cookie">
                <variable:extract from="query" key="e" name="EVENT" required="true"/>
                <variable:extract from="cookie" key="user" name="USER" required="true"/>
                <edgeservices:event.handle-subscription>
                  <token><key>tok</key></token>
                  <user>$(USER)</user>
                  <event-id>$(EVENT)</event-id>
                  <transport>sse</transport>
                </edgeservices:event.handle-subscription>
              </match:uri.path>
              <match:uri.path value="/whoami">
                <variable:extract name="IP" from="client-ip"/>
                <edgeservices:respond status="200">$(IP)</edgeservices:respond>
              </match:uri.path>
              <match:uri.path value="/rx">
                <match:request.header name="X-Probe" value="(.*a){8}" regex="true">
                  <edgeservices:respond status="200">matched</edgeservices:respond>
                </match:request.header>
                <edgeservices:respond status="403">no match</edgeservices:respond>
              </match:uri.path>
            """;

    private ServeFixture fx;
    private Edge edge;
    private int round;

    @BeforeAll
    void edge() throws Exception {
        fx = new ServeFixture(Files.createDirectory(Files.createTempDirectory("hostile").resolve("x")));
        String rules = ServeFixture.rules(fx.origin.baseUri().toString(), "5s").replace("</rules>", WILDCARD_UA + "</rules>");
        edge = fx.start(rules, List.of(), List.of("--listen", "127.0.0.1:0", "--origin-listen", "127.0.0.1:0",
                "--max-body", "65536", "--max-event-size", "65536", "--trusted-proxy", "127.0.0.1"));
    }

    @AfterAll
    void stop() throws IOException {
        fx.close();
    }

    /** After every case: the edge still holds a client and delivers to it. */
    @AfterEach
    void stillServes() throws Exception {
        round++;
        Held h = fx.subscribe(edge, "after" + round, "ok");
        assertThat(h.status).as("a normal subscribe after the case").isEqualTo(200);
        fx.deliverAndReceive(h, "after" + round, "ok");
        h.socket.close();
        assertThat(edge.process().isAlive()).isTrue();
    }

    // --- ReDoS: linear-time matching

    @Test
    void aHugeUserAgentAgainstAManyStarWildcardIsAnsweredAndFreesItsThread() throws Exception {
        String ua = "MozillaChrome".repeat(1000); // 13 KB, never "Mobile"
        String[] four = new String[4];
        Socket[] clients = new Socket[4];
        for (int i = 0; i < 4; i++) {
            clients[i] = fx.send(edge, "GET /ua HTTP/1.1\r\nHost: x\r\nUser-Agent: " + ua + "\r\nConnection: close\r\n\r\n");
        }
        for (int i = 0; i < 4; i++) {
            four[i] = readToEnd(clients[i]);
        }
        for (String answer : four) {
            assertThat(answer).startsWith("HTTP/1.1 403").endsWith("not mobile");
        }
    }

    @Test
    void anOperatorsNestedQuantifierRegexAgainstAShortHeaderIsAnswered() throws Exception {
        Socket s = fx.send(edge, "GET /rx HTTP/1.1\r\nHost: x\r\nX-Probe: " + "a".repeat(7) + "b".repeat(42) + "\r\nConnection: close\r\n\r\n");
        assertThat(readToEnd(s)).startsWith("HTTP/1.1 403").endsWith("no match");
    }

    // --- every limit on every framing

    @Test
    void aChunkedBodyOverMaxBodyIs413() throws Exception {
        Socket s = fx.send(edge, "POST /sub?e=big&u=big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n\r\n");
        assertThat(writeChunksAndRead(s, 500 * 1024)).startsWith("HTTP/1.1 413");
    }

    @Test
    void aChunkedDeliveryOverMaxEventSizeIs413AndNeverReachesTheClient() throws Exception {
        Held h = fx.subscribe(edge, "bigevent", "u");
        assertThat(h.status).isEqualTo(200);
        byte[] body = "x".repeat(500 * 1024).getBytes(StandardCharsets.US_ASCII);
        Outgoing signed = fx.origin.outgoing(h.token, "bigevent", "u", body);
        URI side = edge.originSide();
        try (Socket s = new Socket(side.getHost(), side.getPort())) {
            s.setSoTimeout((int) ServeFixture.WAIT.toMillis());
            StringBuilder head = new StringBuilder("POST /deliver-event HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n");
            head.append("X-Event-Id: ").append(signed.eventId()).append("\r\n")
                    .append("X-Event-User: ").append(signed.user()).append("\r\n")
                    .append("X-Event-Token: ").append(signed.token()).append("\r\n")
                    .append("X-Event-Signature: ").append(signed.signatureHeader()).append("\r\n")
                    .append("Content-Type: ").append(signed.contentType()).append("\r\n");
            s.getOutputStream().write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            assertThat(writeChunksAndRead(s, body)).startsWith("HTTP/1.1 413");
        }
        h.socket.setSoTimeout(1_000);
        assertThat(readAvailable(h.socket)).doesNotContain("xxxxxxxxxx");
        h.socket.close();
    }

    // --- HTTP/1.x framing per RFC 9112

    @Test
    void http10WithTransferEncodingIs400AndTheHiddenRequestIsNeverRun() throws Exception {
        int before = fx.origin.subscribes().size();
        Socket s = fx.send(edge, "POST /ua HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
                + "0\r\n\r\nGET /sub?e=smuggled&u=s HTTP/1.1\r\nHost: x\r\n\r\n");
        String answer = readToEnd(s);
        assertThat(answer).matches("(?s)HTTP/1\\.[01] 400.*");
        assertThat(answer).as("one answer, then the connection closed").doesNotContain("HTTP/1.1 200").doesNotContain("HTTP/1.0 200");
        assertThat(fx.origin.subscribes().size()).as("the smuggled subscribe never reached the origin").isEqualTo(before);
    }

    @Test
    void anUnknownTransferCodingIsRefused() throws Exception {
        Socket s = fx.send(edge, "POST /ua HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
        assertThat(readToEnd(s)).as("operations.md, HTTP framing: 400 for every coding but chunked").startsWith("HTTP/1.1 400");
    }

    @Test
    void anOverflowingContentLengthIs400WithoutAnErrorLine() throws Exception {
        Socket s = fx.send(edge, "POST /ua HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\nabc");
        assertThat(readToEnd(s)).startsWith("HTTP/1.1 400");
        assertThat(edge.stderr()).doesNotContain("level=SEVERE").doesNotContain("level=ERROR");
    }

    // --- encoding and sizes

    @Test
    void aRawUtf8CookieReachesTheOriginAsUtf8() throws Exception {
        Socket s = new Socket(edge.clients().getAddress(), edge.clients().getPort());
        s.setSoTimeout((int) ServeFixture.WAIT.toMillis());
        s.getOutputStream().write("GET /cookie?e=enc HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nCookie: user=Zo\u00eb 50%\r\n\r\n"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(ServeFixture.statusOf(s)).isEqualTo(200);
        String user = fx.origin.subscribes().stream().filter(r -> r.eventId().equals("enc")).findFirst().orElseThrow()
                .header("X-Event-User");
        assertThat(user).as("protocol.md: UTF-8 bytes, percent-escaped").isEqualTo("Zo%C3%AB 50%25");
        s.close();
    }

    @Test
    void anEventIdThatWouldMakeATokenTooLongIsRefusedAtSubscribe() throws Exception {
        int before = fx.origin.subscribes().size();
        Socket s = fx.send(edge, "GET /sub?e=" + "e".repeat(1500) + "&u=long HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n");
        int status = ServeFixture.statusOf(s);
        assertThat(status).as("protocol.md: 400 for a token that would pass 2,048 characters").isEqualTo(400);
        assertThat(fx.origin.subscribes().size()).isEqualTo(before);
    }

    @Test
    void aClientChosenEventIdWithCrLfIsOneLogLine() throws Exception {
        Socket s = fx.send(edge, "GET /sub?e=dup%0D%0Aforged%3D1&u=crlf HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n");
        assertThat(ServeFixture.statusOf(s)).isIn(200, 400);
        s.close();
        for (String line : edge.stderr().split("\n")) {
            assertThat(line).doesNotStartWith("forged").doesNotContain("\r");
        }
    }

    // --- Forwarded addresses: only a trusted peer's word, read from the right (operations.md, "Behind a proxy")

    @Test
    void aForgedXForwardedForFromAnUntrustedPeerIsIgnored() throws Exception {
        try (Socket s = new Socket()) {
            s.bind(new java.net.InetSocketAddress("127.0.0.2", 0)); // this machine too, but not the trusted 127.0.0.1
            s.connect(edge.clients(), 5000);
            s.setSoTimeout(15_000);
            s.getOutputStream().write("GET /whoami HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.0.0.1\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(readToEnd(s)).startsWith("HTTP/1.1 200").endsWith("\r\n\r\n127.0.0.2");
        }
    }

    @Test
    void hostileXForwardedForFromTheTrustedPeerIsReadOnlyWhereTheProxyWrote() throws Exception {
        String manyClientEntries = "198.51.100.1, ".repeat(1000) + "203.0.113.7"; // 14 KB: the proxy appended the last one
        assertThat(readToEnd(fx.send(edge, whoami("X-Forwarded-For: " + manyClientEntries)))).endsWith("\r\n\r\n203.0.113.7");
        assertThat(readToEnd(fx.send(edge, whoami("X-Forwarded-For: <script>, \"1.2.3.4\", 203.0.113.7")))).endsWith("\r\n\r\n203.0.113.7");
        assertThat(readToEnd(fx.send(edge, whoami("X-Forwarded-For: garbage")))).as("no address where the walk needs one: the peer")
                .endsWith("\r\n\r\n127.0.0.1");
        assertThat(readToEnd(fx.send(edge, whoami("X-Forwarded-For: " + "10.0.0.1,".repeat(10_000) + "203.0.113.7"))))
                .as("10,000 entries pass the 16 KiB header limit").startsWith("HTTP/1.1 400");
    }

    private static String whoami(String header) {
        return "GET /whoami HTTP/1.1\r\nHost: x\r\n" + header + "\r\nConnection: close\r\n\r\n";
    }

    // --- helpers

    private static String writeChunksAndRead(Socket s, int size) throws IOException {
        return writeChunksAndRead(s, "a=".concat("b".repeat(size - 2)).getBytes(StandardCharsets.US_ASCII));
    }

    /** Writes {@code body} in 8 KiB chunks for as long as the edge reads, then reads its answer. */
    private static String writeChunksAndRead(Socket s, byte[] body) throws IOException {
        OutputStream out = s.getOutputStream();
        try {
            for (int off = 0; off < body.length; off += 8192) {
                int n = Math.min(8192, body.length - off);
                out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body, off, n);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException closedByTheEdge) {
            // the edge answered and closed before the body ended: its answer is still readable
        }
        return readToEnd(s);
    }

    private static String readAvailable(Socket s) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                got.write(buf, 0, n);
            }
        } catch (java.net.SocketTimeoutException quiet) {
            // nothing more came
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }
}
