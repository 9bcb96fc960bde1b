package io.surrogate.benchmarks;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What {@link HeldMemory} reads out of a JVM's diagnostic commands and /proc: heap, RSS of the heap, GC counts, class histogram, native memory. */
final class JvmReadings {
    private static final Pattern HEAP_LINE = Pattern.compile("^\\s*(\\S.*?)\\s+total (\\d+)K, used (\\d+)K");
    private static final Pattern HEAP_RANGE = Pattern.compile("\\[(0x[0-9a-f]+),.*?(0x[0-9a-f]+)\\)\\s*$");
    private static final Pattern SMAPS_RANGE = Pattern.compile("^([0-9a-f]+)-([0-9a-f]+) ");
    private static final Pattern SMAPS_RSS = Pattern.compile("^Rss:\\s+(\\d+) kB");
    private static final Pattern HISTO_LINE = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");
    private static final Pattern NMT_LINE = Pattern.compile("^-\\s+(.+?) \\(reserved=(\\d+)KB, committed=(\\d+)KB\\)");
    private static final Pattern PERF_LINE = Pattern.compile("^sun\\.gc\\.collector\\.(\\d)\\.(invocations|time)=(\\d+)");
    private static final Pattern HRT_FREQUENCY = Pattern.compile("^sun\\.os\\.hrt\\.frequency=(\\d+)");

    private JvmReadings() {}

    /** The heap's used and committed KiB, summed over the lines of {@code GC.heap_info} (one for G1, one per generation else). */
    static long[] heap(String heapInfo) {
        long used = 0;
        long total = 0;
        for (String line : heapInfo.split("\n")) {
            Matcher m = HEAP_LINE.matcher(line);
            if (m.find() && !line.contains("Metaspace") && !line.contains("class space")) {
                total += Long.parseLong(m.group(2));
                used += Long.parseLong(m.group(3));
            }
        }
        return new long[] {used, total};
    }

    /**
     * KiB of the edge's resident memory inside the Java heap's reserved range (the addresses
     * {@code GC.heap_info} prints), summed over {@code /proc/PID/smaps}; -1 if the range is not found.
     */
    static long heapRss(String heapInfo, String smaps) {
        long low = Long.MAX_VALUE;
        long high = -1;
        for (String line : heapInfo.split("\n")) {
            Matcher m = HEAP_RANGE.matcher(line);
            if (HEAP_LINE.matcher(line).find() && m.find() && !line.contains("Metaspace")) {
                low = Math.min(low, Long.parseUnsignedLong(m.group(1).substring(2), 16));
                high = Math.max(high, Long.parseUnsignedLong(m.group(2).substring(2), 16));
            }
        }
        if (high < 0) {
            return -1;
        }
        long kib = 0;
        boolean inside = false;
        for (String line : smaps.split("\n")) {
            Matcher range = SMAPS_RANGE.matcher(line);
            if (range.find()) {
                long start = Long.parseUnsignedLong(range.group(1), 16);
                inside = start >= low && start < high;
                continue;
            }
            Matcher rss = SMAPS_RSS.matcher(line);
            if (inside && rss.find()) {
                kib += Long.parseLong(rss.group(1));
            }
        }
        return kib;
    }

    /** Collections so far and their total time in ms: collector 0 (young), collector 1 (old or full). */
    static long[] gcCounts(String perf) {
        long[] count = new long[2];
        long[] ticks = new long[2];
        long frequency = 1_000_000_000L;
        for (String line : perf.split("\n")) {
            String l = line.strip();
            Matcher f = HRT_FREQUENCY.matcher(l);
            if (f.find()) {
                frequency = Long.parseLong(f.group(1));
            }
            Matcher m = PERF_LINE.matcher(l);
            if (m.find()) {
                int i = Integer.parseInt(m.group(1));
                if (i < 2) {
                    (m.group(2).equals("time") ? ticks : count)[i] = Long.parseLong(m.group(3));
                }
            }
        }
        return new long[] {count[0], count[1], ticks[0] * 1000 / frequency, ticks[1] * 1000 / frequency};
    }

    /** Class name to {instances, bytes}. */
    static Map<String, long[]> histogram(String text) {
        Map<String, long[]> out = new HashMap<>();
        for (String line : text.split("\n")) {
            Matcher m = HISTO_LINE.matcher(line);
            if (m.find()) {
                out.merge(m.group(3), new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))},
                        (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
            }
        }
        return out;
    }

    /** NMT category to committed KiB, and "Total". */
    static Map<String, Long> nativeMemory(String text) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String l = line.strip();
            Matcher total = Pattern.compile("^Total: reserved=(\\d+)KB, committed=(\\d+)KB").matcher(l);
            if (total.find()) {
                out.put("Total", Long.parseLong(total.group(2)));
            }
            Matcher m = NMT_LINE.matcher(l);
            if (m.find()) {
                out.put(m.group(1).strip(), Long.parseLong(m.group(3)));
            }
        }
        return out;
    }
}
