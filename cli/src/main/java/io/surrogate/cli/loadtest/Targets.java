package io.surrogate.cli.loadtest;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/** The systems {@code surrogate loadtest} can put under load. */
public final class Targets {
    private Targets() {}

    /** {@code edges} edge processes running {@code jar}, with a built-in origin; fresh keys. */
    public static Target surrogate(int edges, Path jar, List<String> jvmFlags, String heartbeat, int replayBuffer) throws Exception {
        return SurrogateTarget.start(edges, jar, jvmFlags, heartbeat, replayBuffer, List.of());
    }

    /** The rule file the Surrogate target's edges run (also used by the benchmarks' HeldMemory). */
    public static String surrogateRules(String heartbeat, int replayBuffer) {
        return SurrogateTarget.rules(heartbeat, replayBuffer);
    }

    /** Nchan started by benchmarks/nchan/nchan.sh, its pid file in {@code dir}. */
    public static Target nchan(URI url, Path dir) {
        return new NchanTarget(url, dir);
    }
}
