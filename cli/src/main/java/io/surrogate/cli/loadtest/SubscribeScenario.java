package io.surrogate.cli.loadtest;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code subscribe}: full subscribe round trips per second (client, edge, origin and back),
 * {@code concurrency} at a time, each subscriber leaving once held; then the server must settle
 * (Surrogate: the origin told of every leaver).
 */
final class SubscribeScenario implements LoadTest.Scenario {
    @Override
    public Report run(Generator g) throws Exception {
        LoadTest.Options o = g.o;
        g.closeWhenHeld = true;
        List<Long> pids = g.target.pids();
        Generator.CpuMark cpu0 = g.mark(pids);
        long start = cpu0.wall();
        long end = start + o.seconds() * Generator.SECOND;
        g.progress("subscribing for %d s, %d at a time, each subscriber leaving once held", o.seconds(), o.concurrency());
        int i = 0;
        while (System.nanoTime() < end) {
            if (!g.opening.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                continue;
            }
            g.startSubscriber(i, "s" + i);
            i++;
        }
        g.opening.acquire(o.concurrency());
        double seconds = (System.nanoTime() - start) / 1e9;
        Report.Cpu cpu = g.cpu(pids, cpu0);
        g.opening.release(o.concurrency());
        int h = g.held.get();
        g.out.printf(Locale.ROOT, "%s subscribe: %,d held in %.1f s = %,d/s (%d at a time), %d failed%n", g.target.name(), h, seconds,
                Math.round(h / seconds), o.concurrency(), g.failed.get());
        g.progress("waiting for the server to settle");
        boolean settled = g.awaitSettled(Duration.ofSeconds(180));
        Report.OriginCounts origin = g.originCounts();
        return new Report.Subscribe(cpu, Generator.round2(seconds), h, Math.round(h / seconds), settled,
                origin == null ? null : origin.originSubscribes(), origin == null ? null : origin.originUnsubscribes(),
                origin == null ? null : origin.originRefused());
    }

    @Override
    public boolean passed(Report r, Generator g) {
        return ((Report.Subscribe) r).settled();
    }
}
