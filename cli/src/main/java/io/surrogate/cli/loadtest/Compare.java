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
 * Reads the JSON lines of {@code surrogate loadtest} runs and prints, per scenario and size,
 * Surrogate's figures beside Nchan's and their ratio (Surrogate / Nchan: below 1 is better for
 * memory and latency, above 1 for rates). Used by {@code benchmarks/vs-nchan.sh}.
 */
public final class Compare {
    private Compare() {}

    public static void main(String[] args) throws IOException {
        Map<String, Map<String, JsonObject>> runs = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            if (line.isBlank() || !line.startsWith("{")) {
                continue;
            }
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            String key = o.get("scenario").getAsString() + " n=" + num(o, "n") + (o.has("rate") ? " rate=" + num(o, "rate") : "")
                    + (o.has("processes") ? " processes=" + num(o, "processes") : "")
                    + (o.has("channel") ? " (" + o.get("channel").getAsString() + " channel)" : "");
            runs.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(o.get("target").getAsString(), o);
        }
        System.out.printf(Locale.ROOT, "%-52s %-30s %12s %12s %8s%n", "run", "figure", "surrogate", "nchan", "ratio");
        for (var e : runs.entrySet()) {
            JsonObject s = e.getValue().get("surrogate");
            JsonObject n = e.getValue().get("nchan");
            for (String[] f : figures(s != null ? s : n)) {
                Double a = value(s, f[1]);
                Double b = value(n, f[1]);
                System.out.printf(Locale.ROOT, "%-52s %-30s %12s %12s %8s%n", e.getKey(), f[0], show(a), show(b),
                        a != null && b != null && b != 0 ? String.format(Locale.ROOT, "%.2f", a / b) : "-");
            }
        }
    }

    /** Label and path of each figure worth comparing for the run's scenario. */
    private static List<String[]> figures(JsonObject o) {
        List<String[]> f = new ArrayList<>();
        switch (o.get("scenario").getAsString()) {
            case "held" -> {
                if (o.has("steps")) {
                    for (JsonElement st : o.getAsJsonArray("steps")) {
                        String n = num(st.getAsJsonObject(), "n");
                        f.add(new String[] {"RSS KiB/conn at " + n, "steps[n=" + n + "].rssPerConnKiB"});
                        f.add(new String[] {"PSS KiB/conn at " + n, "steps[n=" + n + "].pssPerConnKiB"});
                    }
                } else {
                    f.add(new String[] {"RSS KiB in all", "rssKiB"});
                    f.add(new String[] {"PSS KiB in all", "pssKiB"});
                    f.add(new String[] {"PSS KiB/conn", "pssPerConnKiB"});
                }
            }
            case "fanout", "unicast", "soak" -> {
                if (o.has("lastReceiptMs")) {
                    // fanout: what a round costs (runs before this field was written compare on the receipts only)
                    f.add(new String[] {"all received, median round ms", "lastReceiptMs.median"});
                    f.add(new String[] {"all received, slowest ms", "lastReceiptMs.max"});
                }
                String what = o.get("scenario").getAsString().equals("fanout") ? "receipt latency " : "latency ";
                for (String p : List.of("p50", "p99", "p999", "max")) {
                    f.add(new String[] {what + p + " ms", "latencyMs." + p});
                }
                f.add(new String[] {"lost", "lost"});
                if (o.has("acceptedPerSecond")) {
                    f.add(new String[] {"accepted per second", "acceptedPerSecond"});
                }
            }
            case "subscribe" -> f.add(new String[] {"subscribes per second", "subscribesPerSecond"});
            default -> { }
        }
        f.add(new String[] {"server CPU cores", "cpu.serverCores"});
        return f;
    }

    private static Double value(JsonObject o, String path) {
        if (o == null) {
            return null;
        }
        JsonElement cur = o;
        for (String part : path.split("\\.")) {
            if (cur == null || !cur.isJsonObject() && !cur.isJsonArray()) {
                return null;
            }
            if (part.startsWith("steps[n=")) {
                String n = part.substring(8, part.indexOf(']'));
                JsonElement found = null;
                for (JsonElement st : cur.getAsJsonObject().getAsJsonArray("steps")) {
                    if (num(st.getAsJsonObject(), "n").equals(n)) {
                        found = st;
                    }
                }
                cur = found;
                continue;
            }
            cur = cur.getAsJsonObject().get(part);
        }
        return cur == null || !cur.isJsonPrimitive() ? null : cur.getAsDouble();
    }

    private static String num(JsonObject o, String name) {
        return o.has(name) ? Long.toString(o.get(name).getAsLong()) : "?";
    }

    private static String show(Double d) {
        if (d == null) {
            return "-";
        }
        return d == Math.rint(d) && Math.abs(d) < 1e12 ? String.format(Locale.ROOT, "%,d", d.longValue()) : String.format(Locale.ROOT, "%.2f", d);
    }
}
