package io.surrogate.server;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * The product logs through java.util.logging, the JDK's own backend: Undertow (jboss-logging)
 * and JEXL (commons-logging) fall back to it when no other backend is on the class path, so
 * every line of the process comes out of one handler in one format, logfmt:
 * {@code time=... level=INFO logger=surrogate.client event=... key=value ...}.
 * Nothing logged carries a key, a token or a signature.
 */
public final class Logging {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ISO_INSTANT.withZone(ZoneOffset.UTC);

    /** JUL holds loggers weakly: a level set on a logger nobody references is lost at the next GC. */
    private static final Logger XNIO = Logger.getLogger("org.xnio");
    private static final Logger UNDERTOW = Logger.getLogger("io.undertow");

    private Logging() {}

    /** Replaces the root handlers with one logfmt handler on {@code out} at {@code level}. */
    public static void install(Level level, PrintStream out) {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        Handler handler = new StreamHandler(out, new LogfmtFormatter()) {
            @Override
            public synchronized void publish(LogRecord record) {
                super.publish(record);
                flush();
            }
        };
        handler.setLevel(level);
        root.addHandler(handler);
        root.setLevel(level);
        // the libraries are chatty at INFO about their own start-up; keep their warnings
        XNIO.setLevel(Level.WARNING);
        UNDERTOW.setLevel(Level.WARNING);
    }

    /** One line per record; a message that already holds {@code key=value} pairs is kept as is. */
    public static final class LogfmtFormatter extends Formatter {
        @Override
        public String format(LogRecord r) {
            StringBuilder out = new StringBuilder(160);
            out.append("time=").append(TIME.format(Instant.ofEpochMilli(r.getMillis())))
                    .append(" level=").append(r.getLevel().getName())
                    .append(" logger=").append(r.getLoggerName() == null ? "-" : r.getLoggerName()).append(' ');
            String message = formatMessage(r);
            if (message.startsWith("event=")) {
                out.append(message);
            } else {
                out.append("msg=\"").append(message.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            }
            if (r.getThrown() != null) {
                out.append(" error=\"").append(r.getThrown().toString().replace("\"", "'")).append('"');
            }
            return out.append('\n').toString();
        }
    }
}
