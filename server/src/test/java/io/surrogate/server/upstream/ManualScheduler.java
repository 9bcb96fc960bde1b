package io.surrogate.server.upstream;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.xnio.XnioIoThread;

/** An {@link OriginScheduler} whose time moves only when a test calls {@link #advance}; due tasks run on the test's thread. */
final class ManualScheduler implements OriginScheduler {
    private final List<Task> tasks = new ArrayList<>();
    private long nowNanos;
    private long sequence;

    private record Task(long dueNanos, long order, Runnable run) {}

    @Override
    public synchronized Scheduled after(Duration delay, XnioIoThread thread, Runnable task) {
        Task t = new Task(nowNanos + delay.toNanos(), sequence++, task);
        tasks.add(t);
        return () -> {
            synchronized (ManualScheduler.this) {
                tasks.remove(t);
            }
        };
    }

    /** Moves time on by {@code by} and runs every task then due, earliest first. */
    void advance(Duration by) {
        List<Task> due;
        synchronized (this) {
            nowNanos += by.toNanos();
            due = tasks.stream().filter(t -> t.dueNanos() <= nowNanos)
                    .sorted(Comparator.comparingLong(Task::dueNanos).thenComparingLong(Task::order)).toList();
            tasks.removeAll(due);
        }
        due.forEach(t -> t.run().run());
    }

    /** Tasks scheduled and neither run nor cancelled. */
    synchronized int pending() {
        return tasks.size();
    }
}
