package io.surrogate.cli.loadtest;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A load generator process that only holds subscribers, for runs with more subscribers than one
 * process may open files (20,000 here): {@link LoadTest} starts several and talks to each over
 * its standard input and output. Arguments: {@code FIRST COUNT CONCURRENCY SSE PATH_TEMPLATE
 * HOST:PORT...}; subscriber {@code i} (from FIRST) connects to address {@code i mod K} with the
 * template's {@code {i}} replaced by {@code i}. It prints {@code held N} once all are held (or
 * {@code failed N first-reason}), then answers {@code stats} with
 * {@code stats HELD RECEIVED DROPPED FAILED}, and exits on {@code close} or end of input.
 */
public final class Worker implements Subscriber.Listener {

    private final AtomicInteger held = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();
    private final AtomicLong received = new AtomicLong();
    private volatile String firstFailure = "";
    private final Semaphore opening;

    private Worker(int concurrency) {
        this.opening = new Semaphore(concurrency);
    }

    public static void main(String[] args) throws Exception {
        int first = Integer.parseInt(args[0]);
        int count = Integer.parseInt(args[1]);
        int concurrency = Integer.parseInt(args[2]);
        boolean sse = Boolean.parseBoolean(args[3]);
        String template = args[4];
        List<InetSocketAddress> servers = new ArrayList<>();
        for (int i = 5; i < args.length; i++) {
            int colon = args[i].lastIndexOf(':');
            servers.add(new InetSocketAddress(args[i].substring(0, colon), Integer.parseInt(args[i].substring(colon + 1))));
        }
        new Worker(concurrency).run(first, count, concurrency, sse, template, servers);
    }

    private void run(int first, int count, int concurrency, boolean sse, String template, List<InetSocketAddress> servers) throws Exception {
        Loop loop = new Loop(0);
        List<Subscriber> subs = new ArrayList<>(count);
        for (int i = first; i < first + count && failed.get() == 0; i++) {
            if (!opening.tryAcquire(120, TimeUnit.SECONDS)) {
                break;
            }
            Subscriber s = new Subscriber(loop, servers.get(Math.floorMod(i, servers.size())), i, template.replace("{i}", Integer.toString(i)),
                    sse, this);
            subs.add(s);
            loop.execute(s::open);
        }
        boolean all = opening.tryAcquire(concurrency, 120, TimeUnit.SECONDS);
        if (all && failed.get() == 0 && held.get() == count) {
            System.out.println("held " + held.get());
        } else {
            System.out.println("failed " + (count - held.get()) + " " + firstFailure.replace('\n', ' '));
        }
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null && !line.equals("close")) {
            if (line.equals("stats")) {
                System.out.println("stats " + held.get() + " " + received.get() + " " + dropped.get() + " " + failed.get());
                System.out.flush();
            }
        }
        for (Subscriber s : subs) {
            loop.execute(s::close);
        }
        CountDownLatchTask.await(loop);
        loop.close();
    }

    @Override
    public void held(Subscriber s) {
        held.incrementAndGet();
        opening.release();
    }

    @Override
    public void event(Subscriber s, long seq, long scheduledNanos, long now) {
        received.incrementAndGet();
    }

    @Override
    public void failed(Subscriber s, String why) {
        if (failed.getAndIncrement() == 0) {
            firstFailure = "subscriber " + s.index + ": " + why;
        }
        opening.release();
    }

    @Override
    public void dropped(Subscriber s, String why) {
        if (dropped.getAndIncrement() == 0 && firstFailure.isEmpty()) {
            firstFailure = "subscriber " + s.index + " dropped: " + why;
        }
    }
}
