package io.surrogate.server.guard;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.xnio.XnioExecutor;

/**
 * How long a request body may take to arrive once the request's headers are parsed, and the
 * timer that measures it. Only the body is timed, never the connection: a held SSE response
 * receives nothing from its client for hours and is not touched.
 *
 * @param bound the time from the end of the headers to the last byte of the body
 * @param timer runs the check at the bound; {@link Timer#IO_THREAD} in production, a timer the
 *     test fires by hand in tests
 */
public record BodyDeadline(Duration bound, Timer timer) {
    /** The same bound as the request headers' ({@code REQUEST_PARSE_TIMEOUT}). */
    public static final Duration DEFAULT_BOUND = Duration.ofSeconds(15);
    public static final BodyDeadline DEFAULT = new BodyDeadline(DEFAULT_BOUND, Timer.IO_THREAD);

    /** Schedules a task once; its result cancels it (a no-op once it ran). */
    @FunctionalInterface
    public interface Timer {
        /** The exchange's IO thread's own timer, as Undertow's parse timeout uses. */
        Timer IO_THREAD = (exchange, millis, task) -> {
            XnioExecutor.Key key = exchange.getIoThread().executeAfter(task, millis, TimeUnit.MILLISECONDS);
            return key::remove;
        };

        /** Runs {@code task} once, {@code millis} from now, on any thread. */
        Runnable schedule(HttpServerExchange exchange, long millis, Runnable task);
    }

    public BodyDeadline {
        Objects.requireNonNull(bound, "bound");
        Objects.requireNonNull(timer, "timer");
        if (bound.isNegative() || bound.isZero()) {
            throw new IllegalArgumentException("the body deadline must be positive: " + bound);
        }
    }

    public static BodyDeadline of(Duration bound) {
        return new BodyDeadline(bound, Timer.IO_THREAD);
    }

    /** The deadline of one request; attached to its exchange while the body is awaited. */
    static final class Armed {
        static final AttachmentKey<Armed> KEY = AttachmentKey.create(Armed.class);

        private final Runnable cancel;
        // written on the IO thread, read there too, except by a completion listener on a worker thread
        private volatile boolean over;
        private volatile boolean expired;

        private Armed(Runnable cancel) {
            this.cancel = cancel;
        }

        boolean expired() {
            return expired;
        }
    }

    /**
     * Starts timing the exchange's body: at the bound, unless the body is complete by then,
     * {@code onExpiry} runs on the exchange's IO thread.
     */
    void arm(HttpServerExchange exchange, Runnable onExpiry) {
        Armed[] self = new Armed[1];
        Runnable cancel = timer.schedule(exchange, bound.toMillis(), () -> {
            if (exchange.isInIoThread()) {
                expire(exchange, self[0], onExpiry);
            } else {
                exchange.getIoThread().execute(() -> expire(exchange, self[0], onExpiry));
            }
        });
        self[0] = new Armed(cancel);
        exchange.putAttachment(Armed.KEY, self[0]);
        exchange.addExchangeCompleteListener((ex, next) -> {
            done(ex);
            next.proceed();
        });
    }

    private static void expire(HttpServerExchange exchange, Armed armed, Runnable onExpiry) {
        if (armed == null || armed.over || exchange.isRequestComplete() || exchange.isComplete()) {
            return;
        }
        armed.over = true;
        armed.expired = true;
        onExpiry.run();
    }

    /** The body is read (or the exchange over): the deadline no longer applies. Call on the IO thread. */
    static void done(HttpServerExchange exchange) {
        Armed armed = exchange.getAttachment(Armed.KEY);
        if (armed != null && !armed.over) {
            armed.over = true;
            armed.cancel.run();
        }
    }

    /** True once the deadline passed without the whole body: the exchange was answered 408 or closed. */
    static boolean expired(HttpServerExchange exchange) {
        Armed armed = exchange.getAttachment(Armed.KEY);
        return armed != null && armed.expired;
    }

    @Override
    public String toString() {
        return "body-deadline " + bound.toMillis() + "ms";
    }
}
