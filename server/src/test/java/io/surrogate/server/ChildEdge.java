package io.surrogate.server;

import io.surrogate.server.cluster.RedisSettings;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * An edge in a process of its own, for a test that kills it with SIGKILL (what a crash looks
 * like to the other edges and the origin: no unsubscribe notice, no goodbye in the directory).
 * Arguments: rules directory, keyring, origin URL, Redis URL, edge id, directory ttl in ms,
 * orphan grace in ms. Prints {@code listening CLIENT_PORT ORIGIN_SIDE_PORT} once it listens,
 * then runs until killed.
 */
public final class ChildEdge {
    private ChildEdge() {}

    public static void main(String[] args) throws Exception {
        RedisSettings redis = RedisSettings.of(List.of(URI.create(args[3])))
                .withDirectory(Duration.ofMillis(Long.parseLong(args[5])), Duration.ofMillis(Long.parseLong(args[6])));
        EdgeServer edge = EdgeServer.start(ManyEdgesTest.config(Path.of(args[0]), Path.of(args[1]), URI.create(args[2]), args[4], redis));
        InetSocketAddress clients = edge.clientAddress();
        InetSocketAddress originSide = edge.originAddress();
        System.out.println("listening " + clients.getPort() + " " + originSide.getPort());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
