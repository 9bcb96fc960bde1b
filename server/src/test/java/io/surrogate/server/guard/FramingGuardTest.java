package io.surrogate.server.guard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Requests whose HTTP/1.x framing breaks RFC 9112, on both listeners of a real edge: each is
 * answered 400 and its connection closed with nothing read after it (so no request hidden
 * behind it runs), no ERROR line is logged, and the edge then serves a normal subscribe and
 * delivery, and one INFO line is logged: {@code result=malformed} for those the guard refuses,
 * {@code result=unparseable} for those Undertow's own parser refuses before any handler runs
 * (it checks TE with CL, repeated TE or CL lines and non-digit lengths itself).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FramingGuardTest {
    /** Which listener, a request line target there, and what a request hidden after the bad one asks. */
    enum Listener {
        CLIENT("/sub?e=%s&u=u", "GET /sub?e=hidden-%s&u=u HTTP/1.1\r\nHost: edge\r\n\r\n"),
        ORIGIN_SIDE("/deliver-event", "GET /healthz HTTP/1.1\r\nHost: edge\r\n\r\n");

        final String target;
        final String hidden;

        Listener(String target, String hidden) {
            this.target = target;
            this.hidden = hidden;
        }
    }

    /** A bad request: its headers after the Host line, what follows the headers, and who refuses it. */
    record Case(String name, String headers, String after, boolean byGuard) {}

    private static final List<Case> CASES = List.of(
            new Case("http10-chunked", "Connection: keep-alive\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n", true),
            new Case("xchunked", "Transfer-Encoding: xchunked\r\n", "5\r\nhello\r\n0\r\n\r\n", true),
            new Case("chunked-not-last", "Transfer-Encoding: chunked, gzip\r\n", "5\r\nhello\r\n0\r\n\r\n", true),
            new Case("gzip-then-chunked", "Transfer-Encoding: gzip, chunked\r\n", "5\r\nhello\r\n0\r\n\r\n", true),
            new Case("identity", "Transfer-Encoding: identity\r\nContent-Length: 5\r\n", "hello", false),
            new Case("te-twice", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n", false),
            new Case("cl-overflow", "Content-Length: 99999999999999999999999\r\n", "hello", true),
            new Case("cl-negative", "Content-Length: -1\r\n", "hello", false),
            new Case("cl-differ", "Content-Length: 5\r\nContent-Length: 6\r\n", "hello!", false),
            new Case("cl-list-differ", "Content-Length: 5, 6\r\n", "hello!", false),
            new Case("cl-and-te", "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n", false));

    private GuardEdge edge;
    private LogCapture logs;

    @BeforeAll
    void start() throws Exception {
        edge = GuardEdge.start(c -> c);
        logs = new LogCapture();
    }

    @AfterAll
    void stop() throws Exception {
        logs.close();
        edge.close();
    }

    static List<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (Listener l : Listener.values()) {
            for (Case c : CASES) {
                all.add(Arguments.of(l, c));
            }
        }
        return all;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void badFramingIs400AndCloseAndTheEdgeServesOn(Listener listener, Case c) throws Exception {
        logs.clear();
        String id = listener.name().toLowerCase() + "-" + c.name();
        String protocol = c.name().startsWith("http10") ? "HTTP/1.0" : "HTTP/1.1";
        String request = "POST " + listener.target.formatted(id) + " " + protocol + "\r\nHost: edge\r\n" + c.headers() + "\r\n"
                + c.after() + listener.hidden.formatted(id);
        try (Wire wire = Wire.connect(listener == Listener.CLIENT ? edge.clientPort() : edge.originPort())) {
            Wire.Answer answer = wire.send(request).answer();
            assertThat(answer.status()).as(answer.body()).isEqualTo(400);
            assertThat(answer.header("connection")).isEqualToIgnoringCase("close");
            assertThat(wire.untilClosed()).as("the connection is closed and nothing after the bad request is answered").isEqualTo("");
            if (c.byGuard()) {
                assertThat(answer.body()).startsWith("malformed\n");
            }
        }
        assertThat(logs.errors()).as("no ERROR line").isEmpty();
        List<String> lines = logs.lines("surrogate.http");
        assertThat(lines).as("one INFO line for the refusal").hasSize(1);
        if (c.byGuard()) {
            assertThat(lines.get(0)).startsWith("event=request-refused status=400 result=malformed reason=")
                    .contains("listener=" + (listener == Listener.CLIENT ? "client" : "origin-side"));
        } else {
            assertThat(lines.get(0)).as("Undertow's parser refused it before the guard ran")
                    .startsWith("event=request-refused status=400 result=unparseable reason=");
        }
        assertThat(edge.originSaw(id)).as("the bad request did not reach the origin").isFalse();
        assertThat(edge.originSaw("hidden-" + id)).as("the request hidden behind it did not run").isFalse();
        edge.assertServes();
    }
}
