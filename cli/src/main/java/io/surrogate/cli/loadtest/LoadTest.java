package io.surrogate.cli.loadtest;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The load generator's scenarios, run against one {@link Target} with non-blocking
 * {@link Subscriber}s spread over {@code threads} selector {@link Loop}s and over source
 * addresses 127.0.0.2 to 127.0.0.250 (so ephemeral ports never run out), and publishes paced
 * on the first loop. Latency is publish-to-receipt: from the time a publish was <em>scheduled</em>
 * (so a late publisher does not hide its lateness) to the moment the subscriber's loop read the
 * event. Lost events are failures: the run's exit status says so.
 */
public final class LoadTest implements Subscriber.Listener, Publishers.Listener {
    /** What to run. Durations in seconds. */
    public record Options(String scenario, int clients, List<Integer> steps, boolean sse, boolean sharedChannel, int rate, int seconds,
            int warmupSeconds, int rounds, int concurrency, int publishers, int threads, int idleSeconds, int warmupClients, int processes,
            java.nio.file.Path jar) {}

    private static final long SECOND = 1_000_000_000L;

    private final Options o;
    private final Target target;
    private final PrintWriter out;
    private final Loop[] loops;
    private final Publishers publishers;
    private final long t0 = System.nanoTime();
    private final Map<String, Object> result = new LinkedHashMap<>();

    // counters, from every loop
    private final AtomicInteger held = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong serverDelivered = new AtomicLong();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final Map<Integer, AtomicInteger> answers = new ConcurrentHashMap<>();
    private final Recorder latency = new Recorder(3);
    private final Recorder publishLatency = new Recorder(3);
    private volatile long recordFrom;
    /** unicast: publish k goes to subscriber k mod this; 0 otherwise */
    private volatile int unicastN;
    private final AtomicLong misdelivered = new AtomicLong();
    /** Released as subscribers are held or fail, for the connect concurrency. */
    private final Semaphore opening;
    /** What a subscriber does once held or on an event, per scenario. */
    private volatile boolean closeWhenHeld;
    private volatile boolean publishWhenHeld;
    private volatile boolean closeOnEvent;
    private final ConcurrentHashMap<Integer, Long> awaitingEvent = new ConcurrentHashMap<>();
    private Subscriber[] subscribers = new Subscriber[0];
    private int[] expected = new int[0];
    private long seq;
    private String json;

    public LoadTest(Options o, Target target, PrintWriter out) {
        this.o = o;
        this.target = target;
        this.out = out;
        this.opening = new Semaphore(o.concurrency());
        this.loops = new Loop[o.threads()];
        for (int i = 0; i < loops.length; i++) {
            loops[i] = new Loop(i);
        }
        this.publishers = new Publishers(loops[0], target, o.publishers(), this);
    }

    /** Runs the scenario, prints the summary and one JSON line; true when nothing failed or was lost. */
    public boolean run() throws Exception {
        result.put("scenario", o.scenario());
        result.put("target", target.name());
        result.put("date", Instant.now().toString());
        result.put("server", target.describe());
        result.put("transport", o.sse() ? "sse" : "long-poll");
        result.put("machine", Machine.describe());
        boolean ok;
        try {
            ok = switch (o.scenario()) {
                case "held" -> held();
                case "fanout" -> fanout();
                case "unicast" -> unicast();
                case "subscribe" -> subscribe();
                case "soak" -> soak();
                default -> throw new IllegalArgumentException("no scenario " + o.scenario());
            };
        } catch (IOException e) {
            // the run could not go on (subscribers not held in time, a server that stopped answering): say why, keep the JSON line
            ok = false;
            result.put("error", e.getMessage());
            out.println("error: " + e.getMessage());
            if (target instanceof SurrogateTarget s) {
                String logs = s.edgeLogs(5);
                if (!logs.isBlank()) {
                    out.println("the edges' last log lines:\n" + logs.strip());
                }
            }
        } finally {
            for (Loop l : loops) {
                l.close();
            }
        }
        if (serverDelivered.get() > 0) {
            result.put("serverSaysDelivered", serverDelivered.get()); // the sum of what the answers to publishes said
        }
        result.put("failedSubscribers", failed.get());
        result.put("droppedSubscribers", dropped.get());
        if (!failures.isEmpty()) {
            result.put("firstFailures", new ArrayList<>(failures));
        }
        ok &= failed.get() == 0 && dropped.get() == 0;
        result.put("pass", ok);
        json = new GsonBuilder().disableHtmlEscaping().serializeSpecialFloatingPointValues().create().toJson(result);
        out.println(json);
        out.flush();
        return ok;
    }

