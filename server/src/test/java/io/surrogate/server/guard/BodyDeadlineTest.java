package io.surrogate.server.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.server.origin.SampleOrigin;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A request body that stops arriving is answered {@code 408 body-timeout} and closed at the
 * {@link BodyDeadline}, on both listeners and for both framings; the test's timer stands for
 * the time passing, so no test waits for it. Bodies that arrive in time and held responses are
 * never touched, and stalled bodies cannot keep new clients out past the bound.
 */
class BodyDeadlineTest {
    private static final Duration BOUND = Duration.ofSeconds(15);

    private static GuardEdge edge(ManualTimer timer) throws Exception {
        return GuardEdge.start(c -> c.withBodyDeadline(new BodyDeadline(BOUND, timer)));
    }

    @Test
    void aContentLengthBodyThatStopsIs408AndClosedAtTheBound() throws Exception {
        ManualTimer timer = new ManualTimer();
        try (GuardEdge edge = edge(timer); LogCapture logs = new LogCapture();
                Wire wire = Wire.connect(edge.clientPort())) {
            wire.send("POST /sub?e=stalled&u=u HTTP/1.1\r\nHost: edge\r\nContent-Length: 1000\r\n\r\nab");
            awaitScheduled(timer, 1);
            assertThat(timer.delays()).as("the configured bound").containsExactly(BOUND.toMillis());

            timer.fireAll();
            Wire.Answer answer = wire.answer();
            assertThat(answer.status()).isEqualTo(408);
            assertThat(answer.body()).startsWith("body-timeout\n");
            assertThat(answer.header("connection")).isEqualToIgnoringCase("close");
            assertThat(wire.untilClosed()).isEqualTo("");
            assertThat(edge.originSaw("stalled")).isFalse();
            assertThat(logs.errors()).isEmpty();
            assertThat(logs.lines("surrogate.http")).singleElement().asString()
                    .startsWith("event=request-refused status=408 result=body-timeout");
            edge.assertServes();
        }
    }

    @Test
    void aChunkedBodyThatStopsIs408AndClosed() throws Exception {
        ManualTimer timer = new ManualTimer();
        try (GuardEdge edge = edge(timer); LogCapture logs = new LogCapture();
                Wire wire = Wire.connect(edge.clientPort())) {
            wire.send("POST /sub?e=stalled&u=u HTTP/1.1\r\nHost: edge\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n10\r\nab");
            awaitScheduled(timer, 1);
            timer.fireAll();
            assertThat(wire.answer().status()).isEqualTo(408);
            assertThat(wire.untilClosed()).isEqualTo("");
            assertThat(edge.originSaw("stalled")).isFalse();
            assertThat(logs.errors()).isEmpty();
            edge.assertServes();
        }
    }

    @Test
    void aDeliveryBodyThatStopsIs408AndClosed() throws Exception {
        ManualTimer timer = new ManualTimer();
        try (GuardEdge edge = edge(timer); LogCapture logs = new LogCapture();
                Wire wire = Wire.connect(edge.originPort())) {
            wire.send("POST " + SampleOrigin.DELIVER_PATH + " HTTP/1.1\r\nHost: edge\r\nX-Event-Id: e\r\n"
                    + "X-Event-Signature: t=1;n=abc;v1=00\r\nContent-Length: 1000\r\n\r\nab");
            awaitScheduled(timer, 1);
            timer.fireAll();
            Wire.Answer answer = wire.answer();
            assertThat(answer.status()).isEqualTo(408);
            assertThat(answer.body()).startsWith("body-timeout\n");
            assertThat(wire.untilClosed()).isEqualTo("");
            assertThat(logs.errors()).isEmpty();
            assertThat(logs.lines("surrogate.http")).singleElement().asString().contains("listener=origin-side");
            edge.assertServes();
        }
    }

