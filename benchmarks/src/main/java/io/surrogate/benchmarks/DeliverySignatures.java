package io.surrogate.benchmarks;

import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.engine.token.OriginSignature;
import io.surrogate.engine.token.ThrowawayKeys;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The signature check of one {@code POST /deliver-event}, as the server makes it: the
 * {@code X-Event-Signature} header against the keyring's hmac keys, tried in order until one
 * verifies, the right one last ({@code hmacKeys} = 1 or 3), and the parsed header the replay
 * check then needs (its nonce and timestamp). A body of {@code bodyBytes} (lines of text), a
 * token of a real token's length. The numbers before the single-parse path (the server called
 * {@code OriginSignature.verify} once per key, then parsed the header again for the replay
 * check) were taken with this class's {@code perKey} at commit 320b02a.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
public class DeliverySignatures {
    @Param({"1", "3"})
    public int hmacKeys;

    @Param({"256", "16384"})
    public int bodyBytes;

    private List<NamedKey> keys;
    private OriginSignature.Signed signed;
    private String header;
    private Instant now;
    private long window;

    @Setup
    public void setUp() {
        ThrowawayKeys source = new ThrowawayKeys();
        keys = new ArrayList<>();
        for (int i = 0; i < hmacKeys; i++) {
            keys.add(source.get("origin-" + i, KeyPurpose.HMAC));
        }
        keys = List.copyOf(keys);
        now = Fixtures.ENV.clock().instant();
        window = 300;
        String token = "v1.ywewu238347i3u." + "A".repeat(220);
        signed = new OriginSignature.Signed("POST", "/deliver-event", "2", "B", token, body(bodyBytes));
        // signed by the origin with the last key: every other key is tried first
        header = OriginSignature.sign(signed, keys.get(hmacKeys - 1), now.getEpochSecond(), OriginSignature.newNonce()).render();
        if (once() == null) {
            throw new IllegalStateException("the delivery's signature does not verify");
        }
    }

    /** Lines of 63 characters and a line feed, cut to {@code size} bytes. */
    static byte[] body(int size) {
        StringBuilder b = new StringBuilder(size + 64);
        for (int line = 0; b.length() < size; line++) {
            b.append(String.format("%-62s", "line " + line + " of the event: mail 2 for user B arrived")).append(".\n");
        }
        return b.substring(0, size).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * What {@code DeliveryHandler} does: {@code OriginSignature.verifyAny} parses the header,
     * hashes the body and builds the canonical string once, then tries each key's HMAC; the
     * replay check takes the parsed header from its answer. Returns that header (null: refused).
     */
    @Benchmark
    public OriginSignature.Header once() {
        OriginSignature.Verification v = OriginSignature.verifyAny(header, signed, keys, now, window);
        return v.key() == null ? null : v.header();
    }
}
