package io.surrogate.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.surrogate.server.http.AdminAuth;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operators' endpoints (issue 11): the JVM and process metrics an operator expects, a
 * build-info gauge, a latency histogram with a handful of buckets, the bearer token on
 * {@code /metrics} and {@code /admin/*}, no admin action for a browser, and the Grafana
 * dashboard in docs/ drawing only metrics the edge exports.
 */
class OperatorEndpointsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String RULES = EdgeFixture.rule("repeatable", "auto", "1s", "");
    private static final String TOKEN = "k7Qm2vX9pLr4sT8wYz3nB6cD";

    @TempDir
    Path tmp;

    @Test
    void theProcessAndTheJvmAreMeasuredBesideTheEdge() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(RULES)) {
            String text = f.get(f.originSide().resolve("/metrics")).body();
            assertThat(text).contains("# TYPE process_files_open_files gauge", "# TYPE process_files_max_files gauge",
                    "# TYPE process_resident_memory_bytes gauge", "# TYPE jvm_memory_used_bytes gauge",
                    "# TYPE jvm_threads_live_threads gauge", "# TYPE process_cpu_usage gauge", "# TYPE process_uptime_seconds gauge");
            assertThat(sample(text, "process_resident_memory_bytes")).isGreaterThan(1024 * 1024);
            assertThat(sample(text, "process_files_open_files")).isGreaterThan(0).isLessThan(sample(text, "process_files_max_files"));
            assertThat(text).containsPattern("(?m)^surrogate_build_info\\{java=\"[^\"]+\",version=\"[^\"]+\"} 1(\\.0)?$")
                    .doesNotContain("version=\"unknown\"");
            // a handful of buckets an operator can read, the same for each call
            List<String> le = new ArrayList<>();
            Matcher m = Pattern.compile("(?m)^surrogate_origin_latency_seconds_bucket\\{call=\"subscribe\",le=\"([^\"]+)\"}").matcher(text);
            while (m.find()) {
                le.add(m.group(1));
            }
            assertThat(le).containsExactly("0.005", "0.025", "0.1", "0.25", "1.0", "2.5", "10.0", "+Inf");
        }
    }

    @Test
    void gcPausesAreCountedOnceTheJvmCollects() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(RULES)) {
            System.gc(); // the pause timer is registered at the first collection the JVM reports
            assertThat(EdgeFixture.eventually(WAIT, () -> f.edge.metricsText().contains("jvm_gc_pause_seconds_count"))).isTrue();
        }
    }

    @Test
    void withATokenMetricsAndAdminNeedIt() throws Exception {
        Path file = tmp.resolve("admin-token");
        Files.writeString(file, TOKEN + "\n");
        try (EdgeFixture f = EdgeFixture.start(RULES, c -> c.withAdmin(adminFrom(file)))) {
            HttpResponse<String> none = f.get(f.originSide().resolve("/metrics"));
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"surrogate\"");
            assertThat(none.body()).doesNotContain("surrogate_");
            assertThat(f.get(f.originSide().resolve("/metrics"), "Authorization", "Bearer wrong-token-of-some-length").statusCode())
                    .isEqualTo(401);
            assertThat(f.get(f.originSide().resolve("/metrics"), "Authorization", "Basic " + TOKEN).statusCode()).isEqualTo(401);
            assertThat(f.get(f.originSide().resolve("/metrics"), "Authorization", "Bearer " + TOKEN.substring(1)).statusCode())
                    .isEqualTo(401);
            assertThat(f.get(f.originSide().resolve("/metrics"), "Authorization", "Bearer " + "x".repeat(100_00)).statusCode())
                    .isEqualTo(401);
            long generation = f.edge.rulesGeneration();
            assertThat(f.post(f.originSide().resolve("/admin/reload"), "").statusCode()).isEqualTo(401);
            assertThat(f.post(f.originSide().resolve("/admin/other"), "").statusCode()).isEqualTo(401);

            HttpResponse<String> ok = f.get(f.originSide().resolve("/metrics"), "Authorization", "bearer " + TOKEN);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).contains("surrogate_admin_refused_total{reason=\"unauthenticated\"} 7.0");
            assertThat(f.post(f.originSide().resolve("/admin/reload"), "", "Authorization", "Bearer " + TOKEN).statusCode())
                    .isEqualTo(200);
            assertThat(f.edge.rulesGeneration()).isEqualTo(generation);
            // health, readiness and deliveries are not the operators' and stay open (deliveries carry their own signature)
            assertThat(f.get(f.originSide().resolve("/healthz")).statusCode()).isEqualTo(200);
            assertThat(f.get(f.originSide().resolve("/readyz")).statusCode()).isEqualTo(200);
            assertThat(f.origin.fanOut("nobody", "x".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(404);
        }
    }

    @Test
    void aBrowserNeverReloadsTheEdgeEvenWithoutAToken() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(RULES)) {
            HttpResponse<String> r = f.post(f.originSide().resolve("/admin/reload"), "", "Origin", "http://evil.example");
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(r.body()).contains("not for browsers");
            assertThat(f.edge.metricsText()).contains("surrogate_admin_refused_total{reason=\"browser\"} 1.0")
                    .doesNotContain("surrogate_reloads_total");
            assertThat(f.post(f.originSide().resolve("/admin/reload"), "").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aTokenFileThatWillNotDoIsRefusedClearly() throws IOException {
        Path shortOne = Files.writeString(tmp.resolve("short"), "abc\n");
        assertThatThrownBy(() -> AdminAuth.fromFile(shortOne)).hasMessageContaining("at least 16 characters (it has 3)");
        Path blank = Files.writeString(tmp.resolve("blank"), "abcdefgh ijklmnopqrs\n");
        assertThatThrownBy(() -> AdminAuth.fromFile(blank)).hasMessageContaining("without blanks (character 9)");
        assertThatThrownBy(() -> AdminAuth.fromFile(tmp.resolve("absent"))).hasMessageContaining("is not a file");
        Path huge = Files.writeString(tmp.resolve("huge"), "a".repeat(10_000));
        assertThatThrownBy(() -> AdminAuth.fromFile(huge)).hasMessageContaining("at most 4096");
        Path good = Files.writeString(tmp.resolve("good"), "  " + TOKEN + "  \nsecond line ignored\n");
        AdminAuth auth = AdminAuth.fromFile(good);
        assertThat(auth.allows("Bearer " + TOKEN)).isTrue();
        assertThat(auth.allows(null)).isFalse();
        assertThat(auth.toString()).doesNotContain(TOKEN).isEqualTo("AdminAuth[bearer token]");
        assertThat(AdminAuth.NONE.allows(null)).isTrue();
    }

    /**
     * Every metric the dashboard draws is one the edge exports (after a subscription, a delivery,
     * a reload and a GC), or a counter that appears at its first event and is in operations.md's
     * table; and every {@code surrogate_} metric the edge exports is in that table.
     */
    @Test
    void theGrafanaDashboardDrawsOnlyMetricsTheEdgeExports() throws Exception {
        Path dashboard = Path.of("..", "docs", "grafana-dashboard.json");
        JsonObject doc = JsonParser.parseString(Files.readString(dashboard)).getAsJsonObject();
        Set<String> drawn = new TreeSet<>();
        collectExpressions(doc, drawn);
        assertThat(drawn).as("metric names in the dashboard's expressions").hasSizeGreaterThan(10);
        try (EdgeFixture f = EdgeFixture.start(RULES)) {
            RawClient a = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=A", "Accept: text/event-stream");
            assertThat(EdgeFixture.eventually(WAIT, () -> f.edge.heldConnections() == 1)).isTrue();
            assertThat(f.origin.fanOut("2", "x".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(200);
            f.edge.reload();
            System.gc();
            assertThat(EdgeFixture.eventually(WAIT, () -> f.edge.metricsText().contains("jvm_gc_pause_seconds_count"))).isTrue();
            a.close();
            f.assertQuiet(WAIT);
            Set<String> exported = new TreeSet<>();
            Matcher m = Pattern.compile("(?m)^([a-z_:][a-z0-9_:]*)[{ ]").matcher(f.edge.metricsText());
            while (m.find()) {
                exported.add(m.group(1));
            }
            String operations = Files.readString(Path.of("..", "docs", "operations.md"));
            Set<String> documented = new TreeSet<>();
            Matcher d = Pattern.compile("(?m)^\\| `([a-z_]+)`").matcher(metricsSection(operations));
            while (d.find()) {
                documented.add(d.group(1));
            }
            for (String name : drawn) {
                assertThat(exported.contains(name) || name.endsWith("_total") && documented.contains(name))
                        .as("the dashboard draws %s: exported now, or a documented counter", name).isTrue();
            }
            for (String name : exported) {
                String family = name.replaceFirst("_(bucket|count|sum|max)$", "");
                if (name.startsWith("surrogate_")) {
                    assertThat(documented).as("docs/operations.md's metrics table").contains(family);
                }
            }
        }
    }

    private static String metricsSection(String operations) {
        int start = operations.indexOf("\n## Metrics");
        int end = operations.indexOf("\n## ", start + 1);
        return operations.substring(start, end < 0 ? operations.length() : end);
    }

    private static void collectExpressions(JsonElement e, Set<String> names) {
        if (e.isJsonObject()) {
            for (var entry : e.getAsJsonObject().entrySet()) {
                if (entry.getKey().equals("expr") && entry.getValue().isJsonPrimitive()) {
                    Matcher m = Pattern.compile("\\b((?:surrogate|process|jvm)_[a-z0-9_]+)").matcher(entry.getValue().getAsString());
                    while (m.find()) {
                        names.add(m.group(1));
                    }
                } else {
                    collectExpressions(entry.getValue(), names);
                }
            }
        } else if (e.isJsonArray()) {
            e.getAsJsonArray().forEach(x -> collectExpressions(x, names));
        }
    }

    private static AdminAuth adminFrom(Path file) {
        try {
            return AdminAuth.fromFile(file);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static double sample(String text, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*})? (\\S+)$").matcher(text);
        assertThat(m.find()).as("a sample of " + name).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
