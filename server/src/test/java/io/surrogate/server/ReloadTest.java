package io.surrogate.server;

import static io.surrogate.server.EdgeFixture.eventually;
import static io.surrogate.server.HeldClients.WAIT;
import static io.surrogate.server.HeldClients.bytes;
import static io.surrogate.server.HeldClients.event;
import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.server.origin.Received;
import io.surrogate.server.origin.SampleOrigin;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * DESIGN §5 "Hot reload": a rule file with errors is refused, logged with its diagnostics, and
 * the running rules stay; a good one is taken for the next request; held connections never
 * notice either.
 */
class ReloadTest {
    private static final String SUBSCRIBE = SampleOrigin.SUBSCRIBE_PATH;
    private static final String UNSUBSCRIBE = SampleOrigin.UNSUBSCRIBE_PATH;
    private static final String RULES = EdgeFixture.rule("repeatable", "auto", "1s", "");
    /** Not well-formed: the file is cut off. */
    private static final String MALFORMED = RULES.substring(0, RULES.lastIndexOf("</match:uri.path>"));
    /** Well-formed and valid against the schema, but it names a variable nothing extracts. */
    private static final String UNKNOWN_VARIABLE = RULES.replace("<user>$(USER)</user>", "<user>$(NOBODY)</user>");
    /** What changes: /sub now answers 410 itself, and subscriptions moved to /sub2. */
    private static final String MOVED = RULES.replace("<match:uri.path value=\"/sub\">", """
                    <match:uri.path value="/sub">
                        <edgeservices:respond status="410">moved to /sub2</edgeservices:respond>
                      </match:uri.path>
                      <match:uri.path value="/sub2">""");

