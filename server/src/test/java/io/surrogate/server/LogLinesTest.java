package io.surrogate.server;

import static io.surrogate.server.HeldClients.WAIT;
import static io.surrogate.server.HeldClients.bytes;
import static io.surrogate.server.HeldClients.event;
import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.server.origin.Answer;
import io.surrogate.server.origin.Received;
import io.surrogate.server.origin.SampleOrigin;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * The edge's log lines as an operator's parser sees them, on a real edge with every logger
 * open: one strict logfmt line per record whatever a client chose (an event id with CR LF and
 * {@code =} in it), and no user id at any level.
 */
class LogLinesTest {
    private static final String SUBSCRIBE = SampleOrigin.SUBSCRIBE_PATH;
    /** {@code dup\r\nforged=1} once the rule's query extract has decoded it */
    private static final String FORGING_EVENT = "dup%0D%0Aforged%3D1";
    private static final String USER = "user-7f3a9";

    @Test
    void aClientChosenEventIdWithCrLfStaysInsideOneQuotedValue() throws Exception {
        try (LogCapture log = new LogCapture(Level.FINE);
                EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("repeatable", "sse", "1s", ""))) {
            f.origin.setSubscribeAnswer(r -> "R".equals(r.user()) ? Answer.text(403, "no") : Answer.accepted());
            RawClient rejected = RawClient.open(f.clientPort(), "GET", "/sub?e=" + FORGING_EVENT + "&u=R");
            assertThat(rejected.status).isEqualTo(403);
            rejected.close();
            RawClient first = RawClient.open(f.clientPort(), "GET", "/sub?e=" + FORGING_EVENT + "&u=B");
            f.origin.awaitReceived(SUBSCRIBE, 2, WAIT);
            RawClient second = RawClient.open(f.clientPort(), "GET", "/sub?e=" + FORGING_EVENT + "&u=B");
            assertThat(second.status).as("the second client joins the first one's subscription").isEqualTo(200);
            second.close();
            first.close();
            f.awaitUnsubscribes(1);
            f.assertQuiet(WAIT);

            String escaped = "event-id=\"dup\\r\\nforged=1\"";
            assertThat(log.events("subscribe-rejected")).as("one line for the one rejection").hasSize(1)
                    .allSatisfy(l -> assertThat(l).contains(escaped));
            assertThat(log.events("client-joined")).hasSize(1).allSatisfy(l -> assertThat(l).contains(escaped));
            assertThat(log.events("unsubscribed")).as("the shared subscription, once its clients left").hasSize(1)
                    .allSatisfy(l -> assertThat(l).contains(escaped));
            for (String line : log.lines()) {
                assertThat(parse(line)).as(line).doesNotContainKey("forged");
            }
            assertThat(String.join("", log.lines()).split("\n")).noneMatch(l -> l.startsWith("forged"));
        }
    }

    @Test
    void noLineAtAnyLevelCarriesTheUserId() throws Exception {
        try (LogCapture log = new LogCapture(Level.FINEST);
                EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("repeatable", "sse", "1s", ""))) {
            AtomicInteger unsubscribes = new AtomicInteger();
            f.origin.setSubscribeAnswer(r -> "refused".equals(r.eventId()) ? Answer.text(403, "no") : Answer.accepted());
            f.origin.setUnsubscribeAnswer(r -> unsubscribes.incrementAndGet() == 1 ? Answer.text(503, "down") : Answer.ok());

            // subscribe and a delivery, refused and accepted
            RawClient first = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=" + USER);
            String token = f.origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
            assertThat(f.origin.deliver(token, "2", USER, bytes("hello")).status()).isEqualTo(200);
            assertThat(event(first).data()).isEqualTo("hello");
            assertThat(f.origin.deliver(token, "2", USER + "-other", bytes("x")).word()).isEqualTo("bad-token");
            // a second client joins; both drop: the unsubscribe answered 503, retried, acknowledged
            RawClient second = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=" + USER);
            assertThat(second.status).isEqualTo(200);
            second.close();
            first.close();
            List<Received> told = f.awaitUnsubscribes(2);
            assertThat(told).extracting(Received::token).containsExactly(token, token);
            // a rejected subscribe
            RawClient rejected = RawClient.open(f.clientPort(), "GET", "/sub?e=refused&u=" + USER);
            assertThat(rejected.status).isEqualTo(403);
            rejected.close();
            // a stop with one subscription held
            RawClient held = RawClient.open(f.clientPort(), "GET", "/sub?e=3&u=" + USER);
            assertThat(held.status).isEqualTo(200);
            f.origin.awaitReceived(SUBSCRIBE, 3, WAIT);
            f.edge.close();
            assertThat(f.origin.unsubscribes()).as("the held one told at stop").hasSize(3);
            held.close();

            for (String event : List.of("delivery", "delivery-refused", "client-joined", "unsubscribe-retry",
                    "unsubscribed", "subscribe-rejected", "stopped")) {
                assertThat(log.events(event)).as("a line for %s", event).isNotEmpty();
            }
            for (String line : log.lines()) {
                assertThat(line).doesNotContain(USER);
                parse(line);
            }
        }
    }

    @Test
    void aCorsRefusalIsOneLineNamingTheOriginAndTheRule() throws Exception {
        String rules = EdgeFixture.rule("repeatable", "sse", "1s", "").replace("<edgeservices:event.handle-subscription>",
                "<edgeservices:cors allow-origin=\"https://app.example\"/>\n<edgeservices:event.handle-subscription>");
        try (LogCapture log = new LogCapture(Level.INFO); EdgeFixture f = EdgeFixture.start(rules)) {
            RawClient refused = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B", "Origin: https://evil.example/\"x=1");
            assertThat(refused.status).isEqualTo(403);
            refused.close();
            assertThat(f.origin.received()).isEmpty();
            f.assertQuiet(WAIT);
            assertThat(log.events("cors-refused")).hasSize(1).allSatisfy(l -> {
                assertThat(parse(l)).containsEntry("origin", "https://evil.example/\"x=1").containsEntry("method", "GET")
                        .doesNotContainKey("x");
                assertThat(parse(l).get("rule")).startsWith("<edgeservices:cors allow-origin=\"https://app.example\"/>");
            });
        }
    }

    /**
     * Every record at {@code level} and above, formatted as the product formats it, with the
     * loggers set as {@link Logging#install} sets them (the libraries held at WARNING).
     */
    private static final class LogCapture extends Handler implements AutoCloseable {
        private final Logger root = Logger.getLogger("");
        private final Level rootLevel = root.getLevel();
        private final Map<Handler, Level> others = new LinkedHashMap<>();
        private final Map<Logger, Level> libraries = new LinkedHashMap<>();
        private final List<String> lines = new ArrayList<>();

        LogCapture(Level level) {
            setFormatter(new Logging.LogfmtFormatter());
            setLevel(level);
            for (Handler h : root.getHandlers()) {
                // the test run's console keeps its warnings only
                others.put(h, h.getLevel());
                h.setLevel(Level.WARNING);
            }
            for (Logger library : Logging.LIBRARIES) {
                libraries.put(library, library.getLevel());
                library.setLevel(Level.WARNING);
            }
            root.addHandler(this);
            root.setLevel(level);
        }

        @Override
        public void publish(LogRecord r) {
            if (!isLoggable(r)) {
                return;
            }
            String line = getFormatter().format(r);
            synchronized (lines) {
                lines.add(line);
            }
        }

        List<String> lines() {
            synchronized (lines) {
                return List.copyOf(lines);
            }
        }

        List<String> events(String name) {
            return lines().stream().filter(l -> name.equals(parse(l).get("event"))).toList();
        }

        @Override
        public void flush() {}

        @Override
        public void close() {
            root.removeHandler(this);
            root.setLevel(rootLevel);
            others.forEach(Handler::setLevel);
            libraries.forEach(Logger::setLevel);
        }
    }

    /**
     * Parses one formatted record as strict logfmt, failing on anything else: exactly one line,
     * {@code key=value} pairs separated by one space, a value bare (no space, quote, {@code =},
     * backslash or non-ASCII) or quoted with only the escapes {@link LogLine} writes, no control
     * character anywhere, no key twice.
     */
    static Map<String, String> parse(String formatted) {
        assertThat(formatted).as("one record, one line").endsWith("\n");
        String line = formatted.substring(0, formatted.length() - 1);
        Map<String, String> pairs = new LinkedHashMap<>();
        int i = 0;
        while (i < line.length()) {
            int eq = line.indexOf('=', i);
            assertThat(eq).as("a key=value pair at %d in: %s", i, line).isGreaterThan(i);
            String key = line.substring(i, eq);
            assertThat(key).as("a plain key in: %s", line).matches("[A-Za-z0-9._-]+");
            i = eq + 1;
            StringBuilder value = new StringBuilder();
            if (i < line.length() && line.charAt(i) == '"') {
                i++;
                while (true) {
                    assertThat(i).as("a closed quote in: %s", line).isLessThan(line.length());
                    char c = line.charAt(i);
                    assertThat(LogLine.unsafe(c)).as("a control character in: %s", line).isFalse();
                    if (c == '"') {
                        i++;
                        break;
                    }
                    if (c == '\\') {
                        char e = line.charAt(i + 1);
                        switch (e) {
                            case '"', '\\' -> value.append(e);
                            case 'n' -> value.append('\n');
                            case 'r' -> value.append('\r');
                            case 't' -> value.append('\t');
                            case 'u' -> {
                                value.append((char) Integer.parseInt(line.substring(i + 2, i + 6), 16));
                                i += 4;
                            }
                            default -> throw new AssertionError("unknown escape \\" + e + " in: " + line);
                        }
                        i += 2;
                    } else {
                        value.append(c);
                        i++;
                    }
                }
            } else {
                while (i < line.length() && line.charAt(i) != ' ') {
                    char c = line.charAt(i);
                    assertThat(c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7F).as("a bare value in: %s", line).isFalse();
                    value.append(c);
                    i++;
                }
                assertThat(value).as("a value after %s= in: %s", key, line).isNotEmpty();
            }
            assertThat(pairs.put(key, value.toString())).as("%s once in: %s", key, line).isNull();
            if (i < line.length()) {
                assertThat(line.charAt(i)).as("one space between pairs in: %s", line).isEqualTo(' ');
                i++;
                assertThat(i).as("no trailing space in: %s", line).isLessThan(line.length());
            }
        }
        return pairs;
    }
}
