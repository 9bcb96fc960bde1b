package io.surrogate.cli.loadtest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongUnaryOperator;

/**
 * One selector thread of the load generator. Its connections ({@link Conn}) are touched only by
 * it; other threads hand it work with {@link #execute}. An optional ticker runs on every turn
 * (the publisher's pacing): given the time, it does what is due and says how long the loop may
 * sleep.
 */
final class Loop implements AutoCloseable {
    final int id;
    final Selector selector;
    /** The read buffer every connection of this loop shares; a read's bytes are consumed before the next read. */
    final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable crashed;
    private LongUnaryOperator ticker;

    Loop(int id) {
        this.id = id;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.thread = new Thread(this::run, "loadtest-loop-" + id);
        thread.setDaemon(true);
        thread.start();
    }

    void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    /** Sets the ticker (from any thread): {@code now -> nanos until it wants to run again, or Long.MAX_VALUE}. */
    void ticker(LongUnaryOperator t) {
        execute(() -> ticker = t);
    }

    /** The error that stopped this loop, if one did. */
    Throwable crashed() {
        return crashed;
    }

    private void run() {
        try {
            while (running) {
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    task.run();
                }
                long wait = ticker == null ? Long.MAX_VALUE : ticker.applyAsLong(System.nanoTime());
                if (!tasks.isEmpty() || wait <= 0) {
                    selector.selectNow();
                } else if (wait == Long.MAX_VALUE) {
                    selector.select(1000);
                } else {
                    long millis = TimeUnit.NANOSECONDS.toMillis(wait);
                    if (millis == 0) {
                        selector.selectNow();
                    } else {
                        selector.select(millis);
                    }
                }
                var keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    ((Conn) key.attachment()).ready(key);
                }
            }
        } catch (Throwable t) {
            crashed = t;
            t.printStackTrace();
        } finally {
            for (SelectionKey key : selector.keys()) {
                ((Conn) key.attachment()).closeQuietly();
            }
            try {
                selector.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        selector.wakeup();
        thread.join(10_000);
    }
}
