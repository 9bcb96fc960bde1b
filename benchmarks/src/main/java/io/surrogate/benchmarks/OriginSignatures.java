package io.surrogate.benchmarks;

import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.engine.token.OriginSignature;
import io.surrogate.engine.token.ThrowawayKeys;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** {@code X-Event-Signature}: signing an origin request (HMAC-SHA256) and checking one. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
public class OriginSignatures {
    private NamedKey key;
    private OriginSignature.Signed signed;
    private String header;
    private Instant now;
    private long timestamp;
    private String nonce;

    @Setup
    public void setUp() {
        key = new ThrowawayKeys().get("origin", KeyPurpose.HMAC);
        now = Fixtures.ENV.clock().instant();
        timestamp = now.getEpochSecond();
        nonce = OriginSignature.newNonce();
        // A token of a realistic length: the signature covers it.
        String token = "v1.ywewu238347i3u." + "A".repeat(220);
        signed = new OriginSignature.Signed("POST", "/subscribe-event", "2", "B", token, new byte[0]);
        header = OriginSignature.sign(signed, key, timestamp, nonce).render();
        if (OriginSignature.verify(header, signed, key, now, 300) != OriginSignature.Check.VALID) {
            throw new IllegalStateException("signature does not verify");
        }
    }

    @Benchmark
    public OriginSignature.Header sign() {
        return OriginSignature.sign(signed, key, timestamp, nonce);
    }

    @Benchmark
    public OriginSignature.Check verify() {
        return OriginSignature.verify(header, signed, key, now, 300);
    }
}
