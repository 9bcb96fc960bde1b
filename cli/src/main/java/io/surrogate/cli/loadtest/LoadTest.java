package io.surrogate.cli.loadtest;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * {@code surrogate loadtest}: runs one scenario against one {@link Target} with a
 * {@link Generator}, prints its progress and summary, then one JSON line written from the
 * scenario's typed {@link Report}. Lost events and failed subscribers are failures: the run's
 * result says so.
 */
public final class LoadTest {
    /** What to run. Durations in seconds. */
    public record Options(String scenario, int clients, List<Integer> steps, boolean sse, boolean sharedChannel, int rate, int seconds,
            int warmupSeconds, int rounds, int concurrency, int publishers, int threads, int idleSeconds, int warmupClients, int processes,
            java.nio.file.Path jar) {}

    /** One scenario: runs on the generator, returns what it measured. */
    interface Scenario {
        Report run(Generator g) throws Exception;

        /** True when the run lost nothing and nothing was refused (beyond the failed and dropped subscribers, checked for all). */
        boolean passed(Report r, Generator g);
    }

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeSpecialFloatingPointValues().create();

    private final Options o;
    private final Target target;
    private final PrintWriter out;
    private String json;

    public LoadTest(Options o, Target target, PrintWriter out) {
        this.o = o;
        this.target = target;
        this.out = out;
    }

    static Scenario scenario(Options o) {
        return switch (o.scenario()) {
            case "held" -> o.processes() > 1 ? new HeldInProcessesScenario() : new HeldScenario();
            case "fanout" -> new FanoutScenario();
            case "unicast" -> new UnicastScenario();
            case "subscribe" -> new SubscribeScenario();
            case "soak" -> new SoakScenario();
            default -> throw new IllegalArgumentException("no scenario " + o.scenario());
        };
    }

    /** Runs the scenario, prints the summary and one JSON line; true when nothing failed or was lost. */
    public boolean run() throws Exception {
        Report.Header header = new Report.Header(o.scenario(), target.name(), Instant.now().toString(), target.describe(),
                o.sse() ? "sse" : "long-poll", Machine.describe());
        Report.Setup setup = target instanceof SurrogateTarget s ? s.setup() : target instanceof NchanTarget n ? n.setup() : null;
        Scenario scenario = scenario(o);
        Report report = null;
        String error = null;
        boolean ok;
        Generator g = new Generator(o, target, out);
        try {
            report = scenario.run(g);
            ok = scenario.passed(report, g);
        } catch (IOException e) {
            // the run could not go on (subscribers not held in time, a server that stopped answering): say why, keep the JSON line
            ok = false;
            error = e.getMessage();
            out.println("error: " + e.getMessage());
            if (target instanceof SurrogateTarget s) {
                String logs = s.edgeLogs(5);
                if (!logs.isBlank()) {
                    out.println("the edges' last log lines:\n" + logs.strip());
                }
            }
        } finally {
            g.close();
        }
        ok &= g.failed.get() == 0 && g.dropped.get() == 0;
        List<String> failures = g.failures();
        Report.Outcome outcome = new Report.Outcome(error, g.serverDelivered.get() > 0 ? g.serverDelivered.get() : null, g.failed.get(),
                g.dropped.get(), failures.isEmpty() ? null : failures, ok);
        json = line(header, setup, report, outcome);
        out.println(json);
        out.flush();
        return ok;
    }

    /** The run's JSON line, once {@link #run} returned. */
    public String json() {
        return json;
    }

    /** One JSON object: the header's fields, the setup's, the report's (none when the run broke off), the outcome's. */
    static String line(Report.Header header, Report.Setup setup, Report report, Report.Outcome outcome) {
        JsonObject line = new JsonObject();
        for (Object part : new Object[] {header, setup, report, outcome}) {
            if (part != null) {
                for (Map.Entry<String, com.google.gson.JsonElement> e : GSON.toJsonTree(part).getAsJsonObject().entrySet()) {
                    line.add(e.getKey(), e.getValue());
                }
            }
        }
        return GSON.toJson(line);
    }
}