    /** The run's JSON line, once {@link #run} returned. */
    public String json() {
        return json;
    }

    // ---------------------------------------------------------------- scenarios

    private boolean held() throws Exception {
        if (o.processes() > 1) {
            return heldInProcesses();
        }
        List<Long> pids = target.pids();
        if (o.warmupClients() > 0) {
            progress("warm-up: holding %d subscribers, then closing them", o.warmupClients());
            open(0, o.warmupClients(), i -> o.sharedChannel() ? "all" : "w" + i);
            awaitServer(o.warmupClients());
            closeAll();
            progress("warm-up: closed; waiting for the server to settle (Surrogate: one heartbeat, then /unsubscribe-event)");
            awaitSettled(Duration.ofSeconds(180));
        }
        sleep(o.idleSeconds());
        long baseRss = ProcStats.rss(pids);
        long basePss = ProcStats.pss(pids);
        progress("baseline: RSS %,d KiB, PSS %,d KiB", baseRss, basePss);
        result.put("baselineRssKiB", baseRss);
        result.put("baselinePssKiB", basePss);
        List<Map<String, Object>> steps = new ArrayList<>();
        int from = o.warmupClients();
        int have = 0;
        for (int n : o.steps()) {
            long start = System.nanoTime();
            int before = have;
            progress("holding %,d subscribers (%,d more)", n, n - have);
            open(from + have, n - have, i -> o.sharedChannel() ? "all" : "c" + i);
            double connectSeconds = (System.nanoTime() - start) / 1e9;
            have = n;
            awaitServer(n);
            sleep(o.idleSeconds());
            long rss = ProcStats.rss(target.pids());
            long pss = ProcStats.pss(target.pids());
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("n", n);
            s.put("rssKiB", rss);
            s.put("pssKiB", pss);
            s.put("rssPerConnKiB", round2((rss - baseRss) / (double) n));
            s.put("pssPerConnKiB", round2((pss - basePss) / (double) n));
            s.put("connectPerSecond", Math.round((n - before) / Math.max(connectSeconds, 1e-3)));
            steps.add(s);
            out.printf(Locale.ROOT, "%s held %,d: RSS %,d KiB (%.2f KiB/conn), PSS %,d KiB (%.2f KiB/conn), opened at %,d/s%n", target.name(), n,
                    rss, s.get("rssPerConnKiB"), pss, s.get("pssPerConnKiB"), s.get("connectPerSecond"));
        }
        result.put("n", have);
        result.put("steps", steps);
        result.put("channel", o.sharedChannel() ? "one shared" : "one per subscriber");
        closeAll();
        return true;
    }

