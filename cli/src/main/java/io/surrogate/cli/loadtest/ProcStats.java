package io.surrogate.cli.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Memory and CPU of processes, from {@code /proc} (Linux). Sizes in KiB, CPU in seconds. */
final class ProcStats {
    /** Clock ticks per second of {@code /proc/PID/stat}; 100 on Linux for x86 and arm. */
    private static final double TICKS = 100.0;

    private ProcStats() {}

    /** A field of {@code /proc/PID/status} or {@code /proc/PID/smaps_rollup} in kB, or 0. */
    static long kib(long pid, String file, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), file))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
            }
        }
        return 0;
    }

    static long rss(List<Long> pids) throws IOException {
        long sum = 0;
        for (long pid : pids) {
            sum += kib(pid, "status", "VmRSS");
        }
        return sum;
    }

    /** The proportional set size: shared pages (nginx's shared memory zone) counted once in the sum. */
    static long pss(List<Long> pids) throws IOException {
        long sum = 0;
        for (long pid : pids) {
            sum += kib(pid, "smaps_rollup", "Pss");
        }
        return sum;
    }

    /** User plus system CPU seconds used so far. */
    static double cpu(List<Long> pids) throws IOException {
        double[] split = cpuSplit(pids);
        return split[0] + split[1];
    }

    /** User and system (kernel: socket reads and writes) CPU seconds used so far. */
    static double[] cpuSplit(List<Long> pids) throws IOException {
        double[] sum = new double[2];
        for (long pid : pids) {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            sum[0] += Long.parseLong(f[11]) / TICKS; // field 14: utime
            sum[1] += Long.parseLong(f[12]) / TICKS; // field 15: stime
        }
        return sum;
    }

    static double cpuSelf() throws IOException {
        return cpu(List.of(ProcessHandle.current().pid()));
    }
}
