package io.surrogate.cli.loadtest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * {@code unicast}: {@code n} subscribers, one channel each; publishes go to subscriber k mod n,
 * paced at {@code rate} per second (0: as fast as the server answers). Receipts of the
 * publishes scheduled in the first {@code warmupSeconds} are not recorded: the recorded ones are
 * exactly those scheduled from then on, however fast either side runs.
 */
final class UnicastScenario implements LoadTest.Scenario {
    @Override
    public Report run(Generator g) throws Exception {
        LoadTest.Options o = g.o;
        Target target = g.target;
        int n = o.clients();
        g.progress("holding %,d subscribers, one channel each", n);
        long connectPerSecond = g.openAll(n, i -> "c" + i);
        g.awaitServer(n);
        Generator.sleep(o.idleSeconds());
        g.unicastN = n;
        List<Long> pids = target.pids();
        long total = (long) o.rate() * (o.warmupSeconds() + o.seconds());
        g.progress(o.rate() > 0 ? "publishing %,d/s for %d s (the first %d s not recorded)"
                        : "publishing as fast as the server answers (rate %d) for %d s (the first %d s not recorded)",
                o.rate(), o.warmupSeconds() + o.seconds(), o.warmupSeconds());
        long begin = System.nanoTime() + 10_000_000;
        long recordAt = begin + o.warmupSeconds() * Generator.SECOND;
        long end = begin + (o.warmupSeconds() + o.seconds()) * Generator.SECOND;
        // by schedule, not by clock: a late receipt of a warm-up publish stays out, an early one of a recorded publish is in
        g.recordFrom = recordAt;
        AtomicLong sent = new AtomicLong();
        Thread pacer = null;
        if (o.rate() > 0) {
            // a thread of its own sleeps until each publish is due and hands what is due to the loop: a loop
            // that paced itself would spin (its selector sleeps in whole milliseconds) and take a core from the server
            long interval = Generator.SECOND / o.rate();
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
                    g.loops[0].execute(() -> batch.forEach(g.publishers::submit));
                }
            }, "loadtest-pacer");
            pacer.setDaemon(true);
            pacer.start();
        } else {
            // closed loop: keep the publishers busy until the time is up
            g.loops[0].ticker(now -> {
                while (now < end && g.publishers.pending() < o.publishers() * 2) {
                    long k = sent.getAndIncrement();
                    int sub = (int) (k % n);
                    g.publishers.submit(new Publish(k, System.nanoTime(), sub, "c" + sub, target.publishAddress(sub)));
                }
                return now < end ? 1_000_000 : Long.MAX_VALUE;
            });
        }
        Generator.sleepUntil(recordAt);
        long firstRecorded = o.rate() > 0 ? (long) o.rate() * o.warmupSeconds() : sent.get();
        g.publishLatency.getIntervalHistogram();
        long acceptedAtRecord = g.accepted.get();
        Generator.CpuMark atRecord = g.mark(pids);
        long wall0 = atRecord.wall();
        Generator.sleepUntil(end);
        long acceptedInWindow = g.accepted.get() - acceptedAtRecord;
        double windowSeconds = (System.nanoTime() - wall0) / 1e9;
        Report.Cpu cpu = g.cpu(pids, atRecord);
        g.loops[0].ticker(now -> Long.MAX_VALUE);
        if (pacer != null) {
            pacer.join();
        }
        long deadline = System.nanoTime() + 15 * Generator.SECOND;
        while ((g.received.get() < g.accepted.get() || g.pendingPublishes() > 0) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(5_000_000);
        }
        Generator.sleep(1);
        Histogram h = g.latency.getIntervalHistogram();
        Histogram ph = g.publishLatency.getIntervalHistogram();
        long lost = g.lostEvents();
        long acceptedPerSecond = Math.round(acceptedInWindow / windowSeconds);
        g.out.printf(Locale.ROOT, "%s unicast to %,d held at %s: %,d published, %,d accepted (%,d/s in the recorded window), %,d received, %d lost, %d refused%n",
                target.name(), n, o.rate() > 0 ? String.format(Locale.ROOT, "%,d/s", o.rate()) : "max rate", sent.get(), g.accepted.get(),
                acceptedPerSecond, g.received.get(), lost, g.refused.get());
        g.out.printf(Locale.ROOT, "  publish to receipt: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms (%,d recorded)%n",
                Generator.ms(h.getValueAtPercentile(50)), Generator.ms(h.getValueAtPercentile(99)), Generator.ms(h.getValueAtPercentile(99.9)),
                Generator.ms(h.getMaxValue()), h.getTotalCount());
        Double serverPerDelivery = Generator.perEach(cpu.serverCpuSeconds(), acceptedInWindow);
        Double redisPerDelivery = cpu.redisCpuSeconds() == null ? null : Generator.perEach(cpu.redisCpuSeconds(), acceptedInWindow);
        if (serverPerDelivery != null) {
            g.out.printf(Locale.ROOT, "  CPU per delivery accepted in the recorded window: %s %.1f us%s%n", target.name(), serverPerDelivery,
                    redisPerDelivery == null ? "" : String.format(Locale.ROOT, ", redis %.1f us", redisPerDelivery));
        }
        g.closeAll();
        return new Report.Unicast(connectPerSecond, cpu, n, o.rate(), o.seconds(), sent.get(), firstRecorded, g.accepted.get(), g.refused.get(),
                g.answers(), g.received.get(), lost, g.misdelivered.get(), acceptedPerSecond, Report.Latency.of(h), Report.Latency.of(ph), serverPerDelivery, redisPerDelivery);
    }

    @Override
    public boolean passed(Report r, Generator g) {
        Report.Unicast u = (Report.Unicast) r;
        return u.lost() == 0 && u.misdelivered() == 0 && u.refused() == 0;
    }
}
