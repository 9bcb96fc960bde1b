package io.surrogate.server.time;

import java.time.Duration;
import java.util.PriorityQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * A {@link Scheduler} on a {@link ManualClock}: nothing fires until {@link #advance} moves the
 * clock past a task's time; then the task goes to its executor (an IO thread runs it there, a
 * {@link Scheduler#DIRECT} task runs on the caller), in the order of their times.
 */
public final class ManualScheduler implements Scheduler {
    private final ManualClock clock;
    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private long sequence;
    private boolean stopped;

    public ManualScheduler(ManualClock clock) {
        this.clock = clock;
    }

    public ManualClock clock() {
        return clock;
    }

    private final class Task implements Timer, Comparable<Task> {
        final long due;
        final long order;
        final Executor on;
        final Runnable task;

        Task(long due, long order, Executor on, Runnable task) {
            this.due = due;
            this.order = order;
            this.on = on;
            this.task = task;
        }

        @Override
        public boolean cancel() {
            synchronized (ManualScheduler.this) {
                return queue.remove(this);
            }
        }

        @Override
        public int compareTo(Task o) {
            return due != o.due ? Long.compare(due, o.due) : Long.compare(order, o.order);
        }
    }

    @Override
    public synchronized Timer schedule(Executor on, Runnable task, long delayMillis) {
        if (stopped) {
            throw new RejectedExecutionException("stopped");
        }
        Task t = new Task(clock.millis() + Math.max(0, delayMillis), sequence++, on, task);
        queue.add(t);
        return t;
    }

    @Override
    public synchronized int pending() {
        return queue.size();
    }

    @Override
    public long nanoTime() {
        return clock.millis() * 1_000_000L;
    }

    /** Moves the clock by {@code d}, firing every task that falls due on the way, each at its own time. */
    public void advance(Duration d) {
        long until = clock.millis() + d.toMillis();
        while (true) {
            Task next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.due > until) {
                    break;
                }
                queue.poll();
            }
            clock.set(next.due);
            next.on.execute(next.task);
        }
        clock.set(until);
    }

    /** When the next task falls due, from now; null when none waits. */
    public synchronized Duration untilNext() {
        Task next = queue.peek();
        return next == null ? null : Duration.ofMillis(Math.max(0, next.due - clock.millis()));
    }
}
