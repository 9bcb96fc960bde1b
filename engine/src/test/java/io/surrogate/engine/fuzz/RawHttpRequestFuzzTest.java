package io.surrogate.engine.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.surrogate.engine.request.EdgeRequest;
import io.surrogate.engine.request.RawHttpRequest;
import java.net.InetAddress;

/** The dry-run's request files: any bytes parse to a request or a {@link RawHttpRequest.FormatException}. */
class RawHttpRequestFuzzTest {
    private static final InetAddress CLIENT = InetAddress.getLoopbackAddress();

    @FuzzTest(maxDuration = "30s")
    void parse(byte[] input) {
        try {
            EdgeRequest request = RawHttpRequest.parse(input, CLIENT, 4444);
            request.toString();
        } catch (RawHttpRequest.FormatException expected) {
            // a clean error
        }
    }
}
