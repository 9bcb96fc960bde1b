package io.surrogate.benchmarks;

import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.engine.token.ThrowawayKeys;
import io.surrogate.engine.token.TinkTokenCodec;
import io.surrogate.engine.token.TokenClaims;
import io.surrogate.engine.token.TokenException;
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

/** {@code X-Event-Token}: minting (AES-256-GCM over the JSON claims) and verifying. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
public class TokenCodec {
    private NamedKey key;
    private Fixtures.SingleKey keys;
    private TokenClaims claims;
    private String token;
    private Instant now;

    @Setup
    public void setUp() throws TokenException {
        key = new ThrowawayKeys().get("ywewu238347i3u", KeyPurpose.TOKEN);
        keys = new Fixtures.SingleKey(key);
        now = Fixtures.ENV.clock().instant();
        claims = new TokenClaims("edge-1", "127.0.0.1:8080", "default", "B", "2", "user", "port-62471-c1",
                now.getEpochSecond(), now.getEpochSecond() + 3600);
        token = TinkTokenCodec.mint(claims, key);
        if (!TinkTokenCodec.verify(token, keys, "edge-1", now).equals(claims)) {
            throw new IllegalStateException("token does not round-trip");
        }
    }

    @Benchmark
    public String mint() {
        return TinkTokenCodec.mint(claims, key);
    }

    @Benchmark
    public TokenClaims verify() throws TokenException {
        return TinkTokenCodec.verify(token, keys, "edge-1", now);
    }
}
