package io.surrogate.server.time;

import java.util.concurrent.Executor;

/**
 * Where the edge's timers come from: heartbeats, long-poll waits, the wait for a client's
 * return, unsubscribe retries. Injected through {@code ServerConfig}, so tests drive time
 * themselves ({@code ManualScheduler}) instead of sleeping. The edge's default is
 * {@link SystemScheduler}.
 */
public interface Scheduler {
    /** A scheduled task. */
    interface Timer {
        /** Cancels the task; true when it had neither run nor been cancelled before. */
        boolean cancel();
    }

    /**
     * Runs {@code task} on {@code on} (an IO thread, or {@link #DIRECT} for the scheduler's own
     * thread) after {@code delayMillis}.
     *
     * @throws java.util.concurrent.RejectedExecutionException when the scheduler or the executor has stopped
     */
    Timer schedule(Executor on, Runnable task, long delayMillis);

    /** Timers scheduled that have neither run nor been cancelled. */
    int pending();

    /** A monotonic reading in nanoseconds, for latency metrics only. */
    long nanoTime();

    /** Runs a task on the thread that fires it. */
    Executor DIRECT = Runnable::run;
}
