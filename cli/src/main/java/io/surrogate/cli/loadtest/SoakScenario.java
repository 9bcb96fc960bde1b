package io.surrogate.cli.loadtest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * {@code soak}: churn. New subscribers arrive at {@code rate} per second; each, once held, is
 * sent one event and leaves on it. The server's RSS is sampled every 10 s; at the end it must
 * settle with nothing held.
 */
final class SoakScenario implements LoadTest.Scenario {
    @Override
    public Report run(Generator g) throws Exception {
        LoadTest.Options o = g.o;
        g.closeOnEvent = true;
        g.publishWhenHeld = true;
        List<Long> pids = g.target.pids();
        long start = System.nanoTime();
        long interval = Generator.SECOND / o.rate();
        long end = start + o.seconds() * Generator.SECOND;
        g.progress("churn at %,d new subscribers/s for %d s: each held, sent one event, and leaving on it", o.rate(), o.seconds());
        List<Report.RssSample> samples = new ArrayList<>();
        long nextSample = start;
        long k = 0;
        long late = 0;
        Generator.CpuMark cpu0 = g.mark(pids);
        while (true) {
            long now = System.nanoTime();
            if (now >= nextSample) {
                Report.RssSample s = new Report.RssSample(Math.round((now - start) / 1e9), ProcStats.rss(pids), g.held.get(), g.received.get(),
                        g.awaitingEvent.size());
                samples.add(s);
                g.progress("%4d s: RSS %,d KiB, %,d held so far, %,d events, %,d waiting for theirs", s.s(), s.rssKiB(), s.held(), s.received(),
                        s.awaiting());
                nextSample += 10 * Generator.SECOND;
            }
            if (now >= end) {
                break;
            }
            long due = start + k * interval;
            if (due > now) {
                LockSupport.parkNanos(Math.min(due - now, nextSample - now));
                continue;
            }
            if (!g.opening.tryAcquire()) {
                late++;
                LockSupport.parkNanos(200_000);
                continue;
            }
            g.startSubscriber((int) k, "k" + k);
            k++;
        }
        Report.Cpu cpu = g.cpu(pids, cpu0);
        long deadline = System.nanoTime() + 15 * Generator.SECOND;
        while (!g.awaitingEvent.isEmpty() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(10_000_000);
        }
        long lost = g.awaitingEvent.size();
        Histogram h = g.latency.getIntervalHistogram();
        g.progress("waiting for the server to settle");
        boolean settled = g.awaitSettled(Duration.ofSeconds(180));
        long settledRss = ProcStats.rss(pids);
        // flat after warm-up: the samples from 20% of the run on
        List<Long> after = samples.stream().filter(s -> s.s() >= o.seconds() / 5).map(Report.RssSample::rssKiB).toList();
        Long min = after.isEmpty() ? null : after.stream().mapToLong(Long::longValue).min().orElseThrow();
        Long max = after.isEmpty() ? null : after.stream().mapToLong(Long::longValue).max().orElseThrow();
        Double spread = min == null ? null : Generator.round2(100.0 * (max - min) / min);
        Report.OriginCounts origin = g.originCounts();
        g.out.printf(Locale.ROOT, "%s soak: %,d opened at %,d/s over %d s (%,d waited for a free slot), %,d held, %,d events, %d lost; "
                + "p99 %.2f ms; RSS spread after warm-up %s%%; settled %s%n", g.target.name(), k, o.rate(), o.seconds(), late, g.held.get(),
                g.received.get(), lost, Generator.ms(h.getValueAtPercentile(99)), spread, settled);
        return new Report.Soak(cpu, o.rate(), o.seconds(), k, g.held.get(), g.received.get(), lost, Report.Latency.of(h), samples, settled,
                settledRss, min, max, spread, origin == null ? null : origin.originSubscribes(), origin == null ? null : origin.originUnsubscribes(),
                origin == null ? null : origin.originRefused());
    }

    @Override
    public boolean passed(Report r, Generator g) {
        Report.Soak s = (Report.Soak) r;
        return s.lost() == 0 && s.settled() && g.refused.get() == 0;
    }
}
