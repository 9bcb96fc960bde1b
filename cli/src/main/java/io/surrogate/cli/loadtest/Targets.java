package io.surrogate.cli.loadtest;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The systems {@code surrogate loadtest} can put under load. */
public final class Targets {
    private Targets() {}

    /**
     * Where Surrogate's deliveries are posted when there are several edges. Subscriber {@code i}
     * is held by edge {@code i mod K}.
     */
    public enum DeliverTo {
        /** Every delivery to the first edge: a unicast for another edge's subscriber is passed on (Redis) or answered 421. */
        FIRST,
        /**
         * Each edge in turn, the turn's first edge moving on by one every K deliveries: every edge
         * takes 1/K of them, and a unicast reaches the edge that holds its subscriber 1 time in K,
         * as behind a load balancer that does not know where tokens are held. (A plain turn would
         * line up with subscriber {@code k mod K} and always hit the holder.)
         */
        ROUND_ROBIN,
        /** Each unicast straight to the edge that holds its subscriber (no edge passes it on); fan-outs to the first edge. */
        HOLDER;

        /** {@code first}, {@code round-robin}, {@code holder}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public static DeliverTo of(String label) {
            for (DeliverTo d : values()) {
                if (d.label().equals(label)) {
                    return d;
                }
            }
            throw new IllegalArgumentException("--deliver-to is first, round-robin or holder, not " + label);
        }
    }

    /** {@code edges} edge processes running {@code jar}, with a built-in origin; fresh keys; alone (no Redis), deliveries to the first edge. */
    public static Target surrogate(int edges, Path jar, List<String> jvmFlags, String heartbeat, int replayBuffer) throws Exception {
        return SurrogateTarget.start(edges, jar, jvmFlags, heartbeat, replayBuffer, List.of());
    }

    /**
     * The same, the edges sharing the Redis at {@code redis} ({@code serve --redis}; null for
     * none), deliveries posted as {@code deliverTo} says.
     */
    public static Target surrogate(int edges, Path jar, List<String> jvmFlags, String heartbeat, int replayBuffer, String redis,
            DeliverTo deliverTo) throws Exception {
        return SurrogateTarget.start(edges, jar, jvmFlags, heartbeat, replayBuffer, redis, deliverTo);
    }

    /** The rule file the Surrogate target's edges run (also used by the benchmarks' HeldMemory). */
    public static String surrogateRules(String heartbeat, int replayBuffer) {
        return SurrogateTarget.rules(heartbeat, replayBuffer);
    }

    /** Nchan started by benchmarks/nchan/nchan.sh, its pid file in {@code dir}. */
    public static Target nchan(URI url, Path dir) {
        return new NchanTarget(url, dir, null);
    }

    /** The same, Nchan keeping its channels in the Redis at {@code redis} (its config names it; read here for CPU and memory). */
    public static Target nchan(URI url, Path dir, String redis) {
        return new NchanTarget(url, dir, redis);
    }
}
