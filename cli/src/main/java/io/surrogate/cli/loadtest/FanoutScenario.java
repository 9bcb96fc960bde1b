package io.surrogate.cli.loadtest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * {@code fanout}: {@code n} subscribers of one channel; each round publishes one event to the
 * channel and waits until every subscriber has it. Two figures per round, not to be confused:
 * the time until the <em>last</em> subscriber had the event (what a round costs), and the
 * latency of each receipt (its percentiles over all receipts: a p99 over receipts is shorter
 * than the round).
 */
final class FanoutScenario implements LoadTest.Scenario {
    @Override
    public Report run(Generator g) throws Exception {
        LoadTest.Options o = g.o;
        Target target = g.target;
        int n = o.clients();
        g.progress("holding %,d subscribers of one channel", n);
        long connectPerSecond = g.openAll(n, i -> "all");
        g.awaitServer(n);
        Generator.sleep(o.idleSeconds());
        List<Long> pids = target.pids();
        Generator.CpuMark cpu0 = g.mark(pids);
        List<Long> redisPids = target.redisPids();
        double roundServerCpu = 0;
        double roundRedisCpu = 0;
        long roundReceipts = 0;
        List<Report.Round> rounds = new ArrayList<>();
        Histogram all = new Histogram(3);
        long lost = 0;
        int warmup = Math.max(0, o.warmupSeconds());
        for (int r = 0; r < warmup + o.rounds(); r++) {
            long before = g.received.get();
            g.latency.getIntervalHistogram(); // reset
            double server0 = ProcStats.cpu(pids);
            double redis0 = ProcStats.cpu(redisPids);
            long now = System.nanoTime();
            g.publish(new Publish(r, now, -1, "all", target.publishAddress(-1)));
            long deadline = now + 30 * Generator.SECOND;
            while (g.received.get() - before < n && System.nanoTime() < deadline && g.failed.get() == 0) {
                LockSupport.parkNanos(1_000_000);
            }
            double serverCpu = ProcStats.cpu(pids) - server0;
            double redisCpu = ProcStats.cpu(redisPids) - redis0;
            Histogram h = g.latency.getIntervalHistogram();
            long got = g.received.get() - before;
            // every receipt's latency is in h: its largest is when the last subscriber had the event
            Double last = got >= n ? Generator.round2(Generator.ms(h.getMaxValue())) : null;
            boolean recorded = r >= warmup;
            if (recorded) {
                roundServerCpu += serverCpu;
                roundRedisCpu += redisCpu;
                roundReceipts += got;
                all.add(h);
                lost += n - got;
                Report.Latency l = Report.Latency.of(h);
                rounds.add(new Report.Round(l.count(), l.p50(), l.p99(), l.p999(), l.max(), got, last));
            }
            g.out.printf(Locale.ROOT, "%s fan-out %s %d: %,d of %,d received; the last after %s; receipts p50 %.1f ms, p99 %.1f ms%n", target.name(),
                    recorded ? "round" : "warm-up round", recorded ? r - warmup + 1 : r + 1, got, n,
                    last == null ? "- (not all received)" : String.format(Locale.ROOT, "%.1f ms", last), Generator.ms(h.getValueAtPercentile(50)),
                    Generator.ms(h.getValueAtPercentile(99)));
            Generator.sleep(1);
        }
        Report.Cpu cpu = g.cpu(pids, cpu0);
        Report.RoundTimes lastReceipt = Report.RoundTimes.of(rounds);
        g.out.printf(Locale.ROOT, "%s fan-out to %,d, %d rounds: the last subscriber had the event after %s; "
                        + "receipt latency over all receipts p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms; lost %d%n", target.name(), n,
                o.rounds(), lastReceipt == null ? "- (no round reached all)"
                        : String.format(Locale.ROOT, "%.1f ms (median round), %.1f ms (slowest)", lastReceipt.median(), lastReceipt.max()),
                Generator.ms(all.getValueAtPercentile(50)), Generator.ms(all.getValueAtPercentile(99)), Generator.ms(all.getValueAtPercentile(99.9)),
                Generator.ms(all.getMaxValue()), lost);
        Double serverPerReceipt = Generator.perEach(roundServerCpu, roundReceipts);
        Double redisPerReceipt = redisPids.isEmpty() ? null : Generator.perEach(roundRedisCpu, roundReceipts);
        if (serverPerReceipt != null) {
            g.out.printf(Locale.ROOT, "  CPU from each publish to its last receipt, per receipt: %s %.2f us%s%n", target.name(), serverPerReceipt,
                    redisPerReceipt == null ? "" : String.format(Locale.ROOT, ", redis %.2f us", redisPerReceipt));
        }
        g.closeAll();
        long expected = (long) n * o.rounds();
        return new Report.Fanout(connectPerSecond, cpu, n, rounds, Report.Latency.of(all), lastReceipt, expected, expected - lost, lost,
                serverPerReceipt, redisPerReceipt);
    }

    @Override
    public boolean passed(Report r, Generator g) {
        return ((Report.Fanout) r).lost() == 0;
    }
}
