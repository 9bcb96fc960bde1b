package io.surrogate.cli.loadtest;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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
import org.HdrHistogram.Recorder;

/**
 * What every scenario drives: non-blocking {@link Subscriber}s spread over {@code threads}
 * selector {@link Loop}s (and over source addresses 127.0.0.2 to 127.0.0.250, so ephemeral ports
 * never run out), publishes paced on the first loop, and the counters both feed. Latency is
 * publish-to-receipt: from the time a publish was <em>scheduled</em> (so a late publisher does
 * not hide its lateness) to the moment the subscriber's loop read the event.
 */
final class Generator implements Subscriber.Listener, Publishers.Listener {
    static final long SECOND = 1_000_000_000L;

    final LoadTest.Options o;
    final Target target;
    final PrintWriter out;
    final Loop[] loops;
    final Publishers publishers;
    private final long t0 = System.nanoTime();

    // counters, from every loop
    final AtomicInteger held = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicInteger dropped = new AtomicInteger();
    final AtomicLong received = new AtomicLong();
    final AtomicLong accepted = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong serverDelivered = new AtomicLong();
    final AtomicLong misdelivered = new AtomicLong();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final Map<Integer, AtomicInteger> answers = new ConcurrentHashMap<>();
    final Recorder latency = new Recorder(3);
    final Recorder publishLatency = new Recorder(3);
    /** Receipts of publishes scheduled before this are not recorded in {@link #latency}. */
    volatile long recordFrom;
    /** unicast: publish k goes to subscriber k mod this; 0 otherwise */
    volatile int unicastN;
    /** Released as subscribers are held or fail, for the connect concurrency. */
    final Semaphore opening;
    /** What a subscriber does once held or on an event, per scenario. */
    volatile boolean closeWhenHeld;
    volatile boolean publishWhenHeld;
    volatile boolean closeOnEvent;
    /** soak: subscribers sent their event and not yet given it, with when they were held */
    final ConcurrentHashMap<Integer, Long> awaitingEvent = new ConcurrentHashMap<>();
    private Subscriber[] subscribers = new Subscriber[0];
    private int[] expected = new int[0];

    Generator(LoadTest.Options o, Target target, PrintWriter out) {
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

    /** Stops the loops, closing every connection left. */
    void close() throws InterruptedException {
        for (Loop l : loops) {
            l.close();
        }
    }

    // ---------------------------------------------------------------- subscribers

    interface Channels {
        String of(int i);
    }

    /** Opens subscribers {@code first..first+n-1}, at most {@code concurrency} at a time; returns once all are held. */
    void open(int first, int n, Channels channels) throws Exception {
        int total = first + n;
        if (subscribers.length < total) {
            subscribers = Arrays.copyOf(subscribers, total);
            expected = Arrays.copyOf(expected, total);
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

    /** Opens {@code n} subscribers, one channel each or all on {@code all}; returns the connect rate. */
    long openAll(int n, Channels channels) throws Exception {
        long start = System.nanoTime();
        open(0, n, channels);
        return Math.round(n / ((System.nanoTime() - start) / 1e9));
    }

    Subscriber startSubscriber(int i, String channel) {
        Loop loop = loops[Math.floorMod(i, loops.length)];
        Subscriber s = new Subscriber(loop, target.clientAddress(i), i, target.subscribePath(i, channel), o.sse(), this);
        loop.execute(s::open);
        return s;
    }

    void closeAll() throws Exception {
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
        } else {
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

    void publish(Publish p) {
        loops[0].execute(() -> publishers.submit(p));
    }

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

    /** The answers' statuses with their counts, in status order. */
    Map<Integer, Integer> answers() {
        Map<Integer, Integer> m = new TreeMap<>();
        answers.forEach((status, count) -> m.put(status, count.get()));
        return m;
    }

    int pendingPublishes() throws InterruptedException {
        int[] pending = new int[1];
        CountDownLatchTask.run(loops[0], () -> pending[0] = publishers.pending());
        return pending[0];
    }

    /** Unicast: events a subscriber was sent (accepted by the server) and did not receive. Call with the loops quiet. */
    long lostEvents() throws InterruptedException {
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

    // ---------------------------------------------------------------- the server

    void awaitServer(long n) throws Exception {
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

    boolean awaitSettled(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (target.settled()) {
                return true;
            }
            Thread.sleep(500);
        }
        return false;
    }

    /** CPU seconds used so far by the server (user, system), this generator and the server's Redis, and when. */
    record CpuMark(double[] server, double self, double redis, long wall) {}

    CpuMark mark(List<Long> pids) throws IOException {
        return new CpuMark(ProcStats.cpuSplit(pids), ProcStats.cpuSelf(), ProcStats.cpu(target.redisPids()), System.nanoTime());
    }

    /** The CPU the server, this generator and the server's Redis used since {@code m}, printed and returned. */
    Report.Cpu cpu(List<Long> pids, CpuMark m) throws IOException {
        double wall = (System.nanoTime() - m.wall()) / 1e9;
        double[] split = ProcStats.cpuSplit(pids);
        double user = split[0] - m.server()[0];
        double system = split[1] - m.server()[1];
        double server = user + system;
        double self = ProcStats.cpuSelf() - m.self();
        boolean withRedis = !target.redisPids().isEmpty();
        double redis = withRedis ? ProcStats.cpu(target.redisPids()) - m.redis() : 0;
        out.printf(Locale.ROOT, "  CPU over %.1f s: %s %.2f cores (%.0f%% in the kernel), generator %.2f cores%s%n", wall, target.name(), server / wall,
                server > 0 ? 100 * system / server : 0.0, self / wall, withRedis ? String.format(Locale.ROOT, ", redis %.2f cores", redis / wall) : "");
        return new Report.Cpu(round2(wall), round2(server), round2(user), round2(system), round2(self), round2(server / wall), round2(self / wall),
                withRedis ? round2(redis) : null, withRedis ? round2(redis / wall) : null);
    }

    /** Microseconds of {@code cpuSeconds} per one of {@code count}, or null when nothing was counted. */
    static Double perEach(double cpuSeconds, long count) {
        return count > 0 ? round2(cpuSeconds * 1e6 / count) : null;
    }

    /** What the built-in origin answered, printed; null for a target without one. */
    Report.OriginCounts originCounts() {
        if (!(target instanceof SurrogateTarget s)) {
            return null;
        }
        LoadOrigin origin = s.origin();
        out.printf(Locale.ROOT, "  origin: %,d /subscribe-event, %,d /unsubscribe-event, %d refused signatures%n", origin.subscribes.sum(),
                origin.unsubscribes.sum(), origin.refused.sum());
        return new Report.OriginCounts(origin.subscribes.sum(), origin.unsubscribes.sum(), origin.refused.sum());
    }

    // ---------------------------------------------------------------- reporting

    void note(String failure) {
        if (failures.size() < 5) {
            failures.add(failure);
        }
    }

    List<String> failures() {
        return new ArrayList<>(failures);
    }

    void progress(String format, Object... args) {
        out.printf(Locale.ROOT, "# %4d s  %s%n", (System.nanoTime() - t0) / SECOND, String.format(Locale.ROOT, format, args));
        out.flush();
    }

    static double ms(long nanos) {
        return Report.ms(nanos);
    }

    static double round2(double d) {
        return Report.round2(d);
    }

    static void sleep(int seconds) throws InterruptedException {
        Thread.sleep(seconds * 1000L);
    }

    static void sleepUntil(long nanos) {
        long left;
        while ((left = nanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }
}