    /**
     * More subscribers than one process may open files for: {@link Worker} processes hold them
     * (subscriber I on the target's address I mod K), this process measures the servers. With
     * several Surrogate edges it then sends one signed delivery to each of up to 1,000
     * subscribers, every one to the first edge: a token another edge minted gets 421 and the
     * delivery follows X-Event-Edge, so each reaches the edge that holds its client.
     */
    private boolean heldInProcesses() throws Exception {
        int n = o.steps().get(o.steps().size() - 1);
        int p = o.processes();
        List<Long> pids = target.pids();
        sleep(o.idleSeconds());
        long baseRss = ProcStats.rss(pids);
        long basePss = ProcStats.pss(pids);
        progress("baseline: RSS %,d KiB, PSS %,d KiB (%d server process(es)); holding %,d subscribers from %d worker processes", baseRss, basePss,
                pids.size(), n, p);
        List<String> addresses = target.clientAddresses().stream().map(a -> a.getAddress().getHostAddress() + ":" + a.getPort()).toList();
        List<Process> workers = new ArrayList<>();
        List<java.io.BufferedReader> replies = new ArrayList<>();
        java.nio.file.Path log = java.nio.file.Files.createTempFile("loadtest-workers-", ".log");
        long start = System.nanoTime();
        try {
            for (int w = 0; w < p; w++) {
                int first = (int) ((long) n * w / p);
                int count = (int) ((long) n * (w + 1) / p) - first;
                List<String> cmd = new ArrayList<>(List.of(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-XX:+UseSerialGC", "-Xmx256m", "-cp", o.jar().toString().endsWith(".jar") ? o.jar().toString() : System.getProperty("java.class.path"),
                        Worker.class.getName(), Integer.toString(first),
                        Integer.toString(count), Integer.toString(Math.max(1, o.concurrency() / p)), Boolean.toString(o.sse()),
                        target.subscribeTemplate()));
                cmd.addAll(addresses);
                Process proc = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
                workers.add(proc);
                replies.add(new java.io.BufferedReader(new java.io.InputStreamReader(proc.getInputStream(), java.nio.charset.StandardCharsets.UTF_8)));
            }
            int heldAll = 0;
            for (int w = 0; w < p; w++) {
                String line = replies.get(w).readLine();
                if (line == null || !line.startsWith("held ")) {
                    note("worker " + w + ": " + line);
                    failed.incrementAndGet();
                } else {
                    heldAll += Integer.parseInt(line.substring(5).strip());
                }
            }
            double connectSeconds = (System.nanoTime() - start) / 1e9;
            held.set(heldAll);
            progress("%,d held by the workers in %.1f s; waiting for the servers to count them", heldAll, connectSeconds);
            awaitServer(n);
            sleep(o.idleSeconds());
            long rss = ProcStats.rss(pids);
            long pss = ProcStats.pss(pids);
            List<Long> perProcess = new ArrayList<>();
            for (long pid : pids) {
                perProcess.add(ProcStats.kib(pid, "status", "VmRSS"));
            }
            result.put("n", n);
            result.put("processes", p);
            result.put("serverProcesses", pids.size());
            result.put("connectPerSecond", Math.round(heldAll / connectSeconds));
            result.put("baselineRssKiB", baseRss);
            result.put("rssKiB", rss);
            result.put("pssKiB", pss);
            result.put("rssPerProcessKiB", perProcess);
            result.put("rssPerConnKiB", round2((rss - baseRss) / (double) n));
            result.put("pssPerConnKiB", round2((pss - basePss) / (double) n));
            out.printf(Locale.ROOT, "%s held %,d across %d server process(es): RSS %,d KiB in all (%.2f KiB/conn over the idle baseline), PSS %,d KiB (%.2f KiB/conn)%n",
                    target.name(), n, pids.size(), rss, result.get("rssPerConnKiB"), pss, result.get("pssPerConnKiB"));
            long lost = 0;
            if (target instanceof SurrogateTarget s && s.edges().size() > 1) {
                int m = Math.min(n, 1000);
                progress("routing: one signed delivery to each of %,d subscribers, all sent to the first edge", m);
                for (int k = 0; k < m; k++) {
                    int i = (int) ((long) k * n / m) + k % Math.max(1, n / m); // spread over every edge, whatever n / m is
                    Publish pub = new Publish(k, System.nanoTime(), i, "c" + i, target.publishAddress(i));
                    loops[0].execute(() -> publishers.submit(pub));
                }
                long deadline = System.nanoTime() + 30 * SECOND;
                while (accepted.get() + refused.get() < m && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(10_000_000);
                }
                sleep(1);
                long got = 0;
                for (int w = 0; w < p; w++) {
                    workers.get(w).getOutputStream().write("stats\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    workers.get(w).getOutputStream().flush();
                    String[] f = replies.get(w).readLine().split(" ");
                    got += Long.parseLong(f[2]);
                    dropped.addAndGet(Integer.parseInt(f[3]));
                }
                long[] redirected = new long[1];
                CountDownLatchTask.run(loops[0], () -> redirected[0] = publishers.redirected());
                lost = accepted.get() - got;
                result.put("routed", Map.of("sent", m, "accepted", accepted.get(), "redirected421", redirected[0], "received", got, "lost", lost,
                        "answers", new TreeMap<>(answers)));
                out.printf(Locale.ROOT, "  routing: %,d deliveries sent to edge 1, %,d followed a 421 to their edge, %,d accepted, %,d received, %d lost%n",
                        m, redirected[0], accepted.get(), got, lost);
            }
            return lost == 0 && refused.get() == 0 && failed.get() == 0;
        } finally {
            for (Process w : workers) {
                try {
                    w.getOutputStream().write("close\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    w.getOutputStream().flush();
                } catch (IOException gone) {
                    // it ended already
                }
            }
            for (Process w : workers) {
                if (!w.waitFor(60, TimeUnit.SECONDS)) {
                    w.destroyForcibly();
                }
            }
            if (failed.get() > 0) {
                out.println("# worker log: " + log);
            } else {
                java.nio.file.Files.deleteIfExists(log);
            }
        }
    }

    private boolean fanout() throws Exception {
        int n = o.clients();
        progress("holding %,d subscribers of one channel", n);
        long start = System.nanoTime();
        open(0, n, i -> "all");
        result.put("connectPerSecond", Math.round(n / ((System.nanoTime() - start) / 1e9)));
        awaitServer(n);
        sleep(o.idleSeconds());
        List<Long> pids = target.pids();
        double[] cpu0 = ProcStats.cpuSplit(pids);
        double self0 = ProcStats.cpuSelf();
        long wall0 = System.nanoTime();
        List<Map<String, Object>> rounds = new ArrayList<>();
        Histogram all = new Histogram(3);
        long lost = 0;
        int warmup = Math.max(0, o.warmupSeconds());
        for (int r = 0; r < warmup + o.rounds(); r++) {
            long before = received.get();
            latency.getIntervalHistogram(); // reset
            long now = System.nanoTime();
            Publish p = new Publish(seq++, now, -1, "all", target.publishAddress(-1));
            loops[0].execute(() -> publishers.submit(p));
            long deadline = now + 30 * SECOND;
            while (received.get() - before < n && System.nanoTime() < deadline && failed.get() == 0) {
                LockSupport.parkNanos(1_000_000);
            }
            Histogram h = latency.getIntervalHistogram();
            long got = received.get() - before;
            boolean recorded = r >= warmup;
            if (recorded) {
                all.add(h);
                lost += n - got;
                Map<String, Object> round = percentiles(h);
                round.put("received", got);
                rounds.add(round);
            }
            out.printf(Locale.ROOT, "%s fan-out %s %d: %,d of %,d received; p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", target.name(),
                    recorded ? "round" : "warm-up round", recorded ? r - warmup + 1 : r + 1, got, n, ms(h.getValueAtPercentile(50)),
                    ms(h.getValueAtPercentile(99)), ms(h.getMaxValue()));
            sleep(1);
        }
        cpu(pids, cpu0, self0, wall0);
        result.put("n", n);
        result.put("rounds", rounds);
        result.put("latencyMs", percentiles(all));
        result.put("expected", (long) n * o.rounds());
        result.put("received", (long) n * o.rounds() - lost);
        result.put("lost", lost);
        out.printf(Locale.ROOT, "%s fan-out to %,d, %d rounds: p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms; lost %d%n", target.name(), n,
                o.rounds(), ms(all.getValueAtPercentile(50)), ms(all.getValueAtPercentile(99)), ms(all.getValueAtPercentile(99.9)),
                ms(all.getMaxValue()), lost);
        closeAll();
        return lost == 0;
    }

    private boolean unicast() throws Exception {
        int n = o.clients();
        progress("holding %,d subscribers, one channel each", n);
        long start = System.nanoTime();
        open(0, n, i -> "c" + i);
        result.put("connectPerSecond", Math.round(n / ((System.nanoTime() - start) / 1e9)));
        awaitServer(n);
        sleep(o.idleSeconds());
        unicastN = n;
        List<Long> pids = target.pids();
        long total = (long) o.rate() * (o.warmupSeconds() + o.seconds());
        progress(o.rate() > 0 ? "publishing %,d/s for %d s (the first %d s not recorded)"
                        : "publishing as fast as the server answers (rate %d) for %d s (the first %d s not recorded)",
                o.rate(), o.warmupSeconds() + o.seconds(), o.warmupSeconds());
        long begin = System.nanoTime() + 10_000_000;
        long recordAt = begin + o.warmupSeconds() * SECOND;
        long end = begin + (o.warmupSeconds() + o.seconds()) * SECOND;
        double[] cpuAtRecord = new double[3];
        double[] serverAtRecord = new double[2];
        AtomicLong sent = new AtomicLong();
        Thread pacer = null;
        if (o.rate() > 0) {
            // a thread of its own sleeps until each publish is due and hands what is due to the loop: a loop
            // that paced itself would spin (its selector sleeps in whole milliseconds) and take a core from the server
            long interval = SECOND / o.rate();
            pacer = new Thread(() -> {
                long k = 0;
                while (k < total) {
                    long due = begin + k * interval;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                        continue;
                    }
                    List<Publish> batch = new ArrayList<>();
                    long now = System.nanoTime();
                    for (; k < total && begin + k * interval <= now; k++) {
                        int sub = (int) (k % n);
                        batch.add(new Publish(k, begin + k * interval, sub, "c" + sub, target.publishAddress(sub)));
                    }
                    sent.addAndGet(batch.size());
                    loops[0].execute(() -> batch.forEach(publishers::submit));
                }
            }, "loadtest-pacer");
            pacer.setDaemon(true);
            pacer.start();
        } else {
            // closed loop: keep the publishers busy until the time is up
            loops[0].ticker(now -> {
                while (now < end && publishers.pending() < o.publishers() * 2) {
                    long k = sent.getAndIncrement();
                    int sub = (int) (k % n);
                    publishers.submit(new Publish(k, System.nanoTime(), sub, "c" + sub, target.publishAddress(sub)));
                }
                return now < end ? 1_000_000 : Long.MAX_VALUE;
            });
        }
        recordFrom = Long.MAX_VALUE;
        sleepUntil(recordAt);
        recordFrom = 0;
        long firstRecorded = sent.get();
        latency.getIntervalHistogram();
        publishLatency.getIntervalHistogram();
        long acceptedAtRecord = accepted.get();
        serverAtRecord = ProcStats.cpuSplit(pids);
        cpuAtRecord[1] = ProcStats.cpuSelf();
        long wall0 = System.nanoTime();
        sleepUntil(end);
        long acceptedInWindow = accepted.get() - acceptedAtRecord;
        double windowSeconds = (System.nanoTime() - wall0) / 1e9;
        cpu(pids, serverAtRecord, cpuAtRecord[1], wall0);
        loops[0].ticker(now -> Long.MAX_VALUE);
        if (pacer != null) {
            pacer.join();
        }
        long deadline = System.nanoTime() + 15 * SECOND;
        while ((received.get() < accepted.get() || pendingPublishes() > 0) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(5_000_000);
        }
        sleep(1);
        Histogram h = latency.getIntervalHistogram();
        Histogram ph = publishLatency.getIntervalHistogram();
        long lost = lostEvents();
        result.put("n", n);
        result.put("rate", o.rate());
        result.put("seconds", o.seconds());
        result.put("published", sent.get());
        result.put("recordedFromSeq", firstRecorded);
        result.put("accepted", accepted.get());
        result.put("refused", refused.get());
        result.put("answers", new TreeMap<>(answers));
        result.put("received", received.get());
        result.put("lost", lost);
        result.put("misdelivered", misdelivered.get());
        result.put("acceptedPerSecond", Math.round(acceptedInWindow / windowSeconds));
        result.put("latencyMs", percentiles(h));
        result.put("publishAnswerMs", percentiles(ph));
        out.printf(Locale.ROOT, "%s unicast to %,d held at %s: %,d published, %,d accepted (%,d/s in the recorded window), %,d received, %d lost, %d refused%n",
                target.name(), n, o.rate() > 0 ? String.format(Locale.ROOT, "%,d/s", o.rate()) : "max rate", sent.get(), accepted.get(),
                result.get("acceptedPerSecond"), received.get(), lost, refused.get());
        out.printf(Locale.ROOT, "  publish to receipt: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms (%,d recorded)%n",
                ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()),
                h.getTotalCount());
        closeAll();
        return lost == 0 && misdelivered.get() == 0 && refused.get() == 0;
    }

