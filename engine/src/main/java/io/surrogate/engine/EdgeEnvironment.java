package io.surrogate.engine;

import java.time.InstantSource;

/**
 * What the engine knows about the edge that runs it: its id and the address by which an
 * origin or another edge reaches it (both go into tokens), and the clock.
 */
public record EdgeEnvironment(String edgeId, String edgeAddress, InstantSource clock) {
    public static EdgeEnvironment local(InstantSource clock) {
        return new EdgeEnvironment("edge-1", "127.0.0.1:8080", clock);
    }
}
