package io.surrogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.server.origin.Answer;
import io.surrogate.server.origin.SampleOrigin;
import io.surrogate.server.subscribe.OriginAnswer;
import io.surrogate.server.subscribe.OriginCalls;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * A transient subscribe failure answers an EventSource so that it comes back by itself (200
 * {@code text/event-stream}, {@code retry:}, {@code event: error}, end), within the documented
 * bounds and with each client's own delay; a permanent refusal stops it; long-poll and NDJSON
 * clients get the status with {@code Retry-After}; the rule's {@code <transient-failure
 * answer="status">} turns the event stream off (docs/rules.md, "transient-failure").
 */
class TransientFailureTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String SSE = EdgeFixture.rule("one-shot", "sse", "1s", "");
    private static final String AUTO = EdgeFixture.rule("one-shot", "auto", "1s", "");
    private static final String EVENT_STREAM = "Accept: text/event-stream";
    private static final Pattern RETRY = Pattern.compile("\\Aretry: (\\d+)\nevent: error\ndata: (\\{.*})\n\n\\z");

    /** What an EventSource read: the retry delay and the error event's data. */
    record Retrying(long retryMillis, String data) {}

    private static Retrying retrying(HttpResponse<String> r) {
        assertThat(r.statusCode()).as("an EventSource retries only after a 200").isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
        Matcher m = RETRY.matcher(r.body());
        assertThat(m.matches()).as("retry:, event: error, one data line, then the end: %s", r.body()).isTrue();
        return new Retrying(Long.parseLong(m.group(1)), m.group(2));
    }

    private static HttpResponse<String> subscribe(EdgeFixture f, String user, String... headers) throws Exception {
        return f.get(f.client("/sub?e=2&u=" + user), headers.length == 0 ? new String[] {"Accept", "text/event-stream"} : headers);
    }

    @ParameterizedTest
    @ValueSource(ints = {429, 500, 502, 503, 504})
    void anOrigin429Or5xxTellsTheEventSourceToRetryWithinTheRulesWindow(int status) throws Exception {
        try (EdgeFixture f = EdgeFixture.start(SSE)) {
            f.origin.setSubscribeAnswer(r -> Answer.text(status, "internal detail"));
            Retrying r = retrying(subscribe(f, "B"));
            assertThat(r.retryMillis()).as("the default window, 1s to 10s").isBetween(1_000L, 10_000L);
            assertThat(r.data()).isEqualTo("{\"status\":" + status + ",\"reason\":\"rejected\",\"message\":\"the origin refused the subscription ("
                    + status + ")\",\"retry\":" + r.retryMillis() + "}");
            assertNothingHeld(f);
        }
    }

    @Test
    void anOriginThatIsDownTellsTheEventSourceToRetry() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(SSE)) {
            f.origin.close();
            Retrying r = retrying(subscribe(f, "B"));
            assertThat(r.retryMillis()).isBetween(1_000L, 10_000L);
            assertThat(r.data()).startsWith("{\"status\":502,\"reason\":\"origin-unreachable\",\"message\":\"the origin cannot be reached\"");
            f.assertQuiet(WAIT);
        }
    }

    @Test
    void anOriginThatAnswersSomethingElseThan202TellsTheEventSourceToRetry() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(SSE)) {
            f.origin.setSubscribeAnswer(r -> Answer.ok());
            Retrying r = retrying(subscribe(f, "B"));
            assertThat(r.data()).startsWith("{\"status\":502,\"reason\":\"origin-bad-answer\"");
            assertNothingHeld(f);
        }
    }

    @Test
    void anOriginTimeoutTellsTheEventSourceToRetry() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(SSE, c -> c, failing(OriginAnswer.Failure.TIMEOUT))) {
            Retrying r = retrying(subscribe(f, "B"));
            assertThat(r.retryMillis()).isBetween(1_000L, 10_000L);
            assertThat(r.data()).startsWith("{\"status\":504,\"reason\":\"origin-timeout\"");
            f.assertQuiet(WAIT);
        }
    }

    @Test
    void tooManyWaitingForTheOriginIsRetriedNoEarlierThanItsRetryAfter() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(SSE, c -> c, failing(OriginAnswer.Failure.BUSY))) {
            Retrying r = retrying(subscribe(f, "B"));
            assertThat(r.retryMillis()).as("Retry-After 1: from 1 s to 2 s").isBetween(1_000L, 2_000L);
            assertThat(r.data()).startsWith("{\"status\":503,\"reason\":\"origin-busy\"");
            f.assertQuiet(WAIT);
        }
    }

    @Test
    void theOriginsRetryAfterIsHonoured() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(AUTO)) {
            f.origin.setSubscribeAnswer(r -> Answer.text(503, "maintenance").withRetryAfter("30"));
            for (String user : List.of("A", "B", "C")) {
                assertThat(retrying(subscribe(f, user)).retryMillis()).as("never earlier than asked, at most twice as late")
                        .isBetween(30_000L, 60_000L);
            }
            f.origin.setSubscribeAnswer(r -> Answer.text(429, "slow down").withRetryAfter("30"));
            HttpResponse<String> plain = subscribe(f, "D", "Accept", "application/x-ndjson");
            assertThat(plain.statusCode()).isEqualTo(429);
            assertThat(plain.headers().firstValue("Retry-After")).as("a plain answer passes R on as it is").hasValue("30");
            assertNothingHeld(f);
        }
    }

    @Test
    void everyClientDrawsItsOwnDelay() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(SSE)) {
            f.origin.setSubscribeAnswer(r -> Answer.text(503, "down"));
            Set<Long> delays = new HashSet<>();
            for (int i = 0; i < 8; i++) {
                delays.add(retrying(subscribe(f, "U" + i)).retryMillis());
            }
            // eight draws from 9,001 values: all eight equal has a chance of 1 in 10^27
            assertThat(delays).as("eight clients that failed together come back at different times").hasSizeGreaterThan(1);
            assertNothingHeld(f);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {401, 403, 404, 409, 410})
    void aPermanentRefusalStopsTheEventSource(int status) throws Exception {
        try (EdgeFixture f = EdgeFixture.start(SSE)) {
            f.origin.setSubscribeAnswer(r -> Answer.text(status, "no"));
            HttpResponse<String> r = subscribe(f, "B");
            assertThat(r.statusCode()).as("a status other than 200 ends an EventSource for good").isEqualTo(status);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
            assertThat(r.headers().firstValue("Retry-After")).isEmpty();
            assertThat(r.body()).isEqualTo("the origin refused the subscription (" + status + ")\n");
            assertNothingHeld(f);
        }
    }

    @Test
    void theEdgesRateLimitTellsTheEventSourceToComeBackAfterTheWindow() throws Exception {
        String rules = SSE.replace("<variable:extract from=\"query\" key=\"u\" name=\"USER\" required=\"true\"/>",
                "<variable:extract from=\"query\" key=\"u\" name=\"USER\" required=\"true\"/>\n"
                        + "<edgeservices:rate-limit key=\"user:$(USER)\" limit=\"1\" per=\"1m\"/>");
        try (EdgeFixture f = EdgeFixture.start(rules)) {
            f.origin.setSubscribeAnswer(r -> Answer.text(503, "down"));
            retrying(subscribe(f, "B"));
            Retrying limited = retrying(subscribe(f, "B"));
            assertThat(limited.retryMillis()).as("the window's 60 s left, up to twice that").isBetween(60_000L, 120_000L);
            assertThat(limited.data()).startsWith("{\"status\":429,\"reason\":\"rate-limited\"");
            assertThat(f.origin.subscribes()).as("the limited request never reached the origin").hasSize(1);
            assertNothingHeld(f);
        }
    }

    @Test
    void atTheConnectionLimitAnEventSourceIsToldToRetryAndAPlainClientGets503() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(SSE, c -> c.withMaxClients(1))) {
            RawClient held = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=A", EVENT_STREAM);
            assertThat(held.status).isEqualTo(200);
            assertThat(EdgeFixture.eventually(WAIT, () -> f.edge.heldConnections() == 1)).isTrue();

            RawClient over = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B", EVENT_STREAM);
            assertThat(over.status).isEqualTo(200);
            assertThat(over.header("Content-Type")).isEqualTo("text/event-stream; charset=utf-8");
            long retry = Long.parseLong(over.nextLine(WAIT).substring("retry: ".length()));
            assertThat(retry).as("Retry-After 5: from 5 s to 10 s").isBetween(5_000L, 10_000L);
            assertThat(over.nextLine(WAIT)).isEqualTo("event: error");
            assertThat(over.nextLine(WAIT)).startsWith("data: {\"status\":503,\"reason\":\"at-capacity\"");
            assertThat(over.awaitEnd(WAIT)).isTrue();
            over.close();

            RawClient other = RawClient.open(f.clientPort(), "GET", "/nothing");
            assertThat(other.status).as("no rule: the plain 503").isEqualTo(503);
            assertThat(other.header("Retry-After")).isEqualTo("5");
            other.close();
            assertThat(f.origin.subscribes()).hasSize(1);
            held.close();
            f.awaitUnsubscribes(1);
        }
    }

    @Test
    void longPollAndNdjsonClientsGetTheStatusWithRetryAfter() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(AUTO)) {
            f.origin.setSubscribeAnswer(r -> Answer.text(503, "down"));
            HttpResponse<String> ndjson = subscribe(f, "A", "Accept", "application/x-ndjson");
            HttpResponse<String> longPoll = subscribe(f, "B", "Accept", "*/*");
            for (HttpResponse<String> r : List.of(ndjson, longPoll)) {
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(r.body()).isEqualTo("the origin refused the subscription (503)\n");
                assertThat(Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow()))
                        .as("the drawn delay in whole seconds").isBetween(1L, 10L);
            }
            retrying(subscribe(f, "C"));
            assertNothingHeld(f);
        }
    }

    @Test
    void theRuleCanAnswerSseClientsWithTheStatusAndChooseTheWindow() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("one-shot", "sse", "1s",
                "<transient-failure answer=\"status\" retry-min=\"20s\" retry-max=\"30s\"/>"))) {
            f.origin.setSubscribeAnswer(r -> Answer.text(502, "down"));
            HttpResponse<String> r = subscribe(f, "B");
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow())).isBetween(20L, 30L);
            assertNothingHeld(f);
        }
        try (EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("one-shot", "sse", "1s",
                "<transient-failure retry-min=\"20s\" retry-max=\"30s\"/>"))) {
            f.origin.setSubscribeAnswer(r -> Answer.text(502, "down"));
            assertThat(retrying(subscribe(f, "B")).retryMillis()).isBetween(20_000L, 30_000L);
            assertNothingHeld(f);
        }
    }

    @Test
    void afterTheRetryTheOriginThatRecoveredHoldsTheClient() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(SSE)) {
            f.origin.setSubscribeAnswer(r -> Answer.text(503, "down"));
            retrying(subscribe(f, "B"));
            f.origin.setSubscribeAnswer(r -> Answer.accepted());
            RawClient back = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B", EVENT_STREAM);
            assertThat(back.status).isEqualTo(200);
            String token = f.origin.awaitReceived(SampleOrigin.SUBSCRIBE_PATH, 2, WAIT).get(1).token();
            assertThat(f.origin.deliver(token, "2", "B", "mail".getBytes()).status()).isEqualTo(200);
            assertThat(back.nextEvent(WAIT).data()).isEqualTo("mail");
            back.close();
            f.assertQuiet(WAIT);
        }
    }

    private static void assertNothingHeld(EdgeFixture f) throws InterruptedException {
        assertThat(f.edge.heldConnections()).isZero();
        f.assertQuiet(WAIT);
    }

    /** Origin calls that fail at once as {@code failure}, as the edge's client reports it. */
    private static java.util.function.UnaryOperator<OriginCalls> failing(OriginAnswer.Failure failure) {
        return real -> new OriginCalls() {
            @Override
            public Optional<URI> target(io.surrogate.engine.OriginRequest request) {
                return real.target(request);
            }

            @Override
            public CompletableFuture<OriginAnswer> send(URI uri, io.surrogate.engine.OriginRequest request,
                    Supplier<io.surrogate.engine.OriginRequest> resign, Duration timeout) {
                return CompletableFuture.completedFuture(new OriginAnswer(0, null, null, failure));
            }
        };
    }
}