    private boolean subscribe() throws Exception {
        closeWhenHeld = true;
        List<Long> pids = target.pids();
        double[] cpu0 = ProcStats.cpuSplit(pids);
        double self0 = ProcStats.cpuSelf();
        long start = System.nanoTime();
        long end = start + o.seconds() * SECOND;
        progress("subscribing for %d s, %d at a time, each subscriber leaving once held", o.seconds(), o.concurrency());
        int i = 0;
        while (System.nanoTime() < end) {
            if (!opening.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                continue;
            }
            startSubscriber(i, "s" + i);
            i++;
        }
        opening.acquire(o.concurrency());
        double seconds = (System.nanoTime() - start) / 1e9;
        cpu(pids, cpu0, self0, start);
        opening.release(o.concurrency());
        int h = held.get();
        result.put("seconds", round2(seconds));
        result.put("subscribed", h);
        result.put("subscribesPerSecond", Math.round(h / seconds));
        out.printf(Locale.ROOT, "%s subscribe: %,d held in %.1f s = %,d/s (%d at a time), %d failed%n", target.name(), h, seconds,
                Math.round(h / seconds), o.concurrency(), failed.get());
        progress("waiting for the server to settle");
        boolean settled = awaitSettled(Duration.ofSeconds(180));
        result.put("settled", settled);
        unsubscribeCount();
        return settled;
    }

