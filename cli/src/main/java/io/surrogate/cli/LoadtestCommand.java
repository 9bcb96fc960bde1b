package io.surrogate.cli;

import io.surrogate.cli.loadtest.LoadTest;
import io.surrogate.cli.loadtest.Target;
import io.surrogate.cli.loadtest.Targets;
import io.surrogate.server.Logging;
import io.surrogate.server.cluster.RedisSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code surrogate loadtest}: the load generator (docs/performance.md reports what it measured). */
@Command(name = "loadtest",
        description = {"Put a Surrogate edge (started here, with a fast built-in origin) or Nchan under load, on loopback, and measure it.",
                "Scenarios: held (memory per held idle subscriber), fanout (one event to N subscribers of one channel), "
                        + "unicast (signed deliveries at a rate to distinct subscribers), subscribe (full subscribe round trips per second), "
                        + "soak (churn: subscribers arrive at a rate, each gets one event and leaves).",
                "Prints progress and a summary, then one JSON line. Exit status 1 when an event was lost or a subscriber failed."},
        mixinStandardHelpOptions = true,
        footer = {"", "Examples:",
                "  surrogate loadtest held --steps 10000,19000",
                "  surrogate loadtest fanout -n 10000 --rounds 5",
                "  surrogate loadtest unicast -n 10000 --rate 5000 --seconds 30",
                "  surrogate loadtest subscribe --seconds 20",
                "  surrogate loadtest soak --rate 1000 --seconds 600",
                "  surrogate loadtest fanout -n 9000 --edges 3 --redis redis://127.0.0.1:6390",
                "  surrogate loadtest unicast -n 9000 --edges 3 --redis redis://127.0.0.1:6390 --deliver-to round-robin",
                "  surrogate loadtest fanout -n 10000 --target nchan --nchan-dir /tmp/nchan.X"})
