package io.surrogate.cli.loadtest;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Runs a task on a loop's thread and waits for it: what the loop did before is then visible. */
final class CountDownLatchTask {
    private CountDownLatchTask() {}

    static void run(Loop loop, Runnable task) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        loop.execute(() -> {
            try {
                task.run();
            } finally {
                done.countDown();
            }
        });
        if (!done.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("loop " + loop.id + " did not run a task within 30 s" + (loop.crashed() != null ? ": " + loop.crashed() : ""));
        }
    }

    /** Waits until the loop has run everything handed to it so far. */
    static void await(Loop loop) throws InterruptedException {
        run(loop, () -> { });
    }
}