    private boolean soak() throws Exception {
        closeOnEvent = true;
        publishWhenHeld = true;
        List<Long> pids = target.pids();
        long start = System.nanoTime();
        long interval = SECOND / o.rate();
        long end = start + o.seconds() * SECOND;
        progress("churn at %,d new subscribers/s for %d s: each held, sent one event, and leaving on it", o.rate(), o.seconds());
        List<Map<String, Object>> samples = new ArrayList<>();
        long nextSample = start;
        long k = 0;
        long late = 0;
        double[] cpu0 = ProcStats.cpuSplit(pids);
        double self0 = ProcStats.cpuSelf();
        while (true) {
            long now = System.nanoTime();
            if (now >= nextSample) {
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("s", Math.round((now - start) / 1e9));
                s.put("rssKiB", ProcStats.rss(pids));
                s.put("held", held.get());
                s.put("received", received.get());
                s.put("awaiting", awaitingEvent.size());
                samples.add(s);
                progress("%4d s: RSS %,d KiB, %,d held so far, %,d events, %,d waiting for theirs", s.get("s"), s.get("rssKiB"), held.get(),
                        received.get(), awaitingEvent.size());
                nextSample += 10 * SECOND;
            }
            if (now >= end) {
                break;
            }
            long due = start + k * interval;
            if (due > now) {
                LockSupport.parkNanos(Math.min(due - now, nextSample - now));
                continue;
            }
            if (!opening.tryAcquire()) {
                late++;
                LockSupport.parkNanos(200_000);
                continue;
            }
            startSubscriber((int) k, "k" + k);
            k++;
        }
        cpu(pids, cpu0, self0, start);
        long deadline = System.nanoTime() + 15 * SECOND;
        while (!awaitingEvent.isEmpty() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(10_000_000);
        }
        long lost = awaitingEvent.size();
        Histogram h = latency.getIntervalHistogram();
        progress("waiting for the server to settle");
        boolean settled = awaitSettled(Duration.ofSeconds(180));
        result.put("rate", o.rate());
        result.put("seconds", o.seconds());
        result.put("opened", k);
        result.put("held", held.get());
        result.put("received", received.get());
        result.put("lost", lost);
        result.put("latencyMs", percentiles(h));
        result.put("rssSamples", samples);
        result.put("settled", settled);
        result.put("settledRssKiB", ProcStats.rss(pids));
        // flat after warm-up: the samples from 20% of the run on
        List<Long> after = samples.stream().filter(s -> ((Number) s.get("s")).longValue() >= o.seconds() / 5)
                .map(s -> ((Number) s.get("rssKiB")).longValue()).toList();
        if (!after.isEmpty()) {
            long min = after.stream().mapToLong(Long::longValue).min().orElseThrow();
            long max = after.stream().mapToLong(Long::longValue).max().orElseThrow();
            result.put("rssAfterWarmupMinKiB", min);
            result.put("rssAfterWarmupMaxKiB", max);
            result.put("rssSpreadPercent", round2(100.0 * (max - min) / min));
        }
        unsubscribeCount();
        out.printf(Locale.ROOT, "%s soak: %,d opened at %,d/s over %d s (%,d waited for a free slot), %,d held, %,d events, %d lost; "
                + "p99 %.2f ms; RSS spread after warm-up %s%%; settled %s%n", target.name(), k, o.rate(), o.seconds(), late, held.get(),
                received.get(), lost, ms(h.getValueAtPercentile(99)), result.get("rssSpreadPercent"), settled);
        return lost == 0 && settled && refused.get() == 0;
    }

