package io.surrogate.cli.loadtest;

import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What a scenario measured, typed. The JSON line is these records written by Gson, each
 * component a field of the line under its own name (null components are left out), so the
 * names below are the line's field names: docs/cli.md, docs/performance.md,
 * {@code benchmarks/vs-nchan.sh} and {@link Compare} read them, and older lines stay
 * comparable. Times are milliseconds, memory KiB.
 */
sealed interface Report {

    /** The line's first fields, whatever the scenario. */
    record Header(String scenario, String target, String date, String server, String transport, String machine) {}

    /**
     * How the server was set up, after the header: its edge processes (Surrogate), the Redis
     * they share (null: none) and where deliveries were posted ({@code first}, {@code round-robin}
     * or {@code holder}; Surrogate with more than one edge).
     */
    record Setup(Integer edges, String redis, String deliverTo) {}

    /** The line's last fields: what failed, and whether the run passed. */
    record Outcome(String error, Long serverSaysDelivered, int failedSubscribers, int droppedSubscribers, List<String> firstFailures,
            boolean pass) {}

    /** A latency distribution in milliseconds, with the number of values recorded. */
    record Latency(long count, double p50, double p99, double p999, double max) {
        static Latency of(Histogram h) {
            return new Latency(h.getTotalCount(), round2(ms(h.getValueAtPercentile(50))), round2(ms(h.getValueAtPercentile(99))),
                    round2(ms(h.getValueAtPercentile(99.9))), round2(ms(h.getMaxValue())));
        }
    }

    /** CPU over a measured window: the server's processes, this generator, and the Redis the server uses (null: none). */
    record Cpu(double wallSeconds, double serverCpuSeconds, double serverUserSeconds, double serverSystemSeconds, double generatorCpuSeconds,
            double serverCores, double generatorCores, Double redisCpuSeconds, Double redisCores) {}

    /** Requests the built-in origin answered (Surrogate only). */
    record OriginCounts(long originSubscribes, long originUnsubscribes, long originRefused) {}

    // ---------------------------------------------------------------- held

    /**
     * {@code held} in this process: memory per held subscriber at each step; with Redis, its RSS
     * and its {@code used_memory} too (else null).
     */
    record Held(long baselineRssKiB, long baselinePssKiB, int n, List<Step> steps, String channel, Long redisBaselineRssKiB,
            Long redisBaselineUsedKiB) implements Report {}

    record Step(int n, long rssKiB, long pssKiB, double rssPerConnKiB, double pssPerConnKiB, long connectPerSecond, Long redisRssKiB,
            Double redisRssPerConnKiB, Long redisUsedKiB, Double redisUsedPerConnKiB) {}

    /** {@code held --processes P}: subscribers held by worker processes, and (several edges) deliveries routed by 421. */
    record HeldInProcesses(int n, int processes, int serverProcesses, long connectPerSecond, long baselineRssKiB, long rssKiB, long pssKiB,
            List<Long> rssPerProcessKiB, double rssPerConnKiB, double pssPerConnKiB, Routed routed) implements Report {}

    record Routed(int sent, long accepted, long redirected421, long received, long lost, Map<Integer, Integer> answers) {}

    // ---------------------------------------------------------------- fanout

    /**
     * {@code fanout}: one event to every subscriber of one channel, per round. {@code latencyMs}
     * is publish-to-receipt over every receipt of every recorded round (its p99 is not the time
     * a round takes); {@code lastReceiptMs} is the time until the last subscriber had the event:
     * per round in {@code rounds}, and here its median and slowest round. {@code serverCpuUsPerReceipt}
     * is the server's CPU from each recorded publish until its last receipt, summed over the rounds,
     * per receipt (microseconds; {@code redisCpuUsPerReceipt} the same for Redis, null without).
     */
    record Fanout(long connectPerSecond, Cpu cpu, int n, List<Round> rounds, Latency latencyMs, RoundTimes lastReceiptMs, long expected,
            long received, long lost, Double serverCpuUsPerReceipt, Double redisCpuUsPerReceipt) implements Report {}

    /**
     * One recorded round: its receipts' latency, how many received it and, when all did, the
     * time from publish until the last of them had it.
     */
    record Round(long count, double p50, double p99, double p999, double max, long received, Double lastReceiptMs) {}

    /** The rounds' times until the last subscriber had the event: the median round and the slowest. */
    record RoundTimes(double median, double max) {
        static RoundTimes of(List<Round> rounds) {
            List<Double> t = rounds.stream().map(Round::lastReceiptMs).filter(java.util.Objects::nonNull).sorted().toList();
            return t.isEmpty() ? null : new RoundTimes(t.get(t.size() / 2), t.get(t.size() - 1));
        }
    }

    // ---------------------------------------------------------------- unicast

    /**
     * {@code unicast}: signed deliveries at a rate (0: as fast as answered), each to one subscriber.
     * {@code serverCpuUsPerDelivery}: the server's CPU over the recorded window per delivery
     * accepted in it (microseconds); {@code redisCpuUsPerDelivery} the same for Redis (null without).
     */
    record Unicast(long connectPerSecond, Cpu cpu, int n, int rate, int seconds, long published, long recordedFromSeq, long accepted,
            long refused, Map<Integer, Integer> answers, long received, long lost, long misdelivered, long acceptedPerSecond,
            Latency latencyMs, Latency publishAnswerMs, Double serverCpuUsPerDelivery, Double redisCpuUsPerDelivery) implements Report {}

    // ---------------------------------------------------------------- subscribe, soak

    /** {@code subscribe}: full subscribe round trips, each subscriber leaving once held. */
    record Subscribe(Cpu cpu, double seconds, int subscribed, long subscribesPerSecond, boolean settled, Long originSubscribes,
            Long originUnsubscribes, Long originRefused) implements Report {}

    /** {@code soak}: churn; subscribers arrive at a rate, each gets one event and leaves. */
    record Soak(Cpu cpu, int rate, int seconds, long opened, int held, long received, long lost, Latency latencyMs, List<RssSample> rssSamples,
            boolean settled, long settledRssKiB, Long rssAfterWarmupMinKiB, Long rssAfterWarmupMaxKiB, Double rssSpreadPercent,
            Long originSubscribes, Long originUnsubscribes, Long originRefused) implements Report {}

    record RssSample(long s, long rssKiB, int held, long received, int awaiting) {}

    static double ms(long nanos) {
        return nanos / 1e6;
    }

    static double round2(double d) {
        return Math.round(d * 100) / 100.0;
    }
}
