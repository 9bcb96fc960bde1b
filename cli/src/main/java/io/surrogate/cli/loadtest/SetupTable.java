package io.surrogate.cli.loadtest;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the JSON lines of {@code surrogate loadtest} runs and prints one table per scenario, a
 * row per setup (edges alone or on Redis, how many, where deliveries went; Nchan on Redis): the
 * figures {@code benchmarks/several-edges.sh} compares. A figure a run did not measure is
 * {@code -}.
 */
public final class SetupTable {
    private SetupTable() {}

    /** One column: its heading and the path of its figure in a JSON line. */
    private record Column(String heading, String path) {}

    private static final Map<String, List<Column>> COLUMNS = Map.of(
            "fanout", List.of(new Column("n", "n"), new Column("last receipt ms (median)", "lastReceiptMs.median"),
                    new Column("(slowest)", "lastReceiptMs.max"), new Column("receipt p50 ms", "latencyMs.p50"),
                    new Column("receipt p99 ms", "latencyMs.p99"), new Column("server us/receipt", "serverCpuUsPerReceipt"),
                    new Column("redis us/receipt", "redisCpuUsPerReceipt"), new Column("lost", "lost")),
            "unicast", List.of(new Column("n", "n"), new Column("rate", "rate"), new Column("accepted/s", "acceptedPerSecond"),
                    new Column("p50 ms", "latencyMs.p50"), new Column("p99 ms", "latencyMs.p99"), new Column("p99.9 ms", "latencyMs.p999"),
                    new Column("server us/delivery", "serverCpuUsPerDelivery"), new Column("redis us/delivery", "redisCpuUsPerDelivery"),
                    new Column("lost", "lost"), new Column("refused", "refused")),
            "held", List.of(new Column("n", "steps.last.n"), new Column("server RSS KiB/conn", "steps.last.rssPerConnKiB"),
                    new Column("server PSS KiB/conn", "steps.last.pssPerConnKiB"), new Column("redis RSS KiB/conn", "steps.last.redisRssPerConnKiB"),
                    new Column("redis used KiB/conn", "steps.last.redisUsedPerConnKiB")));

    public static void main(String[] args) throws IOException {
        Map<String, List<JsonObject>> byScenario = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            if (line.startsWith("{")) {
                JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                byScenario.computeIfAbsent(o.get("scenario").getAsString(), k -> new ArrayList<>()).add(o);
            }
        }
        for (var e : byScenario.entrySet()) {
            List<Column> columns = COLUMNS.get(e.getKey());
            if (columns == null) {
                continue;
            }
            System.out.println("### " + e.getKey());
            StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "| %-44s |", "setup"));
            StringBuilder rule = new StringBuilder("|" + "-".repeat(46) + "|");
            for (Column c : columns) {
                head.append(String.format(Locale.ROOT, " %s |", c.heading()));
                rule.append("-".repeat(c.heading().length() + 1)).append(":|");
            }
            head.append(" pass |");
            rule.append("---|");
            System.out.println(head);
            System.out.println(rule);
            for (JsonObject o : e.getValue()) {
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %-44s |", setup(o)));
                for (Column c : columns) {
                    row.append(String.format(Locale.ROOT, " %" + c.heading().length() + "s |", show(value(o, c.path()))));
                }
                row.append(o.has("pass") && o.get("pass").getAsBoolean() ? " yes |" : " NO |");
                System.out.println(row);
            }
            System.out.println();
        }
    }

    /** {@code 1 edge}, {@code 3 edges on Redis, deliveries round-robin}, {@code nchan, 2 workers on Redis}. */
    static String setup(JsonObject o) {
        boolean redis = o.has("redis");
        if (o.get("target").getAsString().equals("nchan")) {
            String server = o.has("server") ? o.get("server").getAsString() : "";
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+) worker\\(s\\)").matcher(server);
            return "nchan" + (m.find() ? ", " + m.group(1) + " workers" : "") + (redis ? " on Redis" : "");
        }
        int edges = o.has("edges") ? o.get("edges").getAsInt() : 1;
        return edges + (edges == 1 ? " edge" : " edges") + (redis ? " on Redis" : ", no Redis")
                + (edges > 1 && o.has("deliverTo") ? ", deliveries " + o.get("deliverTo").getAsString() : "");
    }

    private static Double value(JsonObject o, String path) {
        JsonElement cur = o;
        for (String part : path.split("\\.")) {
            if (cur == null || cur.isJsonNull()) {
                return null;
            }
            if (part.equals("last") && cur.isJsonArray()) {
                int size = cur.getAsJsonArray().size();
                cur = size == 0 ? null : cur.getAsJsonArray().get(size - 1);
            } else if (cur.isJsonObject()) {
                cur = cur.getAsJsonObject().get(part);
            } else {
                return null;
            }
        }
        return cur == null || !cur.isJsonPrimitive() ? null : cur.getAsDouble();
    }

    private static String show(Double d) {
        if (d == null) {
            return "-";
        }
        return d == Math.rint(d) && Math.abs(d) < 1e12 ? String.format(Locale.ROOT, "%,d", d.longValue()) : String.format(Locale.ROOT, "%.2f", d);
    }
}
