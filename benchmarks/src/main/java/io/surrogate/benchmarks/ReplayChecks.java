package io.surrogate.benchmarks;

import io.surrogate.server.delivery.ReplayGuard;
import io.surrogate.server.delivery.ReplayStore;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The replay check of one delivery ({@link ReplayGuard#check}) with a fresh nonce each time, at
 * a steady state of {@code inWindow} nonces within the 300 s signature window.
 *
 * <p>The clock is simulated: it moves one second every {@code inWindow / 300} checks, and each
 * delivery is signed "now", so {@code inWindow} nonces are always within the window. Whatever the
 * guard does with the expired ones (reusing their room, dropping them when it rebuilds or
 * reaches its {@code capacity}: the server's default, {@code --replay-capacity 1000000}, or
 * 200,000), this benchmark pays its share, as a long-running edge does. Nonces are 32 lowercase hex
 * characters, like {@code OriginSignature.newNonce()}; {@link #nonceOnly} measures making one,
 * to be subtracted.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
public class ReplayChecks {
    private static final long WINDOW = 300;
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    @Param({"100000"})
    public int inWindow;

    @Param({"200000", "1000000"})
    public int capacity;

    private ReplayGuard guard;
    private long counter;
    private long now;
    private int perSecond;
    private int thisSecond;

    @Setup
    public void setUp() {
        guard = new ReplayGuard(capacity, WINDOW);
        perSecond = Math.max(1, (int) (inWindow / WINDOW));
        now = 1_800_000_000L;
        // the window already full: inWindow nonces signed over the last 300 s
        for (int i = 0; i < inWindow; i++) {
            if (check() != ReplayStore.Result.FRESH) {
                throw new IllegalStateException("a fresh nonce is not fresh");
            }
        }
        if (guard.check(nonce(counter - 1), now, now) != ReplayStore.Result.REPLAY) {
            throw new IllegalStateException("a replayed nonce is not a replay");
        }
    }

    /** 32 hex characters from a counter, scrambled so that they spread like random ones. */
    private static String nonce(long n) {
        long a = n * 0x9E3779B97F4A7C15L;
        long b = Long.rotateLeft(a, 29) ^ n;
        byte[] out = new byte[32];
        for (int i = 0; i < 16; i++) {
            out[i] = HEX[(int) (a >>> (60 - 4 * i)) & 15];
            out[16 + i] = HEX[(int) (b >>> (60 - 4 * i)) & 15];
        }
        return new String(out, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private ReplayStore.Result check() {
        if (++thisSecond > perSecond) {
            thisSecond = 1;
            now++;
        }
        return guard.check(nonce(counter++), now, now);
    }

    /** Every check was fresh: neither a collision of the made-up nonces nor a full set. */
    @TearDown(Level.Iteration)
    public void stillFresh() {
        if (guard.check(nonce(counter++), now, now) != ReplayStore.Result.FRESH || guard.size() > capacity) {
            throw new IllegalStateException("the replay set is full or a nonce repeated; size " + guard.size());
        }
    }

    /** A fresh nonce, signed now, checked against the set (and remembered). */
    @Benchmark
    public ReplayStore.Result freshNonce() {
        return check();
    }

    /** Making the nonce only, for subtracting. */
    @Benchmark
    public String nonceOnly() {
        return nonce(counter++);
    }
}
