package io.surrogate.benchmarks;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.surrogate.cli.loadtest.EdgeProcess;
import io.surrogate.cli.loadtest.Targets;
import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.TinkKeys;
import io.surrogate.server.origin.SampleOrigin;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Resident memory of {@code surrogate serve} per held, idle SSE connection. Starts the edge as a
 * child process (its RSS is then its own) against an in-process {@link SampleOrigin}, warms it
 * up by holding and closing some clients, measures a baseline with nothing held, then holds
 * more and more SSE clients from one NIO thread ({@link SseClients}) and measures at each step,
 * a few seconds after the last client was held:
 *
 * <ul>
 *   <li>VmRSS and VmHWM from {@code /proc/PID/status}, and how much of VmRSS lies in the Java
 *       heap's address range ({@code /proc/PID/smaps});
 *   <li>heap used and committed ({@code jcmd GC.heap_info}), collections so far and their time;
 *   <li>unless {@code --no-histogram}: live objects by class ({@code jcmd GC.class_histogram},
 *       which runs a full GC), VmRSS after it, and VmRSS after {@code jcmd System.trim_native_heap}
 *       (the C library gives freed malloc memory back: JIT arenas, GC work stacks);
 *   <li>with {@code -XX:NativeMemoryTracking=summary} among the edge's flags,
 *       {@code jcmd VM.native_memory summary}.
 * </ul>
 *
 * <p>Per connection: (VmRSS at N - VmRSS at the baseline) / N, in KiB (1 KiB = 1,024 bytes).
 * Loopback only. Run from the repository root after {@code mvn -Pbench package -DskipTests}
 * (or through {@code benchmarks/held-memory.sh}):
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.surrogate.benchmarks.HeldMemory --steps 5000,19000 \
 *     --edge-jvm-flags "-XX:+UseSerialGC -Xmx256m" --out target/held-memory
 * </pre>
 *
 * {@code --out DIR} keeps every step's raw outputs (status, smaps, heap info, histogram);
 * {@code --heap-dump FILE} dumps the edge's heap after the last step.
 */
public final class HeldMemory {

    /** What one step measured. Sizes in KiB unless named bytes. */
    record Step(String label, int held, long vmRss, long vmHwm, long rssAnon, long rssFile, long heapRss, long heapUsed, long heapCommitted,
            long youngGcs, long oldGcs, long youngGcMillis, long oldGcMillis, int edgeFiles, int edgeThreads, int ownFiles, long seconds,
            long liveBytes, long rssAfterGc, long heapCommittedAfterGc, long rssAfterTrim,
            Map<String, long[]> histogram, Map<String, Long> nativeMemory) {}

    private record Options(List<Integer> steps, int warmup, int concurrency, int idleSeconds, Path jar, List<String> edgeFlags,
            boolean histogram, int top, boolean keep, Path out, Path heapDump) {}

