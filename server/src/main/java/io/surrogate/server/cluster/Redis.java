package io.surrogate.server.cluster;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.surrogate.server.LogLine;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.logging.Logger;

/**
 * The edge's connections to the Redis that several edges share: one Redis, or a Redis Cluster
 * found from its seed nodes. Lettuce, on two Netty IO threads of its own: its callbacks never
 * block and never touch a client's response themselves (they hand writes to the response's IO
 * thread). While one Redis cannot be reached, commands fail at once (on a Cluster they wait,
 * at most {@value #MAX_QUEUED_COMMANDS} of them, for the node's connection) and Lettuce
 * reconnects in the background, at most a second apart; a command that Redis does not answer
 * within the command timeout fails too.
 *
 * <p>Keys and values: keys are strings; values are bytes (event bodies) and are decoded by the
 * parts that own them. On a Cluster, keys that a command or script uses together share a hash
 * tag ({@code {...}}).
 */
public final class Redis implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("surrogate.redis");
    /** Keys and values: UTF-8 keys, byte values. */
    public static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
    /** How long a connection (TCP and the handshake) may take, at least. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** The longest wait between two reconnect attempts. */
    public static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(1);

    private final RedisSettings settings;
    private final ClientResources resources;
    private final RedisClient single;
    private final RedisClusterClient cluster;
    private final StatefulConnection<String, byte[]> connection;
    private final RedisClusterAsyncCommands<String, byte[]> commands;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    /** Redis could not be reached or asked at the start. */
    public static final class Unreachable extends Exception {
        private static final long serialVersionUID = 1L;

        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private Redis(RedisSettings settings, ClientResources resources, RedisClient single, RedisClusterClient cluster,
            StatefulConnection<String, byte[]> connection, RedisClusterAsyncCommands<String, byte[]> commands) {
        this.settings = settings;
        this.resources = resources;
        this.single = single;
        this.cluster = cluster;
        this.connection = connection;
        this.commands = commands;
    }

    /**
     * Connects to the seeds: asks the first one that answers whether it is a Cluster node, then
     * connects as a Cluster client (to every seed) or to that one Redis. Blocks: at the edge's start only.
     */
    public static Redis connect(RedisSettings settings) throws Unreachable {
        if (!settings.enabled()) {
            throw new IllegalArgumentException("no Redis seeds");
        }
        ClientResources resources = ClientResources.builder()
                .ioThreadPoolSize(2) // Lettuce's least
                .computationThreadPoolSize(2)
                .reconnectDelay(() -> Delay.exponential(Duration.ofMillis(50), MAX_RECONNECT_DELAY, 2, java.util.concurrent.TimeUnit.MILLISECONDS))
                .build();
        // connecting (TCP, then HELLO) may take longer than one command on a busy machine; commands keep the command timeout
        Duration connectTimeout = settings.commandTimeout().compareTo(CONNECT_TIMEOUT) > 0 ? settings.commandTimeout() : CONNECT_TIMEOUT;
        List<RedisURI> uris = settings.seeds().stream().map(u -> uri(u, connectTimeout)).toList();
        Throwable last = null;
        for (RedisURI seed : uris) {
            RedisClient probe = RedisClient.create(resources, seed);
            probe.setOptions(options(settings, ClientOptions.DisconnectedBehavior.REJECT_COMMANDS));
            try (StatefulRedisConnection<String, String> c = probe.connect()) {
                String info = c.sync().info("cluster");
                boolean isCluster = info != null && info.contains("cluster_enabled:1");
                if (!isCluster) {
                    StatefulRedisConnection<String, byte[]> conn = probe.connect(CODEC);
                    LOG.info(() -> LogLine.of("redis-connected").with("mode", "single").with("at", seed.getHost() + ":" + seed.getPort())
                            .toString());
                    return new Redis(settings, resources, probe, null, conn, conn.async());
                }
            } catch (RuntimeException e) {
                last = e;
                probe.shutdown(Duration.ZERO, Duration.ofSeconds(1));
                continue;
            }
            probe.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            RedisClusterClient client = RedisClusterClient.create(resources, uris);
            // a Cluster client connects to each node when first used: commands wait for that
            // connection (bounded queue, failed after the command timeout) instead of failing at once
            client.setOptions(ClusterClientOptions.builder(options(settings, ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS))
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enableAllAdaptiveRefreshTriggers()
                            .enablePeriodicRefresh(Duration.ofSeconds(30))
                            .build())
                    .build());
            try {
                var conn = client.connect(CODEC);
                LOG.info(() -> LogLine.of("redis-connected").with("mode", "cluster").with("seeds", settings.seeds().size())
                        .with("nodes", conn.getPartitions().size()).toString());
                return new Redis(settings, resources, null, client, conn, conn.async());
            } catch (RuntimeException e) {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
                resources.shutdown();
                throw new Unreachable("cannot connect to the Redis Cluster at " + settings.seeds() + ": " + message(e), e);
            }
        }
        resources.shutdown();
        throw new Unreachable("cannot reach Redis at " + settings.seeds() + ": " + message(last), last);
    }

    private static String message(Throwable e) {
        if (e == null) {
            return "no seed answered";
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }

    private static RedisURI uri(URI u, Duration timeout) {
        RedisURI.Builder b = RedisURI.builder().withHost(u.getHost()).withPort(u.getPort()).withSsl("rediss".equals(u.getScheme()))
                .withTimeout(timeout);
        if (u.getUserInfo() != null) {
            String[] userPass = u.getUserInfo().split(":", 2);
            if (userPass.length == 2) {
                b.withAuthentication(userPass[0], userPass[1].toCharArray());
            } else {
                b.withPassword(userPass[0].toCharArray());
            }
        }
        return b.build();
    }

    /** The most commands queued on one connection while it is down: past it, they fail at once. */
    static final int MAX_QUEUED_COMMANDS = 16_384;

    private static ClientOptions options(RedisSettings settings, ClientOptions.DisconnectedBehavior disconnected) {
        return ClientOptions.builder()
                .autoReconnect(true)
                // one Redis: while disconnected, fail at once instead of queueing; the edge decides what a failure means
                .disconnectedBehavior(disconnected)
                .requestQueueSize(MAX_QUEUED_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout()))
                .socketOptions(SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).keepAlive(true).build())
                .build();
    }

    public RedisSettings settings() {
        return settings;
    }

    /** Whether the edge talks to a Redis Cluster (else to one Redis). */
    public boolean isCluster() {
        return cluster != null;
    }

    /** The shared command connection (its commands are pipelined: each returns a future at once). */
    public RedisClusterAsyncCommands<String, byte[]> commands() {
        return commands;
    }

    /** Whether the command connection is up now. */
    public boolean connected() {
        return connection.isOpen();
    }

    /**
     * A new pub/sub connection, for the owner to subscribe on and close. On a Cluster it is a
     * {@code StatefulRedisClusterPubSubConnection}: sharded channels are subscribed on the node that owns their slot.
     */
    public StatefulRedisPubSubConnection<String, byte[]> connectPubSub() {
        return cluster != null ? cluster.connectPubSub(CODEC) : single.connectPubSub(CODEC);
    }

    /** Lettuce's resources: its event bus tells connects and disconnects. */
    public ClientResources resources() {
        return resources;
    }

    /** Closes every connection and Lettuce's threads; once (later calls do nothing). */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            connection.close();
        } catch (RuntimeException e) {
            LOG.fine(() -> "closing the Redis connection: " + e);
        }
        if (cluster != null) {
            cluster.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        } else {
            single.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        resources.shutdown(0, 2, java.util.concurrent.TimeUnit.SECONDS);
    }
}