    private void unsubscribeCount() {
        if (target instanceof SurrogateTarget s) {
            result.put("originSubscribes", s.origin().subscribes.sum());
            result.put("originUnsubscribes", s.origin().unsubscribes.sum());
            result.put("originRefused", s.origin().refused.sum());
            out.printf(Locale.ROOT, "  origin: %,d /subscribe-event, %,d /unsubscribe-event, %d refused signatures%n", s.origin().subscribes.sum(),
                    s.origin().unsubscribes.sum(), s.origin().refused.sum());
        }
    }

    // ---------------------------------------------------------------- subscribers

    private interface Channels {
        String of(int i);
    }

    /** Opens subscribers {@code first..first+n-1}, at most {@code concurrency} at a time; returns once all are held. */
    private void open(int first, int n, Channels channels) throws Exception {
        int total = first + n;
        if (subscribers.length < total) {
            subscribers = java.util.Arrays.copyOf(subscribers, total);
            expected = java.util.Arrays.copyOf(expected, total);
        }
        int failedBefore = failed.get();
        long deadline = System.nanoTime() + (60 + n / 100) * SECOND;
        for (int i = first; i < total; i++) {
            if (!opening.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new IOException("opening subscribers timed out at " + i + " of " + total);
            }
            if (failed.get() > failedBefore) {
                break;
            }
            subscribers[i] = startSubscriber(i, channels.of(i));
        }
        if (!opening.tryAcquire(o.concurrency(), Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            throw new IOException("subscribers still connecting after the deadline: " + held.get() + " held");
        }
        opening.release(o.concurrency());
        if (failed.get() > failedBefore) {
            throw new IOException((failed.get() - failedBefore) + " subscribers failed; first: " + String.join("; ", failures));
        }
    }

    private Subscriber startSubscriber(int i, String channel) {
        Loop loop = loops[Math.floorMod(i, loops.length)];
        Subscriber s = new Subscriber(loop, target.clientAddress(i), i,
                target.subscribePath(i, channel), o.sse(), this);
        loop.execute(s::open);
        return s;
    }

    private void closeAll() throws Exception {
        for (Subscriber s : subscribers) {
            if (s != null) {
                s.loop.execute(s::close);
            }
        }
        for (Loop l : loops) {
            CountDownLatchTask.await(l);
        }
        subscribers = new Subscriber[0];
    }

    @Override
    public void held(Subscriber s) {
        held.incrementAndGet();
        if (closeWhenHeld) {
            s.close();
        }
        if (publishWhenHeld) {
            awaitingEvent.put(s.index, System.nanoTime());
            Publish p = new Publish(s.index, System.nanoTime(), s.index, "k" + s.index, target.publishAddress(s.index));
            loops[0].execute(() -> publishers.submit(p));
        }
        if (!publishWhenHeld) {
            opening.release();
        }
    }

    @Override
    public void event(Subscriber s, long seq, long scheduledNanos, long now) {
        received.incrementAndGet();
        int n = unicastN;
        if (n > 0 && seq % n != s.index) {
            s.misdelivered++;
            misdelivered.incrementAndGet();
            note("subscriber " + s.index + " received event " + seq + ", published for subscriber " + seq % n);
        }
        if (scheduledNanos >= recordFrom) {
            latency.recordValue(Math.max(0, now - scheduledNanos));
        }
        if (closeOnEvent && awaitingEvent.remove(s.index) != null) {
            s.close();
            opening.release();
        }
    }

    @Override
    public void failed(Subscriber s, String why) {
        failed.incrementAndGet();
        note("subscriber " + s.index + ": " + why);
        opening.release();
    }

    @Override
    public void dropped(Subscriber s, String why) {
        dropped.incrementAndGet();
        note("subscriber " + s.index + " dropped: " + why);
        if (awaitingEvent.remove(s.index) != null) {
            opening.release();
        }
    }

    // ---------------------------------------------------------------- publishes

    @Override
    public void answered(Publish p, int status, String body, long now) {
        answers.computeIfAbsent(status, x -> new AtomicInteger()).incrementAndGet();
        publishLatency.recordValue(Math.max(0, now - p.sentNanos));
        int n = target.delivered(status, body);
        if (n < 0) {
            refused.incrementAndGet();
            note("publish " + p.seq + " to " + p.channel + ": HTTP " + status + " " + body.strip().replace('\n', ' ').replace('\r', ' '));
            if (p.subscriber >= 0 && awaitingEvent.remove(p.subscriber) != null) {
                opening.release();
            }
            return;
        }
        serverDelivered.addAndGet(n);
        if (p.subscriber >= 0) {
            accepted.incrementAndGet();
            if (p.subscriber < expected.length) {
                expected[p.subscriber]++;
            }
        }
    }

    @Override
    public void failed(Publish p, String why) {
        refused.incrementAndGet();
        note("publish " + p.seq + ": " + why);
    }

    private int pendingPublishes() throws InterruptedException {
        int[] pending = new int[1];
        CountDownLatchTask.run(loops[0], () -> pending[0] = publishers.pending());
        return pending[0];
    }

    /** Unicast: events a subscriber was sent (accepted by the server) and did not receive. Call with the loops quiet. */
    private long lostEvents() throws InterruptedException {
        long[] lost = new long[1];
        for (Loop l : loops) {
            CountDownLatchTask.run(l, () -> {
                for (Subscriber s : subscribers) {
                    if (s != null && s.loop == l) {
                        // expected[] is written on loop 0; the latch orders it before this read
                        lost[0] += Math.max(0, expected[s.index] - (s.received - s.misdelivered));
                    }
                }
            });
        }
        return lost[0];
    }

    // ---------------------------------------------------------------- helpers

    private void awaitServer(long n) throws Exception {
        long deadline = System.nanoTime() + 120 * SECOND;
        long seen = -1;
        while (System.nanoTime() < deadline) {
            seen = target.heldOnServer();
            if (seen >= n) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IOException("the server holds " + seen + " subscribers, not " + n + ", after 120 s");
    }

    private boolean awaitSettled(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (target.settled()) {
                return true;
            }
            Thread.sleep(500);
        }
        return false;
    }

    private void cpu(List<Long> pids, double[] server0, double self0, long wall0) throws IOException {
        double wall = (System.nanoTime() - wall0) / 1e9;
        double[] split = ProcStats.cpuSplit(pids);
        double user = split[0] - server0[0];
        double system = split[1] - server0[1];
        double server = user + system;
        double self = ProcStats.cpuSelf() - self0;
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("wallSeconds", round2(wall));
        c.put("serverCpuSeconds", round2(server));
        c.put("serverUserSeconds", round2(user));
        c.put("serverSystemSeconds", round2(system));
        c.put("generatorCpuSeconds", round2(self));
        c.put("serverCores", round2(server / wall));
        c.put("generatorCores", round2(self / wall));
        result.put("cpu", c);
        out.printf(Locale.ROOT, "  CPU over %.1f s: %s %.2f cores (%.0f%% in the kernel), generator %.2f cores%n", wall, target.name(), server / wall,
                server > 0 ? 100 * system / server : 0.0, self / wall);
    }

    private void note(String failure) {
        if (failures.size() < 5) {
            failures.add(failure);
        }
    }

    private void progress(String format, Object... args) {
        out.printf(Locale.ROOT, "# %4d s  %s%n", (System.nanoTime() - t0) / SECOND, String.format(Locale.ROOT, format, args));
        out.flush();
    }

    private static Map<String, Object> percentiles(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        m.put("p50", round2(ms(h.getValueAtPercentile(50))));
        m.put("p99", round2(ms(h.getValueAtPercentile(99))));
        m.put("p999", round2(ms(h.getValueAtPercentile(99.9))));
        m.put("max", round2(ms(h.getMaxValue())));
        return m;
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static double round2(double d) {
        return Math.round(d * 100) / 100.0;
    }

    private static void sleep(int seconds) throws InterruptedException {
        Thread.sleep(seconds * 1000L);
    }

    private static void sleepUntil(long nanos) {
        long left;
        while ((left = nanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }
}
