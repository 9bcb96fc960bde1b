package io.surrogate.server.guard;

import io.undertow.server.HttpServerExchange;
import java.util.ArrayList;
import java.util.List;

/** A {@link BodyDeadline.Timer} that runs nothing by itself: the test fires what is pending. */
final class ManualTimer implements BodyDeadline.Timer {
    private static final class Task {
        final long millis;
        final Runnable run;
        boolean cancelled;
        boolean fired;

        Task(long millis, Runnable run) {
            this.millis = millis;
            this.run = run;
        }
    }

    private final List<Task> tasks = new ArrayList<>();

    @Override
    public synchronized Runnable schedule(HttpServerExchange exchange, long millis, Runnable task) {
        Task t = new Task(millis, task);
        tasks.add(t);
        return () -> {
            synchronized (ManualTimer.this) {
                t.cancelled = true;
            }
        };
    }

    /** How many were ever scheduled. */
    synchronized int scheduled() {
        return tasks.size();
    }

    /** Scheduled and neither cancelled nor fired. */
    synchronized int pending() {
        return (int) tasks.stream().filter(t -> !t.cancelled && !t.fired).count();
    }

    /** The delays asked for, in order. */
    synchronized List<Long> delays() {
        return tasks.stream().map(t -> t.millis).toList();
    }

    /** Lets the time pass: runs every pending task, as the IO thread's timer would at the bound. */
    void fireAll() {
        List<Task> due;
        synchronized (this) {
            due = tasks.stream().filter(t -> !t.cancelled && !t.fired).toList();
            due.forEach(t -> t.fired = true);
        }
        due.forEach(t -> t.run.run());
    }
}
