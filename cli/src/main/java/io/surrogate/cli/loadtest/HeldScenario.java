package io.surrogate.cli.loadtest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code held}: memory per held idle subscriber. A warm-up holds and closes subscribers first
 * (so the baseline has the server's pools grown), then each step holds more and reads the
 * server's RSS and PSS over that baseline.
 */
final class HeldScenario implements LoadTest.Scenario {
    @Override
    public Report run(Generator g) throws Exception {
        LoadTest.Options o = g.o;
        Target target = g.target;
        List<Long> pids = target.pids();
        if (o.warmupClients() > 0) {
            g.progress("warm-up: holding %d subscribers, then closing them", o.warmupClients());
            g.open(0, o.warmupClients(), i -> o.sharedChannel() ? "all" : "w" + i);
            g.awaitServer(o.warmupClients());
            g.closeAll();
            g.progress("warm-up: closed; waiting for the server to settle (Surrogate: one heartbeat, then /unsubscribe-event)");
            g.awaitSettled(Duration.ofSeconds(180));
        }
        Generator.sleep(o.idleSeconds());
        long baseRss = ProcStats.rss(pids);
        long basePss = ProcStats.pss(pids);
        List<Long> redisPids = target.redisPids();
        Long redisBase = redisPids.isEmpty() ? null : ProcStats.rss(redisPids);
        Long redisUsedBase = target.redisUsedKiB();
        g.progress("baseline: RSS %,d KiB, PSS %,d KiB%s%s", baseRss, basePss, redisBase == null ? "" : ", redis RSS " + redisBase + " KiB",
                redisUsedBase == null ? "" : ", redis used_memory " + redisUsedBase + " KiB");
        List<Report.Step> steps = new ArrayList<>();
        int from = o.warmupClients();
        int have = 0;
        for (int n : o.steps()) {
            long start = System.nanoTime();
            int before = have;
            g.progress("holding %,d subscribers (%,d more)", n, n - have);
            g.open(from + have, n - have, i -> o.sharedChannel() ? "all" : "c" + i);
            double connectSeconds = (System.nanoTime() - start) / 1e9;
            have = n;
            g.awaitServer(n);
            Generator.sleep(o.idleSeconds());
            long rss = ProcStats.rss(target.pids());
            long pss = ProcStats.pss(target.pids());
            Long redisRss = redisBase == null ? null : ProcStats.rss(redisPids);
            Long redisUsed = redisUsedBase == null ? null : target.redisUsedKiB();
            Report.Step s = new Report.Step(n, rss, pss, Generator.round2((rss - baseRss) / (double) n), Generator.round2((pss - basePss) / (double) n),
                    Math.round((n - before) / Math.max(connectSeconds, 1e-3)), redisRss,
                    redisRss == null ? null : Generator.round2((redisRss - redisBase) / (double) n), redisUsed,
                    redisUsed == null ? null : Generator.round2((redisUsed - redisUsedBase) / (double) n));
            steps.add(s);
            g.out.printf(Locale.ROOT, "%s held %,d: RSS %,d KiB (%.2f KiB/conn), PSS %,d KiB (%.2f KiB/conn), opened at %,d/s%s%n", target.name(), n,
                    rss, s.rssPerConnKiB(), pss, s.pssPerConnKiB(), s.connectPerSecond(),
                    redisRss == null ? "" : String.format(Locale.ROOT, "; redis RSS %,d KiB (%.2f KiB/conn)", redisRss, s.redisRssPerConnKiB())
                            + (redisUsed == null ? "" : String.format(Locale.ROOT, ", used_memory %,d KiB (%.2f KiB/conn)", redisUsed,
                                    s.redisUsedPerConnKiB())));
        }
        g.closeAll();
        return new Report.Held(baseRss, basePss, have, steps, o.sharedChannel() ? "one shared" : "one per subscriber", redisBase,
                redisUsedBase);
    }

    @Override
    public boolean passed(Report r, Generator g) {
        return true;
    }
}
