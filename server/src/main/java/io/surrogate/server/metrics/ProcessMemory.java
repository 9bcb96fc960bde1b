package io.surrogate.server.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code process_resident_memory_bytes}: what the kernel counts against the process (heap,
 * direct buffers, thread stacks, code), read from {@code /proc/self/status} at each scrape. The
 * JVM's own figures miss what is outside the heap; the memory a held connection costs is
 * measured the same way (docs/performance.md). Not registered where there is no {@code /proc}.
 */
final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessMemory() {}

    static void bindTo(MeterRegistry registry) {
        if (residentBytes(STATUS) < 0) {
            return;
        }
        Gauge.builder("process.resident.memory", () -> residentBytes(STATUS))
                .description("Resident set size of the process (VmRSS)")
                .baseUnit("bytes")
                .register(registry);
    }

    /** VmRSS of a {@code /proc/PID/status} text, in bytes; -1 when absent or unreadable. */
    static long residentBytes(Path status) {
        try {
            for (String line : Files.readAllLines(status, StandardCharsets.US_ASCII)) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
                    if (parts.length == 2 && parts[1].equals("kB")) {
                        return Long.parseLong(parts[0]) * 1024;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
