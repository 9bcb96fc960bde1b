package io.surrogate.server;

import io.surrogate.engine.EdgeEnvironment;
import io.surrogate.server.guard.FramingGuard;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.logging.Logger;
import org.xnio.Options;

/**
 * The edge: two Undertow listeners (clients; origins and operators), the live rules, the
 * subscription hub. {@link #start} returns once both listen; {@link #close} ends every held
 * client, tells the origin, and stops every thread and timer.
 */
public final class EdgeServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("surrogate.server");

    private final ServerConfig config;
    private final ServerMetrics metrics = new ServerMetrics();
    private final LiveRules rules;
    private final OriginClient origin;
    private final Hub hub;
    private final ClientConnections connections;
    private final Undertow undertow;
    private final InetSocketAddress clientAddress;
    private final InetSocketAddress originAddress;
    private final EdgeEnvironment environment;
    private volatile boolean stopping;

    /** The edge could not start: rules with errors, a port in use, an unreadable keyring. */
    public static final class StartException extends Exception {
        private static final long serialVersionUID = 1L;

        StartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private EdgeServer(ServerConfig config) throws StartException {
        this.config = config;
        try {
            this.rules = new LiveRules(config.rules(), config.keys(), metrics);
        } catch (LiveRules.Rejected e) {
            throw new StartException("the rules do not compile:\n" + e.getMessage(), null);
        }
        this.connections = new ClientConnections(ClientConnections.capacity(config.maxClients()));
        this.origin = new OriginClient(config.origin());
        EnvironmentHolder env = new EnvironmentHolder();
        this.hub = new Hub(origin, metrics, env, config.maxQueuedBytes());
        ReplayGuard replays = new ReplayGuard(config.replayCapacity(), config.signatureWindow().toSeconds());
        DeliveryHandler deliveries = new DeliveryHandler(rules, hub, metrics, replays, config.edgeId(), Clock.systemUTC(),
                config.signatureWindow().toSeconds(), config.maxEventSize());
        ClientHandler clients = new ClientHandler(rules, hub, origin, metrics, connections, env, config.maxBody(), config.fallback());
        OriginSideHandler originSide = new OriginSideHandler(deliveries, metrics, rules, () -> !stopping);
        metrics.gauge("surrogate.client.connections", "Client connections open (held or not)", connections::open);
        metrics.gauge("surrogate.client.capacity", "Client connections the edge accepts before refusing", connections::capacity);
        metrics.gauge("surrogate.replay.nonces", "Delivery nonces remembered against replays", replays::size);
        metrics.gauge("surrogate.rules.generation", "The generation of the rules in use", () -> rules.current().number());
        int capacity = connections.capacity();
        this.undertow = Undertow.builder()
                .setIoThreads(Math.max(2, Runtime.getRuntime().availableProcessors()))
                .setWorkerThreads(4)
                .setBufferSize(8 * 1024)
                .setServerOption(UndertowOptions.MAX_HEADER_SIZE, 16 * 1024)
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, 120_000)
                .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT, 15_000)
                .setServerOption(UndertowOptions.ALWAYS_SET_DATE, false)
                .setSocketOption(Options.BACKLOG, 4096)
                // backstop under the 503 path: past this, XNIO stops accepting instead of failing on EMFILE
                .setSocketOption(Options.CONNECTION_HIGH_WATER, capacity + 20)
                .setSocketOption(Options.CONNECTION_LOW_WATER, capacity + 10)
                // guard: issue 12 — RFC 9112 framing and the body deadline in front of both listeners
                .addHttpListener(config.clientListen().getPort(), config.clientListen().getHostString(),
                        new FramingGuard("client", config.bodyDeadline(), clients))
                .addHttpListener(config.originListen().getPort(), config.originListen().getHostString(),
                        new FramingGuard("origin-side", config.bodyDeadline(), originSide))
                .build();
        try {
            undertow.start();
        } catch (RuntimeException e) {
            close();
            throw new StartException("cannot listen on " + config.clientListen() + " and " + config.originListen() + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
        // the origin client runs on the edge's IO threads (no thread of its own), so it starts once they do
        origin.start(undertow.getWorker());
        this.clientAddress = (InetSocketAddress) undertow.getListenerInfo().get(0).getAddress();
        this.originAddress = (InetSocketAddress) undertow.getListenerInfo().get(1).getAddress();
        String advertised = config.advertisedAddress().orElse(originAddress.getHostString() + ":" + originAddress.getPort());
        this.environment = new EdgeEnvironment(config.edgeId(), advertised, Clock.systemUTC());
        env.set(environment);
        if (config.watchRules()) {
            try {
                rules.watch();
            } catch (IOException e) {
                LOG.warning(() -> "event=rules-watch-unavailable reason=\"" + e.getMessage() + "\" (reload with POST /admin/reload)");
            }
        }
        LOG.info(() -> "event=listening clients=" + clientAddress + " origin-side=" + originAddress + " edge=" + config.edgeId()
                + " origin=" + config.origin().map(Object::toString).orElse("(per rule)") + " rules-generation=1");
        LOG.info(() -> "event=capacity open-file-limit=" + ClientConnections.maxOpenFiles() + " clients=" + capacity
                + " (at the limit new connections get 503)");
    }

    /** A supplier the handlers read; set once the listeners know their ports. */
    private static final class EnvironmentHolder implements java.util.function.Supplier<EdgeEnvironment> {
        private volatile EdgeEnvironment value;

        void set(EdgeEnvironment v) {
            value = v;
        }

        @Override
        public EdgeEnvironment get() {
            return value;
        }
    }

    public static EdgeServer start(ServerConfig config) throws StartException {
        return new EdgeServer(config);
    }

    /** For a fallback handler: the request body the edge already read (empty if none). */
    public static byte[] requestBody(io.undertow.server.HttpServerExchange exchange) {
        byte[] body = exchange.getAttachment(ClientHandler.BODY);
        return body == null ? new byte[0] : body;
    }

    public InetSocketAddress clientAddress() {
        return clientAddress;
    }

    public InetSocketAddress originAddress() {
        return originAddress;
    }

    public EdgeEnvironment environment() {
        return environment;
    }

    /** Subscriptions the registry holds, attached or waiting for their client to return. */
    public int subscriptions() {
        return hub.size();
    }

    public int heldConnections() {
        return hub.heldConnections();
    }

    /** Timers and origin retries still pending. */
    public int pendingTimers() {
        return hub.pendingTimers();
    }

    public long refusedConnections() {
        return connections.refusedTotal();
    }

    /** Recompiles the rules now; true when the new version was taken. */
    public boolean reload() {
        return rules.reload().applied();
    }

    public long rulesGeneration() {
        return rules.current().number();
    }

    public String metricsText() {
        return metrics.scrape();
    }

    @Override
    public void close() {
        stopping = true;
        rules.close();
        if (hub != null) {
            hub.stop(Duration.ofSeconds(2));
        }
        if (origin != null) {
            origin.close(); // before the worker stops: its connections close on their IO threads
        }
        if (undertow != null) {
            undertow.stop();
        }
        LOG.info("event=stopped");
    }
}