    @Test
    void anExplicitReloadRefusesBrokenRulesKeepsTheRunningOnesAndTakesGoodOnesHeldClientsUntouched() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(RULES, ReloadTest::withoutWatcher); Diagnostics log = new Diagnostics()) {
            Held held = Held.open(f);

            for (String broken : List.of(MALFORMED, UNKNOWN_VARIABLE)) {
                Files.writeString(f.rulesFile, broken);
                assertThat(f.edge.reload()).as("a version with errors is refused").isFalse();
            }

            assertThat(f.edge.rulesGeneration()).isEqualTo(1);
            assertThat(log.rejections()).as("each refusal logged with its diagnostics").hasSize(2);
            assertThat(log.rejections().get(0)).contains("test.xml:").contains("code=E100");
            assertThat(log.rejections().get(1)).contains("test.xml:").contains("code=E201").contains("NOBODY");
            held.receiveOneEach(f, "after the refusals");
            RawClient oldRules = RawClient.open(f.clientPort(), "GET", "/sub?e=3&u=C", "Accept: text/event-stream");
            assertThat(oldRules.status).as("the running rules still subscribe on /sub").isEqualTo(200);
            assertThat(f.origin.awaitReceived(SUBSCRIBE, 3, WAIT)).hasSize(3);

            Files.writeString(f.rulesFile, MOVED);
            assertThat(f.edge.reload()).as("a good version is taken").isTrue();

            assertThat(f.edge.rulesGeneration()).isEqualTo(2);
            assertNewRulesApply(f);
            held.receiveOneEach(f, "after the reload");
            assertThat(f.origin.fanOut("3", bytes("held since the old rules")).status()).isEqualTo(200);
            assertThat(event(oldRules).data()).isEqualTo("held since the old rules");
            assertThat(f.edge.heldConnections()).as("no held connection was dropped").isEqualTo(3);

            held.close();
            oldRules.close();
            f.awaitUnsubscribes(4);
            f.assertQuiet(WAIT);
        }
    }

    @Test
    void theFileWatcherRefusesBrokenRulesAndTakesGoodOnesHeldClientsUntouched() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(RULES); Diagnostics log = new Diagnostics()) {
            Held held = Held.open(f);

            Files.writeString(f.rulesFile, MALFORMED);
            assertThat(eventually(WAIT, () -> HeldClients.counter(f, "surrogate_reloads_total", "result", "rejected") >= 1))
                    .as("the watcher tried the broken file").isTrue();

            assertThat(f.edge.rulesGeneration()).isEqualTo(1);
            assertThat(log.rejections()).isNotEmpty().allSatisfy(r -> assertThat(r).contains("code=E100"));
            held.receiveOneEach(f, "after the refusal");
            RawClient oldRules = RawClient.open(f.clientPort(), "GET", "/sub?e=3&u=C", "Accept: text/event-stream");
            assertThat(oldRules.status).isEqualTo(200);

            Files.writeString(f.rulesFile, MOVED);
            assertThat(eventually(WAIT, () -> f.edge.rulesGeneration() == 2)).as("the watcher took the good file").isTrue();

            assertNewRulesApply(f);
            held.receiveOneEach(f, "after the reload");
            assertThat(f.origin.fanOut("3", bytes("held since the old rules")).status()).isEqualTo(200);
            assertThat(event(oldRules).data()).isEqualTo("held since the old rules");
            assertThat(f.edge.heldConnections()).as("no held connection was dropped").isEqualTo(3);

            held.close();
            oldRules.close();
            f.awaitUnsubscribes(4);
            f.assertQuiet(WAIT);
        }
    }

    /**
     * Issue 12: a hostile rule file (3,000 nested matches, which once overflowed the compiler's
     * stack and killed the watcher for good) is refused by the watcher and by /admin/reload
     * (422 with its diagnostic), and the watcher still takes the next good file.
     */
    @Test
    void aRuleFileNestedThreeThousandDeepIsRefusedAndTheWatcherLivesOn() throws Exception {
        String deep = RULES.replace("<match:uri.path value=\"/sub\">",
                "<match:uri.path value=\"/x\">".repeat(3_000) + "</match:uri.path>".repeat(3_000) + "<match:uri.path value=\"/sub\">");
        try (EdgeFixture f = EdgeFixture.start(RULES); Diagnostics log = new Diagnostics()) {
            Files.writeString(f.rulesFile, deep);
            assertThat(eventually(WAIT, () -> HeldClients.counter(f, "surrogate_reloads_total", "result", "rejected") >= 1))
                    .as("the watcher tried the deep file").isTrue();
            assertThat(log.rejections()).isNotEmpty().allSatisfy(r -> assertThat(r).contains("code=E110"));

            HttpResponse<String> refused = f.post(f.originSide().resolve("/admin/reload"), "");
            assertThat(refused.statusCode()).isEqualTo(422);
            assertThat(refused.body()).contains("E110");
            assertThat(f.edge.rulesGeneration()).isEqualTo(1);

            Files.writeString(f.rulesFile, MOVED);
            assertThat(eventually(WAIT, () -> f.edge.rulesGeneration() == 2)).as("the watcher took the good file after").isTrue();
            f.assertQuiet(WAIT);
        }
    }

    /**
     * /sub answers 410 from the rule, with no origin round trip; /sub2 subscribes, gets its
     * event, and leaves (the origin hears of it). Three subscribes came before.
     */
    private static void assertNewRulesApply(EdgeFixture f) throws Exception {
        int subscribesSoFar = 4;
        var moved = f.get(f.client("/sub?e=4&u=D"), "Accept", "text/event-stream");
        assertThat(moved.statusCode()).isEqualTo(410);
        assertThat(moved.body()).isEqualTo("moved to /sub2");
        assertThat(f.origin.subscribes()).as("the old path no longer reaches the origin").hasSize(subscribesSoFar - 1);
        RawClient renamed = RawClient.open(f.clientPort(), "GET", "/sub2?e=4&u=D", "Accept: text/event-stream");
        assertThat(renamed.status).isEqualTo(200);
        Received sub2 = f.origin.awaitReceived(SUBSCRIBE, subscribesSoFar, WAIT).get(subscribesSoFar - 1);
        assertThat(sub2.eventId()).isEqualTo("4");
        assertThat(f.origin.deliver(sub2.token(), "4", "D", bytes("on the new path")).status()).isEqualTo(200);
        assertThat(event(renamed).data()).isEqualTo("on the new path");
        renamed.close();
        assertThat(f.awaitUnsubscribes(1)).extracting(Received::token).containsExactly(sub2.token());
    }

    private static ServerConfig withoutWatcher(ServerConfig c) {
        return c.withWatchRules(false);
    }

    /** An SSE and an NDJSON client held under the first rules, through every reload. */
    private record Held(RawClient sse, String sseToken, RawClient stream, String streamToken) implements AutoCloseable {
        static Held open(EdgeFixture f) throws Exception {
            RawClient sse = RawClient.open(f.clientPort(), "GET", "/sub?e=1&u=A", "Accept: text/event-stream");
            RawClient stream = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B", "Accept: application/x-ndjson");
            assertThat(List.of(sse.status, stream.status)).containsExactly(200, 200);
            List<Received> subscribes = f.origin.awaitReceived(SUBSCRIBE, 2, WAIT);
            String sseToken = subscribes.stream().filter(r -> r.eventId().equals("1")).findFirst().orElseThrow().token();
            String streamToken = subscribes.stream().filter(r -> r.eventId().equals("2")).findFirst().orElseThrow().token();
            return new Held(sse, sseToken, stream, streamToken);
        }

        void receiveOneEach(EdgeFixture f, String text) throws Exception {
            assertThat(f.origin.deliver(sseToken, "1", "A", bytes(text)).status()).isEqualTo(200);
            assertThat(event(sse).data()).isEqualTo(text);
            assertThat(f.origin.deliver(streamToken, "2", "B", bytes(text)).status()).isEqualTo(200);
            String line;
            do {
                line = stream.nextLine(WAIT);
                assertThat(line).as("an NDJSON line").isNotNull();
            } while (line.isEmpty() || line.contains("\"held\":true"));
            assertThat(line).contains("\"data\":\"" + text + "\"");
        }

        @Override
        public void close() throws Exception {
            sse.close();
            stream.close();
        }
    }

    /** The reload logger's refusals, each with its diagnostics. */
    private static final class Diagnostics extends Handler implements AutoCloseable {
        private final Logger logger = Logger.getLogger("surrogate.reload");
        private final List<String> rejections = new ArrayList<>();

        Diagnostics() {
            logger.addHandler(this);
        }

        synchronized List<String> rejections() {
            return List.copyOf(rejections);
        }

        private final List<String> pending = new ArrayList<>();

        /** One entry per refused version: its one-line diagnostics, then the refusal's own line. */
        @Override
        public synchronized void publish(LogRecord r) {
            String m = r.getMessage();
            if (m == null) {
                return;
            }
            assertThat(m).as("one line per log event").doesNotContain("\n");
            if (m.startsWith("event=rules-diagnostic")) {
                pending.add(m);
            } else if (m.startsWith("event=rules-rejected")) {
                pending.add(m);
                rejections.add(String.join("\n", pending));
                pending.clear();
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {
            logger.removeHandler(this);
        }
    }
}