    private HeldMemory() {}

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = options(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println("usage: HeldMemory [--steps 5000,19000] [--warmup 1000] [--concurrency 500] [--idle 5]"
                    + " [--jar cli/target/surrogate.jar] [--edge-jvm-flags \"FLAGS\"] [--no-histogram] [--top 25] [--keep] [--out DIR] [--heap-dump FILE]");
            System.exit(2);
            return;
        }
        System.exit(new HeldMemory().run(o));
    }

    private int run(Options o) throws Exception {
        if (!Files.isRegularFile(o.jar())) {
            System.err.println("error: no " + o.jar() + " (build it: mvn -q -B -DskipTests package -pl cli -am)");
            return 2;
        }
        Path dir = Files.createTempDirectory("held-memory-");
        if (!o.keep()) {
            // also when the program is interrupted
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir), "held-memory-delete-temp"));
        }
        Path keys = Files.createDirectory(dir.resolve("keys"));
        Keyring.write(keys, "tok", TinkKeys.generate(KeyPurpose.TOKEN));
        Keyring.write(keys, "origin", TinkKeys.generate(KeyPurpose.HMAC));
        byte[] secret = TinkKeys.hmacSecret(Keyring.open(keys).find("origin").orElseThrow());
        Path rules = dir.resolve("held.xml");
        // the load test's rule: one repeatable subscription per client, SSE for SSE clients, a 30 s heartbeat
        // (rare enough not to disturb an idle measurement, as a production edge would run)
        Files.writeString(rules, Targets.surrogateRules("30s", 16));
        Instant began = Instant.now();
        try (SampleOrigin origin = new SampleOrigin(new InetSocketAddress("127.0.0.1", 0), secret, null).start()) {
            List<String> command = EdgeProcess.command(o.edgeFlags(), o.jar(), rules, keys, origin.baseUri());
            System.out.println("# edge: " + String.join(" ", command));
            System.out.println("# edge JVM flags: " + (o.edgeFlags().isEmpty() ? "(none: the JVM's defaults)" : String.join(" ", o.edgeFlags())));
            try (EdgeProcess edge = EdgeProcess.start(command, dir.resolve("edge.log"), Duration.ofSeconds(90))) {
                origin.setEdge(edge.originSide);
                System.out.println("# edge pid " + edge.pid() + ", clients on " + edge.clients + ", origin side on " + edge.originSide);
                String capacity = edge.logLine("event=capacity");
                System.out.println("# " + capacity.replaceFirst("^.*?event=", "event="));
                Matcher cap = Pattern.compile("clients=(\\d+)").matcher(capacity);
                int last = o.steps().get(o.steps().size() - 1);
                if (cap.find() && Integer.parseInt(cap.group(1)) < last) {
                    System.err.println("error: the edge holds at most " + cap.group(1) + " clients, fewer than " + last);
                    return 1;
                }
                edge.jcmd("VM.version"); // the attach listener thread, before the baseline
                List<Step> steps = measure(o, edge);
                report(o, steps, began);
            }
        } finally {
            if (o.keep()) {
                System.out.println("# kept " + dir);
            }
        }
        return 0;
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException e) {
            // already gone
        }
    }

    private List<Step> measure(Options o, EdgeProcess edge) throws Exception {
        List<Step> steps = new ArrayList<>();
        long t0 = System.nanoTime();
        try (SseClients clients = new SseClients(edge.clients)) {
            if (o.warmup() > 0) {
                progress(t0, "warm-up: holding " + o.warmup() + " clients, then closing them");
                clients.open("w", 0, o.warmup(), o.concurrency(), Duration.ofSeconds(120));
                awaitMetric(edge, clients, "surrogate_connections_held{transport=\"sse\"}", o.warmup(), Duration.ofSeconds(60));
                clients.closeAll();
                progress(t0, "warm-up: closed; waiting for the edge to end the subscriptions (one heartbeat, 30 s, then unsubscribe)");
                awaitMetric(edge, clients, "surrogate_connections_held{transport=\"sse\"}", 0, Duration.ofSeconds(60));
                awaitMetric(edge, clients, "surrogate_client_connections", 0, Duration.ofSeconds(60));
                awaitMetric(edge, clients, "surrogate_subscriptions", 0, Duration.ofSeconds(120));
            }
            clients.idle(Duration.ofSeconds(o.idleSeconds()));
            steps.add(step(o, edge, clients, "baseline", 0, t0));
            int held = 0;
            for (int n : o.steps()) {
                progress(t0, "holding " + n + " clients (" + (n - held) + " more)");
                clients.open("c", held, n - held, o.concurrency(), Duration.ofSeconds(120 + n / 50));
                held = n;
                awaitMetric(edge, clients, "surrogate_connections_held{transport=\"sse\"}", n, Duration.ofSeconds(60));
                clients.idle(Duration.ofSeconds(o.idleSeconds()));
                steps.add(step(o, edge, clients, Integer.toString(n), n, t0));
            }
            if (o.heapDump() != null) {
                progress(t0, "heap dump: " + edge.jcmd("GC.heap_dump", o.heapDump().toString()).strip().replace('\n', ' '));
            }
            if (clients.dropped() > 0) {
                throw new IOException(clients.dropped() + " held clients were closed by the edge");
            }
            progress(t0, "closing " + held + " clients");
        }
        return steps;
    }

    private static void progress(long t0, String what) {
        System.out.printf(Locale.ROOT, "# %4d s  %s%n", (System.nanoTime() - t0) / 1_000_000_000L, what);
    }

    /** Polls {@code /metrics} until {@code name} equals {@code value}, reading the clients meanwhile. */
    private static void awaitMetric(EdgeProcess edge, SseClients clients, String name, double value, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Double seen = null;
        while (System.nanoTime() < deadline) {
            seen = edge.metrics().getOrDefault(name, 0.0);
            if (seen == value) {
                return;
            }
            clients.idle(Duration.ofMillis(250));
        }
        throw new IOException(name + " is " + seen + ", not " + value + ", after " + timeout.toSeconds() + " s");
    }

    private static Step step(Options o, EdgeProcess edge, SseClients clients, String label, int held, long t0) throws Exception {
        if (!edge.alive()) {
            throw new IOException("the edge died; its log ends:\n" + edge.logTail(30));
        }
        Map<String, Double> metrics = edge.metrics();
        double h = metrics.getOrDefault("surrogate_connections_held{transport=\"sse\"}", -1.0);
        if (h != held || clients.held() != held) {
            throw new IOException("expected " + held + " held; the edge says " + h + ", the client " + clients.held());
        }
        Map<String, Long> status = edge.status();
        String smaps = Files.readString(Path.of("/proc", Long.toString(edge.pid()), "smaps"));
        int files = edge.openFiles();
        String heapInfo = edge.jcmd("GC.heap_info");
        save(o, label, "status.txt", Files.readString(Path.of("/proc", Long.toString(edge.pid()), "status")));
        save(o, label, "smaps.txt", smaps);
        save(o, label, "heap_info.txt", heapInfo);
        long heapRss = JvmReadings.heapRss(heapInfo, smaps);
        long[] heap = JvmReadings.heap(heapInfo);
        long[] gcs = JvmReadings.gcCounts(edge.jcmd("PerfCounter.print"));
        Map<String, Long> nmt = Map.of();
        if (o.edgeFlags().stream().anyMatch(f -> f.startsWith("-XX:NativeMemoryTracking=") && !f.endsWith("=off"))) {
            String text = edge.jcmd("VM.native_memory", "summary");
            save(o, label, "native_memory.txt", text);
            nmt = JvmReadings.nativeMemory(text);
        }
        long liveBytes = -1;
        long rssAfterGc = -1;
        long committedAfterGc = -1;
        long rssAfterTrim = -1;
        Map<String, long[]> histogram = Map.of();
        if (o.histogram()) {
            String text = edge.jcmd("GC.class_histogram");
            save(o, label, "class_histogram.txt", text);
            histogram = JvmReadings.histogram(text);
            liveBytes = histogram.values().stream().mapToLong(v -> v[1]).sum();
            clients.idle(Duration.ofSeconds(2));
            rssAfterGc = edge.status().get("VmRSS");
            committedAfterGc = JvmReadings.heap(edge.jcmd("GC.heap_info"))[1];
            // malloc'd memory the C library keeps after it was freed (JIT arenas, GC stacks) goes back to the OS
            save(o, label, "trim_native_heap.txt", edge.jcmd("System.trim_native_heap"));
            rssAfterTrim = edge.status().get("VmRSS");
        }
        int ownFiles;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            ownFiles = (int) fds.count();
        }
        Step s = new Step(label, held, status.get("VmRSS"), status.get("VmHWM"), status.getOrDefault("RssAnon", -1L),
                status.getOrDefault("RssFile", -1L), heapRss, heap[0], heap[1], gcs[0], gcs[1], gcs[2], gcs[3], files, status.get("Threads").intValue(),
                ownFiles, (System.nanoTime() - t0) / 1_000_000_000L, liveBytes, rssAfterGc, committedAfterGc, rssAfterTrim, histogram, nmt);
        progress(t0, String.format(Locale.ROOT, "%s: %,d held, VmRSS %,d KiB, heap used %,d KiB, live %,d KiB, edge files %,d",
                label, held, s.vmRss(), s.heapUsed(), liveBytes / 1024, files));
        return s;
    }

    /** Keeps a raw output under {@code --out DIR} as {@code STEP-NAME}, when asked. */
    private static void save(Options o, String label, String name, String text) throws IOException {
        if (o.out() != null) {
            Files.createDirectories(o.out());
            Files.writeString(o.out().resolve(label + "-" + name), text);
        }
    }

    private static void report(Options o, List<Step> steps, Instant began) {
        Step base = steps.get(0);
        System.out.println();
        System.out.println("Edge memory per held idle SSE connection (KiB = 1,024 bytes; per connection = (VmRSS at N - VmRSS at baseline) / N)");
        System.out.println("edge JVM flags: " + (o.edgeFlags().isEmpty() ? "(none: the JVM's defaults)" : String.join(" ", o.edgeFlags())));
        System.out.println();
        System.out.println("As the edge sits, idle " + o.idleSeconds() + " s after the last client was held:");
        System.out.printf(Locale.ROOT, "%-9s %7s %11s %11s %9s %9s %11s %11s %11s %11s %11s %9s %13s %7s %7s%n", "step", "held", "VmRSS", "dRSS",
                "KiB/conn", "marginal", "VmHWM", "heap RSS", "other RSS", "heap used", "heap comm.", "GCs y/o", "GC ms y/o", "files",
                "threads");
        Step prev = base;
        for (Step s : steps) {
            String per = s.held() == 0 ? "-" : f1((s.vmRss() - base.vmRss()) / (double) s.held());
            String marginal = s.held() <= prev.held() ? "-" : f1((s.vmRss() - prev.vmRss()) / (double) (s.held() - prev.held()));
            System.out.printf(Locale.ROOT, "%-9s %,7d %,11d %,11d %9s %9s %,11d %,11d %,11d %,11d %,11d %9s %13s %,7d %,7d%n", s.label(), s.held(),
                    s.vmRss(), s.vmRss() - base.vmRss(), per, marginal, s.vmHwm(), s.heapRss(), s.vmRss() - s.heapRss(), s.heapUsed(),
                    s.heapCommitted(),
                    s.youngGcs() + "/" + s.oldGcs(), s.youngGcMillis() + "/" + s.oldGcMillis(), s.edgeFiles(), s.edgeThreads());
            prev = s;
        }
        if (o.histogram()) {
            System.out.println();
            System.out.println("After a full GC (jcmd GC.class_histogram), then 2 s; then after giving freed malloc memory back"
                    + " (jcmd System.trim_native_heap):");
            System.out.printf(Locale.ROOT, "%-9s %7s %11s %11s %9s %11s %11s %9s %11s %11s %11s %9s%n", "step", "held", "VmRSS", "dRSS",
                    "KiB/conn", "heap comm.", "live heap", "dLive", "live/conn", "VmRSS trim", "dRSS trim", "KiB/conn");
            for (Step s : steps) {
                String per = s.held() == 0 ? "-" : f1((s.rssAfterGc() - base.rssAfterGc()) / (double) s.held());
                String livePer = s.held() == 0 ? "-" : f0((s.liveBytes() - base.liveBytes()) / (double) s.held()) + " B";
                String trimPer = s.held() == 0 ? "-" : f1((s.rssAfterTrim() - base.rssAfterTrim()) / (double) s.held());
                System.out.printf(Locale.ROOT, "%-9s %,7d %,11d %,11d %9s %,11d %,11d %,9d %11s %,11d %,11d %9s%n", s.label(), s.held(),
                        s.rssAfterGc(), s.rssAfterGc() - base.rssAfterGc(), per, s.heapCommittedAfterGc(), s.liveBytes() / 1024,
                        (s.liveBytes() - base.liveBytes()) / 1024, livePer, s.rssAfterTrim(), s.rssAfterTrim() - base.rssAfterTrim(),
                        trimPer);
            }
            Step top = steps.get(steps.size() - 1);
            System.out.println();
            System.out.printf(Locale.ROOT, "Live objects per held connection at %,d held, minus the baseline (top %d classes by bytes):%n",
                    top.held(), o.top());
            System.out.printf(Locale.ROOT, "%12s %12s %10s  %s%n", "inst./conn", "bytes/conn", "cum. B", "class");
            List<Map.Entry<String, long[]>> deltas = histogramDelta(base, top);
            long cumulative = 0;
            long all = deltas.stream().mapToLong(e -> e.getValue()[1]).sum();
            for (int i = 0; i < deltas.size(); i++) {
                long[] d = deltas.get(i).getValue();
                if (i < o.top()) {
                    cumulative += d[1];
                    System.out.printf(Locale.ROOT, "%12.2f %12.1f %10.0f  %s%n", d[0] / (double) top.held(), d[1] / (double) top.held(),
                            cumulative / (double) top.held(), deltas.get(i).getKey());
                }
            }
            System.out.printf(Locale.ROOT, "%12s %12.1f %10.0f  %s%n", "", (all - cumulative) / (double) top.held(), all / (double) top.held(),
                    "(all other classes)");
        }
        if (!base.nativeMemory().isEmpty()) {
            Step top = steps.get(steps.size() - 1);
            System.out.println();
            System.out.printf(Locale.ROOT, "Native memory tracking, committed, at %,d held minus the baseline, per connection:%n", top.held());
            for (Map.Entry<String, Long> e : top.nativeMemory().entrySet()) {
                long d = e.getValue() - base.nativeMemory().getOrDefault(e.getKey(), 0L);
                if (d != 0) {
                    System.out.printf(Locale.ROOT, "%10.2f KiB  %s (%,d KiB)%n", d / (double) top.held(), e.getKey(), d);
                }
            }
        }
        System.out.println();
        System.out.println(json(o, steps, began));
    }

    /** Classes whose live bytes grew from the baseline to {@code top}, largest growth first. */
    private static List<Map.Entry<String, long[]>> histogramDelta(Step base, Step top) {
        Map<String, long[]> d = new HashMap<>();
        top.histogram().forEach((k, v) -> {
            long[] b = base.histogram().getOrDefault(k, new long[2]);
            d.put(k, new long[] {v[0] - b[0], v[1] - b[1]});
        });
        base.histogram().forEach((k, v) -> d.putIfAbsent(k, new long[] {-v[0], -v[1]}));
        List<Map.Entry<String, long[]>> out = new ArrayList<>(d.entrySet());
        out.sort((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]));
        return out;
    }

    private static String json(Options o, List<Step> steps, Instant began) {
        Step base = steps.get(0);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("benchmark", "held-memory");
        out.put("began", began.toString());
        out.put("edgeJvmFlags", String.join(" ", o.edgeFlags()));
        out.put("warmup", o.warmup());
        out.put("concurrency", o.concurrency());
        out.put("idleSeconds", o.idleSeconds());
        out.put("kib", 1024);
        List<Map<String, Object>> list = new ArrayList<>();
        for (Step s : steps) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("step", s.label());
            m.put("held", s.held());
            m.put("vmRssKiB", s.vmRss());
            m.put("vmHwmKiB", s.vmHwm());
            m.put("rssAnonKiB", s.rssAnon());
            m.put("rssFileKiB", s.rssFile());
            m.put("heapRssKiB", s.heapRss());
            m.put("deltaRssKiB", s.vmRss() - base.vmRss());
            m.put("kibPerConnection", s.held() == 0 ? null : round1((s.vmRss() - base.vmRss()) / (double) s.held()));
            m.put("heapUsedKiB", s.heapUsed());
            m.put("heapCommittedKiB", s.heapCommitted());
            m.put("youngGcs", s.youngGcs());
            m.put("oldGcs", s.oldGcs());
            m.put("youngGcMillis", s.youngGcMillis());
            m.put("oldGcMillis", s.oldGcMillis());
            m.put("edgeOpenFiles", s.edgeFiles());
            m.put("edgeThreads", s.edgeThreads());
            if (o.histogram()) {
                m.put("liveHeapBytes", s.liveBytes());
                m.put("liveBytesPerConnection", s.held() == 0 ? null : Math.round((s.liveBytes() - base.liveBytes()) / (double) s.held()));
                m.put("vmRssAfterFullGcKiB", s.rssAfterGc());
                m.put("kibPerConnectionAfterFullGc", s.held() == 0 ? null : round1((s.rssAfterGc() - base.rssAfterGc()) / (double) s.held()));
                m.put("vmRssAfterTrimKiB", s.rssAfterTrim());
                m.put("kibPerConnectionAfterTrim", s.held() == 0 ? null : round1((s.rssAfterTrim() - base.rssAfterTrim()) / (double) s.held()));
            }
            if (!s.nativeMemory().isEmpty()) {
                m.put("nmtCommittedKiB", s.nativeMemory());
            }
            list.add(m);
        }
        out.put("steps", list);
        Gson gson = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();
        return gson.toJson(out);
    }

    private static String f1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String f0(double v) {
        return String.format(Locale.ROOT, "%,.0f", v);
    }

    private static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static Options options(String[] args) {
        List<Integer> steps = List.of(5000, 19000);
        int warmup = 1000;
        int concurrency = 500;
        int idle = 5;
        Path jar = Path.of("cli/target/surrogate.jar");
        List<String> flags = List.of();
        boolean histogram = true;
        int top = 25;
        boolean keep = false;
        Path out = null;
        Path heapDump = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--steps" -> steps = Arrays.stream(value(args, ++i, a).split(",")).map(String::strip).map(Integer::valueOf).toList();
                case "--warmup" -> warmup = Integer.parseInt(value(args, ++i, a));
                case "--concurrency" -> concurrency = Integer.parseInt(value(args, ++i, a));
                case "--idle" -> idle = Integer.parseInt(value(args, ++i, a));
                case "--jar" -> jar = Path.of(value(args, ++i, a));
                case "--edge-jvm-flags" -> {
                    String v = value(args, ++i, a).strip();
                    flags = v.isEmpty() ? List.of() : List.of(v.split("\\s+"));
                }
                case "--no-histogram" -> histogram = false;
                case "--top" -> top = Integer.parseInt(value(args, ++i, a));
                case "--keep" -> keep = true;
                case "--out" -> out = Path.of(value(args, ++i, a));
                case "--heap-dump" -> heapDump = Path.of(value(args, ++i, a)).toAbsolutePath();
                default -> throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        if (steps.isEmpty() || steps.stream().anyMatch(n -> n <= 0)) {
            throw new IllegalArgumentException("--steps: positive counts, ascending");
        }
        for (int i = 1; i < steps.size(); i++) {
            if (steps.get(i) <= steps.get(i - 1)) {
                throw new IllegalArgumentException("--steps: counts must ascend: " + steps);
            }
        }
        if (concurrency < 1 || idle < 0 || warmup < 0) {
            throw new IllegalArgumentException("--concurrency must be positive, --idle and --warmup not negative");
        }
        return new Options(steps, warmup, concurrency, idle, jar, flags, histogram, top, keep, out, heapDump);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
