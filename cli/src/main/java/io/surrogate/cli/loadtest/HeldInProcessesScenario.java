package io.surrogate.cli.loadtest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code held --processes P}: more subscribers than one process may open files for.
 * {@link Worker} processes hold them (subscriber I on the target's address I mod K), this
 * process measures the servers. With several Surrogate edges it then sends one signed delivery
 * to each of up to 1,000 subscribers, every one to the first edge: a token another edge minted
 * gets 421 and the delivery follows X-Event-Edge, so each reaches the edge that holds its client.
 */
final class HeldInProcessesScenario implements LoadTest.Scenario {
    @Override
    public Report run(Generator g) throws Exception {
        LoadTest.Options o = g.o;
        Target target = g.target;
        int n = o.steps().get(o.steps().size() - 1);
        int p = o.processes();
        List<Long> pids = target.pids();
        Generator.sleep(o.idleSeconds());
        long baseRss = ProcStats.rss(pids);
        long basePss = ProcStats.pss(pids);
        g.progress("baseline: RSS %,d KiB, PSS %,d KiB (%d server process(es)); holding %,d subscribers from %d worker processes", baseRss, basePss,
                pids.size(), n, p);
        List<String> addresses = target.clientAddresses().stream().map(a -> a.getAddress().getHostAddress() + ":" + a.getPort()).toList();
        List<Process> workers = new ArrayList<>();
        List<BufferedReader> replies = new ArrayList<>();
        Path log = Files.createTempFile("loadtest-workers-", ".log");
        long start = System.nanoTime();
        try {
            for (int w = 0; w < p; w++) {
                int first = (int) ((long) n * w / p);
                int count = (int) ((long) n * (w + 1) / p) - first;
                List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-XX:+UseSerialGC", "-Xmx256m", "-cp", o.jar().toString().endsWith(".jar") ? o.jar().toString() : System.getProperty("java.class.path"),
                        Worker.class.getName(), Integer.toString(first),
                        Integer.toString(count), Integer.toString(Math.max(1, o.concurrency() / p)), Boolean.toString(o.sse()),
                        target.subscribeTemplate()));
                cmd.addAll(addresses);
                Process proc = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
                workers.add(proc);
                replies.add(new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8)));
            }
            int heldAll = 0;
            for (int w = 0; w < p; w++) {
                String line = replies.get(w).readLine();
                if (line == null || !line.startsWith("held ")) {
                    g.note("worker " + w + ": " + line);
                    g.failed.incrementAndGet();
                } else {
                    heldAll += Integer.parseInt(line.substring(5).strip());
                }
            }
            double connectSeconds = (System.nanoTime() - start) / 1e9;
            g.held.set(heldAll);
            g.progress("%,d held by the workers in %.1f s; waiting for the servers to count them", heldAll, connectSeconds);
            g.awaitServer(n);
            Generator.sleep(o.idleSeconds());
            long rss = ProcStats.rss(pids);
            long pss = ProcStats.pss(pids);
            List<Long> perProcess = new ArrayList<>();
            for (long pid : pids) {
                perProcess.add(ProcStats.kib(pid, "status", "VmRSS"));
            }
            double rssPerConn = Generator.round2((rss - baseRss) / (double) n);
            double pssPerConn = Generator.round2((pss - basePss) / (double) n);
            g.out.printf(Locale.ROOT, "%s held %,d across %d server process(es): RSS %,d KiB in all (%.2f KiB/conn over the idle baseline), PSS %,d KiB (%.2f KiB/conn)%n",
                    target.name(), n, pids.size(), rss, rssPerConn, pss, pssPerConn);
            Report.Routed routed = target instanceof SurrogateTarget s && s.edges().size() > 1 ? route(g, n, workers, replies) : null;
            return new Report.HeldInProcesses(n, p, pids.size(), Math.round(heldAll / connectSeconds), baseRss, rss, pss, perProcess, rssPerConn,
                    pssPerConn, routed);
        } finally {
            for (Process w : workers) {
                try {
                    w.getOutputStream().write("close\n".getBytes(StandardCharsets.US_ASCII));
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
            if (g.failed.get() > 0) {
                g.out.println("# worker log: " + log);
            } else {
                Files.deleteIfExists(log);
            }
        }
    }

    /** One signed delivery to each of up to 1,000 subscribers, all sent to the first edge; the workers count what arrived. */
    private static Report.Routed route(Generator g, int n, List<Process> workers, List<BufferedReader> replies) throws Exception {
        int m = Math.min(n, 1000);
        g.progress("routing: one signed delivery to each of %,d subscribers, all sent to the first edge", m);
        for (int k = 0; k < m; k++) {
            int i = (int) ((long) k * n / m) + k % Math.max(1, n / m); // spread over every edge, whatever n / m is
            g.publish(new Publish(k, System.nanoTime(), i, "c" + i, g.target.publishAddress(i)));
        }
        long deadline = System.nanoTime() + 30 * Generator.SECOND;
        while (g.accepted.get() + g.refused.get() < m && System.nanoTime() < deadline) {
            LockSupport.parkNanos(10_000_000);
        }
        Generator.sleep(1);
        long got = 0;
        for (int w = 0; w < workers.size(); w++) {
            workers.get(w).getOutputStream().write("stats\n".getBytes(StandardCharsets.US_ASCII));
            workers.get(w).getOutputStream().flush();
            String[] f = replies.get(w).readLine().split(" ");
            got += Long.parseLong(f[2]);
            g.dropped.addAndGet(Integer.parseInt(f[3]));
        }
        long[] redirected = new long[1];
        CountDownLatchTask.run(g.loops[0], () -> redirected[0] = g.publishers.redirected());
        long lost = g.accepted.get() - got;
        g.out.printf(Locale.ROOT, "  routing: %,d deliveries sent to edge 1, %,d followed a 421 to their edge, %,d accepted, %,d received, %d lost%n",
                m, redirected[0], g.accepted.get(), got, lost);
        return new Report.Routed(m, g.accepted.get(), redirected[0], got, lost, g.answers());
    }

    @Override
    public boolean passed(Report r, Generator g) {
        Report.HeldInProcesses h = (Report.HeldInProcesses) r;
        return (h.routed() == null || h.routed().lost() == 0) && g.refused.get() == 0 && g.failed.get() == 0;
    }
}
