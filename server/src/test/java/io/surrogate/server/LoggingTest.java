package io.surrogate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class LoggingTest {

    @Test
    void plainValuesStayBareAndEverythingElseIsQuotedAndEscaped() {
        assertEquals("event=x a=b-1.2:3/4 n=7 none=- empty=\"\"",
                LogLine.of("x").with("a", "b-1.2:3/4").with("n", 7).with("none", null).with("empty", "").toString());
        assertEquals("event=x v=\"a b\"", LogLine.of("x").with("v", "a b").toString());
        assertEquals("event=x v=\"k=v\"", LogLine.of("x").with("v", "k=v").toString());
        assertEquals("event=x v=\"say \\\"hi\\\" \\\\o/\"", LogLine.of("x").with("v", "say \"hi\" \\o/").toString());
        assertEquals("event=x v=\"Zo\u00eb\"", LogLine.of("x").with("v", "Zo\u00eb").toString());
    }

    @Test
    void aClientChosenEventIdWithCrLfCannotSplitTheLineOrAddAKey() {
        String line = LogLine.of("delivery").with("event-id", "dup\r\nforged=1").with("nul", "a\u0000b\u2028c\u0085").toString();
        assertEquals("event=delivery event-id=\"dup\\r\\nforged=1\" nul=\"a\\u0000b\\u2028c\\u0085\"", line);
        assertNoControls(line);
    }

    @Test
    void keysMustBePlainWords() {
        assertThrows(IllegalArgumentException.class, () -> LogLine.of("x").with("a b", "v"));
        assertThrows(IllegalArgumentException.class, () -> LogLine.of("x").with("", "v"));
    }

    @Test
    void theFormatterWritesOneLinePerRecordWhateverTheCallerConcatenated() {
        Logging.LogfmtFormatter f = new Logging.LogfmtFormatter();
        LogRecord careless = new LogRecord(Level.WARNING, "event=thing id=dup\r\nforged=1");
        careless.setLoggerName("surrogate.test");
        String line = f.format(careless);
        assertTrue(line.endsWith("\n"));
        assertNoControls(line.substring(0, line.length() - 1));
        assertTrue(line.contains("logger=surrogate.test event=thing id=dup\\r\\nforged=1"), line);

        LogRecord prose = new LogRecord(Level.INFO, "from a library: \"quoted\"\nsecond line");
        String p = f.format(prose);
        assertTrue(p.contains("msg=\"from a library: \\\"quoted\\\"\\nsecond line\""), p);
        assertNoControls(p.substring(0, p.length() - 1));
    }

    @Test
    void anUnexpectedErrorKeepsItsStackTraceOnTheSameLine() {
        LogRecord r = new LogRecord(Level.SEVERE, "event=request-failed");
        r.setThrown(new IllegalStateException("broken\nstate"));
        String line = new Logging.LogfmtFormatter().format(r);
        assertTrue(line.contains("error=\"java.lang.IllegalStateException: broken\\nstate\""), line);
        assertTrue(line.contains("stack=\"java.lang.IllegalStateException: broken\\nstate\\n\\tat io.surrogate.server.LoggingTest"), line);
        assertNoControls(line.substring(0, line.length() - 1));
    }

    @Test
    void levelsByOperatorNamesAndByTheJdksNames() {
        assertEquals(Optional.of(Level.FINE), Logging.level("debug"));
        assertEquals(Optional.of(Level.INFO), Logging.level("info"));
        assertEquals(Optional.of(Level.WARNING), Logging.level("WARN"));
        assertEquals(Optional.of(Level.SEVERE), Logging.level("error"));
        assertEquals(Optional.of(Level.WARNING), Logging.level("WARNING"));
        assertEquals(Optional.of(Level.FINE), Logging.level("fine"));
        assertEquals(Optional.empty(), Logging.level("loud"));
    }

    @Test
    void everyQueuedLineIsWrittenInOrderByFlush() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Logging.QueuedHandler h = new Logging.QueuedHandler(new PrintStream(bytes, true, StandardCharsets.UTF_8), 64);
        h.setFormatter(new Logging.LogfmtFormatter());
        try {
            for (int i = 0; i < 50; i++) {
                h.publish(new LogRecord(Level.INFO, "event=n i=" + i));
            }
            h.flush();
            List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
            assertEquals(50, lines.size());
            for (int i = 0; i < 50; i++) {
                assertTrue(lines.get(i).endsWith("event=n i=" + i), lines.get(i));
            }
        } finally {
            h.close();
        }
    }

    @Test
    void aBlockedOutputNeverBlocksTheLoggingThreadAndTheDropsAreCounted() {
        CountDownLatch unblock = new CountDownLatch(1);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        OutputStream stuck = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                try {
                    unblock.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                bytes.write(b, off, len);
            }
        };
        Logging.QueuedHandler h = new Logging.QueuedHandler(new PrintStream(stuck, false, StandardCharsets.UTF_8), 16);
        h.setFormatter(new Logging.LogfmtFormatter());
        try {
            // a hang guard only: with a blocking handler this would never return
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                for (int i = 0; i < 1_000; i++) {
                    h.publish(new LogRecord(Level.INFO, "event=n i=" + i));
                }
            });
            unblock.countDown();
            h.publish(new LogRecord(Level.INFO, "event=after"));
            h.flush();
            String out = bytes.toString(StandardCharsets.UTF_8);
            assertTrue(out.contains("event=log-lines-dropped count="), out);
            assertTrue(out.contains("event=n i=0\n"), out);
            assertFalse(out.contains("event=n i=999\n"), "a full queue drops, it does not wait");
        } finally {
            unblock.countDown();
            h.close();
        }
    }

    private static void assertNoControls(String s) {
        for (char c : s.toCharArray()) {
            assertFalse(LogLine.unsafe(c), () -> "control character " + (int) c + " in " + s);
        }
    }
}
