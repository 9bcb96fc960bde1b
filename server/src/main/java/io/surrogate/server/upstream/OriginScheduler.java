package io.surrogate.server.upstream;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.xnio.XnioExecutor;
import org.xnio.XnioIoThread;

/**
 * Where the origin client's timers come from: a request's timeout and a connection's connect
 * timeout. The edge uses {@link #ioThreads()}, timers on the XNIO IO thread a request belongs
 * to; a test passes a scheduler whose time it moves itself, so no test waits for a timeout.
 * A task may run on any thread: the client hops to the thread it needs.
 */
@FunctionalInterface
public interface OriginScheduler {

    /** A scheduled task that has not run yet can be cancelled; cancelling one that ran does nothing. */
    @FunctionalInterface
    interface Scheduled {
        void cancel();
    }

    /**
     * Runs {@code task} once {@code delay} has passed, preferably on {@code thread}.
     *
     * @throws java.util.concurrent.RejectedExecutionException when the thread's worker has stopped
     */
    Scheduled after(Duration delay, XnioIoThread thread, Runnable task);

    /** Timers on the IO threads themselves ({@code executeAfter}), at millisecond resolution. */
    static OriginScheduler ioThreads() {
        return (delay, thread, task) -> {
            XnioExecutor.Key key = thread.executeAfter(task, Math.max(1, delay.toMillis()), TimeUnit.MILLISECONDS);
            return key::remove;
        };
    }
}
