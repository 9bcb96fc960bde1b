package io.surrogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.surrogate.server.origin.Answer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The origin-side listener besides {@code /deliver-event} (DESIGN §5, observability): the
 * Prometheus metrics follow what the edge does, health and readiness answer, an unknown path
 * is 404, and a reload of rules that do not compile is refused with its diagnostics while
 * the running rules keep serving.
 */
class OriginSideTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** repeatable, the transport chosen by Accept (SSE or NDJSON stream here), 1 s heartbeats */
    private static final String RULES = EdgeFixture.rule("repeatable", "auto", "1s", "");

    @Test
    void metricsFollowWhatTheEdgeDoes() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(RULES)) {
            f.origin.setSubscribeAnswer(r -> "X".equals(r.user()) ? Answer.text(403, "no") : Answer.accepted());
            RawClient a = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=A", "Accept: text/event-stream");
            RawClient b = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B", "Accept: text/event-stream");
            RawClient c = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=C", "Accept: application/x-ndjson");
            RawClient x = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=X", "Accept: text/event-stream");
            assertThat(x.status).isEqualTo(403);
            x.close();
            assertThat(EdgeFixture.eventually(WAIT, () -> f.edge.heldConnections() == 3)).isTrue();

            HttpResponse<String> scrape = f.get(f.originSide().resolve("/metrics"));
            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.headers().firstValue("Content-Type")).hasValueSatisfying(
                    t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
            Map<String, Double> m = parse(scrape.body());
            assertThat(m).containsEntry("surrogate_connections_held{transport=\"sse\"}", 2.0)
                    .containsEntry("surrogate_connections_held{transport=\"stream\"}", 1.0)
                    .containsEntry("surrogate_connections_held{transport=\"long-poll\"}", 0.0)
                    .containsEntry("surrogate_subscribe_total{outcome=\"held\"}", 3.0)
                    .containsEntry("surrogate_subscribe_total{outcome=\"rejected\"}", 1.0)
                    .containsEntry("surrogate_subscriptions", 3.0);
            assertThat(scrape.body()).contains("# TYPE surrogate_origin_latency_seconds histogram");
            assertThat(m).containsEntry("surrogate_origin_latency_seconds_count{call=\"subscribe\"}", 4.0)
                    .containsEntry("surrogate_origin_latency_seconds_bucket{call=\"subscribe\",le=\"+Inf\"}", 4.0);

            String tokenA = f.origin.subscriptions().stream().filter(s -> s.user().equals("A")).findFirst().orElseThrow().token();
            assertThat(f.origin.deliver(tokenA, "2", "A", bytes("one")).status()).isEqualTo(200);
            assertThat(FanOutTest.reached(f.origin.fanOut("2", bytes("all")))).isEqualTo(3);
            assertThat(f.origin.fanOut("nobody", bytes("x")).status()).isEqualTo(404);
            assertThat(f.origin.send(f.origin.outgoing(tokenA, "2", "A", bytes("x")).withSecret(new byte[32])).status())
                    .isEqualTo(401);
            HttpResponse<String> reload = f.post(f.originSide().resolve("/admin/reload"), "");
            assertThat(reload.statusCode()).isEqualTo(200);

            m = parse(f.get(f.originSide().resolve("/metrics")).body());
            assertThat(m).containsEntry("surrogate_deliveries_total{result=\"delivered\"}", 2.0)
                    .containsEntry("surrogate_deliveries_total{result=\"no-subscriber\"}", 1.0)
                    .containsEntry("surrogate_deliveries_total{result=\"bad-signature\"}", 1.0)
                    .containsEntry("surrogate_reloads_total{result=\"applied\"}", 1.0)
                    .containsEntry("surrogate_rules_generation", 1.0);

            a.close();
            b.close();
            c.close();
            f.assertQuiet(WAIT);
            assertThat(f.origin.unsubscribes()).hasSize(3);
            // the counter follows the acknowledgement a moment later: wait for it, then take one scrape
            assertThat(EdgeFixture.eventually(WAIT, () -> parse(f.edge.metricsText())
                    .getOrDefault("surrogate_unsubscribe_total{result=\"acknowledged\"}", 0.0) == 3.0)).isTrue();
            m = parse(f.get(f.originSide().resolve("/metrics")).body());
            assertThat(m).containsEntry("surrogate_connections_held{transport=\"sse\"}", 0.0)
                    .containsEntry("surrogate_connections_held{transport=\"stream\"}", 0.0)
                    .containsEntry("surrogate_subscriptions", 0.0)
                    .containsEntry("surrogate_unsubscribe_total{result=\"acknowledged\"}", 3.0)
                    .containsEntry("surrogate_origin_latency_seconds_count{call=\"unsubscribe\"}", 3.0);
            f.assertQuiet(WAIT);
        }
    }

    @Test
    void healthReadinessAndUnknownPaths() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(RULES)) {
            HttpResponse<String> health = f.get(f.originSide().resolve("/healthz"));
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("ok\n");
            HttpResponse<String> ready = f.get(f.originSide().resolve("/readyz"));
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).isEqualTo("ready\n");
            HttpResponse<String> unknown = f.get(f.originSide().resolve("/subscribe-event"));
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.body()).contains("/deliver-event");
            HttpResponse<String> getReload = f.get(f.originSide().resolve("/admin/reload"));
            assertThat(getReload.statusCode()).isEqualTo(405);
            assertThat(getReload.headers().firstValue("Allow")).hasValue("POST");
            assertThat(f.edge.rulesGeneration()).as("a GET reloads nothing").isEqualTo(1);
            f.assertQuiet(WAIT);
        }
    }

    @Test
    void aReloadOfBrokenRulesIs422WithItsDiagnosticsAndTheOldRulesKeepServing() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(RULES)) {
            JsonObject before = json(f.post(f.originSide().resolve("/admin/reload"), ""));
            assertThat(before.get("applied").getAsBoolean()).isTrue();

            Files.writeString(f.rulesFile, RULES.replace("<user>$(USER)</user>", "<user>$(NOPE)</user>"));
            HttpResponse<String> refused = f.post(f.originSide().resolve("/admin/reload"), "");
            assertThat(refused.statusCode()).isEqualTo(422);
            assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/json");
            JsonObject o = json(refused);
            assertThat(o.get("applied").getAsBoolean()).isFalse();
            assertThat(o.get("generation").getAsLong()).isEqualTo(1);
            assertThat(o.get("fingerprint").getAsString()).isEqualTo(before.get("fingerprint").getAsString());
            String diagnostics = o.get("diagnostics").getAsString();
            assertThat(diagnostics).contains("test.xml:").contains("error[E201]").contains("NOPE");
            assertThat(parse(f.get(f.originSide().resolve("/metrics")).body()).get("surrogate_reloads_total{result=\"rejected\"}"))
                    .isGreaterThanOrEqualTo(1.0);

            // the rules that run are still the old ones
            RawClient held = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B", "Accept: text/event-stream");
            assertThat(held.status).isEqualTo(200);
            String token = f.origin.awaitReceived("/subscribe-event", 1, WAIT).get(0).token();
            assertThat(f.origin.subscribes().get(0).user()).isEqualTo("B");
            assertThat(f.origin.deliver(token, "2", "B", bytes("old rules")).status()).isEqualTo(200);
            assertThat(held.nextEvent(WAIT).data()).isEqualTo("old rules");
            assertThat(f.edge.rulesGeneration()).isEqualTo(1);
            held.close();
            f.assertQuiet(WAIT);
        }
    }

    /** Prometheus text: {@code name{labels} value} per sample line; comments skipped. */
    private static Map<String, Double> parse(String text) {
        Map<String, Double> samples = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return samples;
    }

    private static JsonObject json(HttpResponse<String> r) {
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