final class LoadtestCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SCENARIO", description = "held, fanout, unicast, subscribe or soak.")
    String scenario;

    @Option(names = "--target", paramLabel = "SYSTEM", defaultValue = "surrogate",
            description = "surrogate (edges started here as child processes) or nchan (started by benchmarks/nchan/nchan.sh; default: ${DEFAULT-VALUE}).")
    String target;

    @Option(names = {"-n", "--clients"}, paramLabel = "N", defaultValue = "10000",
            description = "Subscribers held (fanout, unicast; default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--steps", paramLabel = "N,N", split = ",", description = "held: the counts to measure at (default: the -n value).")
    List<Integer> steps;

    @Option(names = "--transport", paramLabel = "T", defaultValue = "sse", description = "sse or long-poll (default: ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "--channel", paramLabel = "C", defaultValue = "per-subscriber",
            description = "held: per-subscriber (one channel or event each) or shared (default: ${DEFAULT-VALUE}).")
    String channel;

    @Option(names = "--rate", paramLabel = "PER_SECOND", defaultValue = "1000",
            description = "unicast: publishes per second, 0 for as fast as the server answers; soak: new subscribers per second (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "20",
            description = "unicast, subscribe, soak: how long, at most 3600 (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--warmup", paramLabel = "S", defaultValue = "5",
            description = "unicast: seconds of publishing before recording; fanout: rounds before recording (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--rounds", paramLabel = "R", defaultValue = "5", description = "fanout: recorded rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--concurrency", paramLabel = "C", defaultValue = "500",
            description = "Subscribers connecting at once (soak: waiting for their event at once; default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--publishers", paramLabel = "P", defaultValue = "16",
            description = "Keep-alive publishing connections per server, one request in flight on each (default: ${DEFAULT-VALUE}).")
    int publishers;

    @Option(names = "--threads", paramLabel = "T", defaultValue = "1", description = "Selector threads of the generator (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--idle", paramLabel = "S", defaultValue = "3",
            description = "Seconds to wait once subscribers are held, before measuring (default: ${DEFAULT-VALUE}).")
    int idle;

    @Option(names = "--warmup-clients", paramLabel = "N", defaultValue = "1000",
            description = "held: subscribers held and closed before the baseline (default: ${DEFAULT-VALUE}).")
    int warmupClients;

    @Option(names = "--processes", paramLabel = "P", defaultValue = "1",
            description = "held: worker processes that hold the subscribers, for more than one process may open files (default: ${DEFAULT-VALUE}).")
    int processes;

    @Option(names = "--edges", paramLabel = "K", defaultValue = "1", description = "surrogate: edge processes; subscriber I uses edge I mod K (default: ${DEFAULT-VALUE}).")
    int edges;

    @Option(names = "--redis", paramLabel = "URL",
            description = "surrogate: the edges share this Redis (serve --redis URL); nchan: the Redis its config names. Either way its "
                    + "redis-server process (found with INFO when on loopback) is measured beside the server's (default: none).")
    String redis;

    @Option(names = "--deliver-to", paramLabel = "EDGE", defaultValue = "first",
            description = "surrogate, several edges: where deliveries are posted: first (edge 1), round-robin (each edge in turn, so a unicast "
                    + "reaches its subscriber's edge 1 time in K, as behind a load balancer) or holder (the subscriber's own edge) "
                    + "(default: ${DEFAULT-VALUE}).")
    String deliverTo;

    @Option(names = "--edge-jvm-flags", paramLabel = "FLAGS",
            description = "surrogate: the edges' JVM flags (default: SURROGATE_EDGE_JAVA_OPTS, which ./surrogate sets to the flags serve gets; without it, or empty, the JVM's defaults).")
    String edgeJvmFlags;

    @Option(names = "--heartbeat", paramLabel = "DURATION", defaultValue = "30s",
            description = "surrogate: the rule's heartbeat; a dropped subscription is unsubscribed one heartbeat later (default: ${DEFAULT-VALUE}).")
    String heartbeat;

    @Option(names = "--replay-buffer", paramLabel = "N", defaultValue = "16",
            description = "surrogate: the rule's replay buffer, events kept per subscription for a client that resumes (default: ${DEFAULT-VALUE}, the rule language's default).")
    int replayBuffer;

    @Option(names = "--jar", paramLabel = "PATH", description = "surrogate: the jar the edges run (default: the jar this command runs from).")
    Path jar;

    @Option(names = "--nchan", paramLabel = "URL", defaultValue = "http://127.0.0.1:8090", description = "nchan: its address (default: ${DEFAULT-VALUE}).")
    URI nchan;

    @Option(names = "--nchan-dir", paramLabel = "DIR", description = "nchan: the directory 'benchmarks/nchan/nchan.sh start' printed (its pid file).")
    Path nchanDir;

    @Option(names = "--json", paramLabel = "FILE", description = "Also append the JSON line to this file.")
    Path json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<String> scenarios = List.of("held", "fanout", "unicast", "subscribe", "soak");
        if (!scenarios.contains(scenario)) {
            return usage("SCENARIO must be one of " + String.join(", ", scenarios) + ", not " + scenario);
        }
        if (!List.of("sse", "long-poll").contains(transport) || !List.of("per-subscriber", "shared").contains(channel)) {
            return usage("--transport is sse or long-poll; --channel is per-subscriber or shared");
        }
        List<Integer> counts = steps == null || steps.isEmpty() ? List.of(clients) : steps;
        long files = maxFiles();
        int most = Math.max(counts.stream().mapToInt(Integer::intValue).max().orElse(clients), warmupClients); // the warm-up closes before the steps
        if (processes > 1) {
            most = (int) ((most + processes - 1L) / processes); // each worker holds its share
        }
        if (clients < 1 || counts.stream().anyMatch(n -> n < 1) || most > files - 200) {
            return usage("subscribers must be 1 to " + (files - 200) + " in one process (this process may open " + files
                    + " files; for more, run several, each against its own edges)");
        }
        if (processes < 1 || processes > 32 || processes > 1 && !"held".equals(scenario)) {
            return usage("--processes is 1 to 32, and more than 1 only for held");
        }
        if (seconds < 1 || seconds > 3600 || rate < 0 || rate > 1_000_000 || concurrency < 1 || publishers < 1 || threads < 1 || threads > 16
                || edges < 1 || edges > 16 || warmup < 0 || rounds < 1 || idle < 0) {
            return usage("out of range: --seconds 1-3600, --rate 0-1000000, --threads 1-16, --edges 1-16, --concurrency and --publishers at least 1");
        }
        if ("soak".equals(scenario) && rate == 0) {
            return usage("soak needs a --rate above 0");
        }
        if (!"surrogate".equals(target) && !"nchan".equals(target)) {
            return usage("--target is surrogate or nchan");
        }
        Targets.DeliverTo where;
        try {
            where = Targets.DeliverTo.of(deliverTo);
            if (redis != null) {
                RedisSettings.parseSeeds(redis);
            }
        } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        }
        if ("nchan".equals(target) && (nchanDir == null || !Files.isRegularFile(nchanDir.resolve("nginx.pid")))) {
            return usage("--target nchan needs --nchan-dir DIR with DIR/nginx.pid (start it with benchmarks/nchan/nchan.sh start)");
        }
        var options = new LoadTest.Options(scenario, clients, counts, "sse".equals(transport), "shared".equals(channel), rate, seconds, warmup,
                rounds, concurrency, publishers, threads, idle, "held".equals(scenario) && processes == 1 ? warmupClients : 0, processes,
                "held".equals(scenario) && processes > 1 ? edgeJar() : null);
        String flags = edgeJvmFlags != null ? edgeJvmFlags : System.getenv().getOrDefault("SURROGATE_EDGE_JAVA_OPTS", "");
        List<String> jvmFlags = flags.isBlank() ? List.of() : Arrays.asList(flags.trim().split("\\s+"));
        // the edges log to their own files; here only warnings (Undertow's start lines of the built-in origin are noise)
        Logging.install(Level.WARNING, System.err);
        Target started;
        try {
            started = "nchan".equals(target) ? Targets.nchan(nchan, nchanDir, redis)
                    : Targets.surrogate(edges, edgeJar(), jvmFlags, heartbeat, replayBuffer, redis, where);
        } catch (IOException | UncheckedIOException e) {
            // an edge that did not start (its log's last lines are in the message), a Redis that does not answer
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return SurrogateCommand.EXIT_ERRORS;
        }
        try (Target t = started) {
            LoadTest test = new LoadTest(options, t, out);
            boolean ok = test.run();
            if (json != null) {
                Files.writeString(json, test.json() + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            return ok ? 0 : SurrogateCommand.EXIT_ERRORS;
        }
    }

    private Path edgeJar() throws Exception {
        if (jar != null) {
            return jar;
        }
        Path self = Path.of(LoadtestCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        return self; // a jar, or (tests) a directory of classes: the edges then run from this JVM's class path
    }

    private static long maxFiles() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return unix.getMaxFileDescriptorCount();
        }
        return 20_000;
    }

    private int usage(String message) {
        spec.commandLine().getErr().println("error: " + message);
        spec.commandLine().getErr().println("try 'surrogate loadtest --help'");
        return SurrogateCommand.EXIT_USAGE;
    }
}
