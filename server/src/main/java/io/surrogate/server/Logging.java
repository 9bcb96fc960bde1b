package io.surrogate.server;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The product logs through java.util.logging, the JDK's own backend: Undertow (jboss-logging)
 * and JEXL (commons-logging) fall back to it when no other backend is on the class path, so
 * every line of the process comes out of one handler in one format, strict logfmt:
 * {@code time=... level=INFO logger=surrogate.client event=... key=value ...}, one line per
 * record whatever its values hold (see {@link LogLine}). Nothing logged carries a key, a token,
 * a signature or a user id.
 *
 * <p>Lines are written by one background thread from a bounded queue, so a slow or blocked
 * stderr never stalls an IO thread: when the queue is full, lines are dropped and counted, and
 * the count is logged once the writer catches up. A shutdown hook drains the queue.
 */
public final class Logging {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ISO_INSTANT.withZone(ZoneOffset.UTC);
    static final int QUEUE_LINES = 8192;

    /**
     * The libraries' loggers, held at WARNING whatever the level: at INFO they are chatty about
     * their own start-up, at TRACE Undertow prints header values (user ids among them). A static
     * list, as JUL holds loggers weakly: a level set on a logger nobody references is lost at the
     * next GC.
     */
    static final List<Logger> LIBRARIES = List.of(Logger.getLogger("org.xnio"), Logger.getLogger("io.undertow"));

    private Logging() {}

    /** Replaces the root handlers with one logfmt handler on {@code out} at {@code level}. */
    public static void install(Level level, PrintStream out) {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
            h.close();
        }
        QueuedHandler handler = new QueuedHandler(out, QUEUE_LINES);
        handler.setFormatter(new LogfmtFormatter());
        handler.setLevel(level);
        root.addHandler(handler);
        root.setLevel(level);
        for (Logger library : LIBRARIES) {
            library.setLevel(Level.WARNING);
        }
    }

    /** Writes out every line logged so far (the root handlers' {@link Handler#flush}). */
    public static void flush() {
        for (Handler h : Logger.getLogger("").getHandlers()) {
            h.flush();
        }
    }

    /**
     * A level by the names operators use ({@code debug}, {@code info}, {@code warn},
     * {@code error}) or by java.util.logging's ({@code FINE}, {@code INFO}, {@code WARNING},
     * {@code SEVERE}, ...), in any case; empty when it is neither.
     */
    public static java.util.Optional<Level> level(String name) {
        String n = name.trim().toUpperCase(java.util.Locale.ROOT);
        Level named = switch (n) {
            case "TRACE" -> Level.FINER;
            case "DEBUG" -> Level.FINE;
            case "WARN" -> Level.WARNING;
            case "ERROR" -> Level.SEVERE;
            default -> null;
        };
        if (named != null) {
            return java.util.Optional.of(named);
        }
        try {
            return java.util.Optional.of(Level.parse(n));
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    /**
     * One line per record. A message that already holds {@code event=...} pairs (built with
     * {@link LogLine}) is kept as is, with any control character a careless caller let through
     * escaped; any other message becomes {@code msg="..."}. A record with an exception gets
     * {@code error="..."} and its stack trace as one escaped {@code stack="..."} value.
     */
    public static final class LogfmtFormatter extends Formatter {
        @Override
        public String format(LogRecord r) {
            StringBuilder out = new StringBuilder(160);
            out.append("time=").append(TIME.format(Instant.ofEpochMilli(r.getMillis())))
                    .append(" level=").append(r.getLevel().getName())
                    .append(" logger=");
            LogLine.value(out, r.getLoggerName() == null ? "-" : r.getLoggerName());
            out.append(' ');
            String message = formatMessage(r);
            if (message.startsWith("event=")) {
                escapeControls(out, message);
            } else {
                out.append("msg=");
                LogLine.value(out, message);
            }
            Throwable thrown = r.getThrown();
            if (thrown != null) {
                out.append(" error=");
                LogLine.value(out, thrown.toString());
                StringWriter trace = new StringWriter();
                thrown.printStackTrace(new PrintWriter(trace));
                out.append(" stack=");
                LogLine.value(out, trace.toString().strip());
            }
            return out.append('\n').toString();
        }

        private static void escapeControls(StringBuilder out, String message) {
            for (int i = 0; i < message.length(); i++) {
                char c = message.charAt(i);
                if (LogLine.unsafe(c)) {
                    LogLine.escapeInto(out, String.valueOf(c));
                } else {
                    out.append(c);
                }
            }
        }
    }

    /** Formats on the caller's thread, writes on its own; see the class comment. */
    static final class QueuedHandler extends Handler {
        private final PrintStream out;
        private final ArrayBlockingQueue<String> lines;
        private final AtomicLong dropped = new AtomicLong();
        private final AtomicLong queued = new AtomicLong();
        private volatile long written;
        private final Thread writer;
        private final Thread drainAtExit;
        private volatile boolean closed;

        QueuedHandler(PrintStream out, int capacity) {
            this.out = out;
            this.lines = new ArrayBlockingQueue<>(capacity);
            this.writer = new Thread(this::write, "surrogate-log");
            writer.setDaemon(true);
            writer.start();
            this.drainAtExit = new Thread(this::flush, "surrogate-log-drain");
            try {
                Runtime.getRuntime().addShutdownHook(drainAtExit);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already stopping: nothing queued later would be written anyway
            }
        }

        @Override
        public void publish(LogRecord record) {
            if (closed || !isLoggable(record)) {
                return;
            }
            String line;
            try {
                line = getFormatter().format(record);
            } catch (RuntimeException e) {
                reportError("log record not formatted", e, java.util.logging.ErrorManager.FORMAT_FAILURE);
                return;
            }
            if (lines.offer(line)) {
                queued.incrementAndGet();
            } else {
                dropped.incrementAndGet();
            }
        }

        private void write() {
            List<String> batch = new ArrayList<>(256);
            while (true) {
                try {
                    batch.add(lines.take());
                } catch (InterruptedException e) {
                    return;
                }
                lines.drainTo(batch, 255);
                synchronized (out) {
                    for (String l : batch) {
                        out.print(l);
                    }
                    long lost = dropped.getAndSet(0);
                    if (lost > 0) {
                        out.print("time=" + TIME.format(Instant.now()) + " level=WARNING logger=surrogate.log "
                                + LogLine.of("log-lines-dropped").with("count", lost).with("reason", "queue-full") + "\n");
                    }
                    out.flush();
                    written += batch.size();
                }
                batch.clear();
            }
        }

        /** Waits, at most 2 s, until every line queued so far is written. */
        @Override
        public void flush() {
            long target = queued.get();
            for (int waited = 0; written < target && writer.isAlive() && waited < 2_000; waited++) {
                LockSupport.parkNanos(1_000_000L);
            }
            synchronized (out) {
                out.flush();
            }
        }

        @Override
        public void close() {
            flush();
            closed = true;
            writer.interrupt();
            try {
                Runtime.getRuntime().removeShutdownHook(drainAtExit);
            } catch (IllegalStateException shuttingDown) {
                // removal during shutdown is refused; the hook is the one running
            }
        }
    }
}