    @Test
    void bodiesThatArriveInTimeAndHeldResponsesAreNotTimed() throws Exception {
        ManualTimer timer = new ManualTimer();
        try (GuardEdge edge = edge(timer); Wire held = Wire.connect(edge.clientPort())) {
            // a subscribe with a body that arrives whole: timed while read, then the deadline is cancelled
            held.send("POST /sub?e=held&u=u HTTP/1.1\r\nHost: edge\r\nAccept: text/event-stream\r\nContent-Length: 5\r\n\r\nhello");
            assertThat(held.head().status()).isEqualTo(200);
            String token = edge.subscribeOf("held").token();
            assertThat(timer.scheduled()).isEqualTo(1);
            assertThat(timer.pending()).as("cancelled once the body was read").isZero();

            // a held SSE request without a body is never timed: the connection may be silent for hours
            try (Wire silent = Wire.connect(edge.clientPort())) {
                silent.send("GET /sub?e=silent&u=u HTTP/1.1\r\nHost: edge\r\nAccept: text/event-stream\r\n\r\n");
                assertThat(silent.head().status()).isEqualTo(200);
                String silentToken = edge.subscribeOf("silent").token();
                assertThat(timer.scheduled()).as("no deadline for a request without a body").isEqualTo(1);

                timer.fireAll(); // hours pass: nothing was pending, both stay held
                assertThat(edge.origin.deliver(token, "held", "u", "still held".getBytes()).status()).isEqualTo(200);
                assertThat(held.nextData()).isEqualTo("still held");
                assertThat(edge.origin.deliver(silentToken, "silent", "u", "still here".getBytes()).status()).isEqualTo(200);
                assertThat(silent.nextData()).isEqualTo("still here");
                assertThat(timer.pending()).as("each delivery's deadline was cancelled once its body was read").isZero();
            }
            edge.assertServes();
        }
    }

    @Test
    void stalledBodiesKeepNewClientsOutNoLongerThanTheBound() throws Exception {
        ManualTimer timer = new ManualTimer();
        List<Wire> stalled = new ArrayList<>();
        try (GuardEdge edge = GuardEdge.start(c -> c.withMaxClients(20).withBodyDeadline(new BodyDeadline(BOUND, timer)))) {
            try {
                for (int i = 0; i < 20; i++) {
                    stalled.add(Wire.connect(edge.clientPort())
                            .send("POST /sub?e=stalled&u=u" + i + " HTTP/1.1\r\nHost: edge\r\nContent-Length: 1000\r\n\r\nab"));
                }
                awaitScheduled(timer, 20);
                try (Wire refused = Wire.connect(edge.clientPort())) {
                    refused.send("GET /sub?e=late&u=u HTTP/1.1\r\nHost: edge\r\n\r\n");
                    // an SSE rule's client over the limit gets the retrying event stream (docs/protocol.md)
                    Wire.Answer over = refused.answer();
                    assertThat(over.status()).as("the stalled bodies fill every slot").isEqualTo(200);
                    assertThat(over.body()).contains("event: error\ndata: {\"status\":503,\"reason\":\"at-capacity\"");
                }

                timer.fireAll(); // the bound passes
                for (Wire w : stalled) {
                    assertThat(w.answer().status()).isEqualTo(408);
                    assertThat(w.untilClosed()).isEqualTo("");
                }
                // the stalled clients keep their sockets open: the edge itself must close (Undertow's lingering
                // close would hold each slot 10 s more, waiting for a FIN these clients never send)
                assertThat(GuardEdgeWait.until(Duration.ofSeconds(5),
                        () -> edge.edge.metricsText().contains("surrogate_client_connections 0.0")))
                        .as("every stalled connection released its slot").isTrue();
                edge.assertServes();
            } finally {
                for (Wire w : stalled) {
                    w.close();
                }
            }
        }
    }

    private static void awaitScheduled(ManualTimer timer, int count) throws InterruptedException {
        assertThat(GuardEdgeWait.until(Duration.ofSeconds(10), () -> timer.scheduled() >= count)).as(count + " deadline(s) armed").isTrue();
    }
}
