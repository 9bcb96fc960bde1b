package io.surrogate.server.guard;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Every log record of the process (java.util.logging's root, where Undertow's lines land too) while open. */
final class LogCapture extends Handler implements AutoCloseable {
    private static final Logger ROOT = Logger.getLogger("");
    /** The guard's logger, at INFO while captured (the tests' logging.properties keeps WARNING). */
    private static final Logger GUARD = Logger.getLogger("surrogate.http");
    private final List<LogRecord> records = new ArrayList<>();
    private final Level guardLevel;

    LogCapture() {
        setLevel(Level.ALL);
        guardLevel = GUARD.getLevel();
        GUARD.setLevel(Level.INFO);
        ROOT.addHandler(this);
    }

    @Override
    public synchronized void publish(LogRecord record) {
        records.add(record);
    }

    /** Lines at SEVERE (Undertow's ERROR) or above, as "logger: message". */
    synchronized List<String> errors() {
        return records.stream().filter(r -> r.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(r -> r.getLoggerName() + ": " + r.getMessage() + (r.getThrown() == null ? "" : " " + r.getThrown())).toList();
    }

    /** The messages of one logger at INFO or above. */
    synchronized List<String> lines(String logger) {
        return records.stream().filter(r -> logger.equals(r.getLoggerName()) && r.getLevel().intValue() >= Level.INFO.intValue())
                .map(LogRecord::getMessage).toList();
    }

    synchronized void clear() {
        records.clear();
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
        ROOT.removeHandler(this);
        GUARD.setLevel(guardLevel);
    }
}
