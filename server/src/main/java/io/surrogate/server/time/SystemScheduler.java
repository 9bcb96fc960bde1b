package io.surrogate.server.time;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.xnio.XnioExecutor;
import org.xnio.XnioIoThread;

/**
 * The edge's scheduler on the system's time: a task for an XNIO IO thread is that thread's own
 * timer ({@code executeAfter}, no hop, no lock); any other goes to one daemon thread of a
 * {@link ScheduledThreadPoolExecutor} and from there to its executor.
 */
public final class SystemScheduler implements Scheduler, AutoCloseable {
    private final ScheduledThreadPoolExecutor timers;
    private final AtomicInteger pending = new AtomicInteger();

    public SystemScheduler() {
        timers = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "surrogate-timers");
            t.setDaemon(true);
            return t;
        });
        timers.setRemoveOnCancelPolicy(true);
    }

    /** One timer: runs once or is cancelled once, whichever comes first, and is counted until then. */
    private final class Task implements Runnable, Timer {
        private static final AtomicIntegerFieldUpdater<Task> DONE = AtomicIntegerFieldUpdater.newUpdater(Task.class, "done");
        private final Runnable task;
        private final Executor on;
        private volatile int done;
        /** the XNIO timer's key or the executor's future, to cancel it */
        private Object handle;

        Task(Runnable task, Executor on) {
            this.task = task;
            this.on = on;
        }

        @Override
        public void run() {
            if (on != null && on != DIRECT) {
                on.execute(this::fire);
            } else {
                fire();
            }
        }

        private void fire() {
            if (DONE.compareAndSet(this, 0, 1)) {
                pending.decrementAndGet();
                task.run();
            }
        }

        @Override
        public boolean cancel() {
            if (!DONE.compareAndSet(this, 0, 1)) {
                return false;
            }
            pending.decrementAndGet();
            if (handle instanceof XnioExecutor.Key key) {
                key.remove();
            } else if (handle instanceof ScheduledFuture<?> future) {
                future.cancel(false);
            }
            return true;
        }
    }

    @Override
    public Timer schedule(Executor on, Runnable task, long delayMillis) {
        long delay = Math.max(0, delayMillis);
        pending.incrementAndGet();
        try {
            if (on instanceof XnioIoThread io) {
                Task t = new Task(task, null);
                t.handle = io.executeAfter(t, delay, TimeUnit.MILLISECONDS);
                return t;
            }
            Task t = new Task(task, on);
            t.handle = timers.schedule(t, delay, TimeUnit.MILLISECONDS);
            return t;
        } catch (RuntimeException e) {
            pending.decrementAndGet();
            throw e;
        }
    }

    @Override
    public int pending() {
        return pending.get();
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    /** Stops the timer thread; its tasks not yet run are dropped (IO threads' timers go with their worker). */
    @Override
    public void close() {
        for (Runnable r : timers.shutdownNow()) {
            if (r instanceof java.util.concurrent.Future<?> f) {
                f.cancel(false);
            }
        }
        timers.getQueue().clear();
    }
}
