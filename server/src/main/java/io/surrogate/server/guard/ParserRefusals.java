package io.surrogate.server.guard;

import io.surrogate.server.LogLine;
import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * One INFO line for each request Undertow's own parser refuses before any handler runs (a
 * negative or non-numeric {@code Content-Length}, repeated {@code Content-Length} or
 * {@code Transfer-Encoding} lines, both together): Undertow answers those 400 and closes, and
 * says so only at DEBUG ({@code UT005014 Failed to parse request}, with a stack trace). This
 * filter lets that logger's records through at FINE and turns each UT005014 into
 * {@code event=request-refused status=400 result=unparseable reason="…"} on
 * {@code surrogate.http}, without the stack trace; the logger's other records pass only as the
 * levels above it let them (as before).
 */
final class ParserRefusals implements Filter {
    /** Held: java.util.logging keeps loggers weakly, and a level set on a collected logger is lost. */
    private static final Logger REQUEST_IO = Logger.getLogger("io.undertow.request.io");
    private static final String FAILED_TO_PARSE = "UT005014";

    private ParserRefusals() {}

    /** Installs the filter once per process; later calls do nothing. */
    static synchronized void install() {
        if (REQUEST_IO.getFilter() instanceof ParserRefusals) {
            return;
        }
        REQUEST_IO.setFilter(new ParserRefusals());
        if (REQUEST_IO.getLevel() == null || REQUEST_IO.getLevel().intValue() > Level.FINE.intValue()) {
            REQUEST_IO.setLevel(Level.FINE);
        }
    }

    @Override
    public boolean isLoggable(LogRecord record) {
        String message = record.getMessage();
        if (message == null || !message.startsWith(FAILED_TO_PARSE)) {
            // every other record as the level configured above this logger would have let it through
            return record.getLevel().intValue() >= inheritedLevel().intValue();
        }
        Throwable cause = record.getThrown();
        String reason = cause == null ? "unparseable request"
                : cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        record.setLevel(Level.INFO);
        record.setLoggerName("surrogate.http");
        record.setMessage(LogLine.of("request-refused").with("status", 400).with("result", "unparseable").with("reason", truncate(reason))
                .with("help", "refused by the HTTP parser before the edge saw the request").toString());
        record.setParameters(null);
        record.setThrown(null);
        return true;
    }

    private static Level inheritedLevel() {
        for (Logger l = REQUEST_IO.getParent(); l != null; l = l.getParent()) {
            if (l.getLevel() != null) {
                return l.getLevel();
            }
        }
        return Level.INFO;
    }

    private static String truncate(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }
}
