package io.surrogate.server;

import io.lettuce.core.RedisException;
import io.surrogate.engine.EdgeEnvironment;
import io.surrogate.engine.OriginRequest;
import io.surrogate.server.delivery.DeliveryHandler;
import io.surrogate.server.delivery.DeliveryVerifier;
import io.surrogate.server.delivery.LocalRouter;
import io.surrogate.server.delivery.ReplayGuard;
import io.surrogate.server.delivery.ReplayStore;
import io.surrogate.server.cluster.EdgeCluster;
import io.surrogate.server.cluster.Redis;
import io.surrogate.server.http.ClientAddress;
import io.surrogate.server.http.ClientConnections;
import io.surrogate.server.http.ClientHandler;
import io.surrogate.server.http.OriginSideHandler;
import io.surrogate.server.http.RateLimiter;
import io.surrogate.server.metrics.ServerMetrics;
import io.surrogate.server.reload.LiveRules;
import io.surrogate.server.subscribe.LocalRegistry;
import io.surrogate.server.subscribe.OriginAnswer;
import io.surrogate.server.subscribe.OriginCalls;
import io.surrogate.server.subscribe.ReplayBudget;
import io.surrogate.server.subscribe.SubscribeFlow;
import io.surrogate.server.subscribe.SubscriptionRegistry;
import io.surrogate.server.time.Scheduler;
import io.surrogate.server.tls.EdgeListeners;
import io.surrogate.server.tls.PemPair;
import io.surrogate.server.tls.PemReader;
import io.surrogate.server.tls.ReloadingKeyManager;
import io.surrogate.server.time.SystemScheduler;
import io.surrogate.server.upstream.OriginClient;
import io.surrogate.server.guard.BodyDeadline;
import io.surrogate.server.guard.FramingGuard;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;
import org.xnio.Options;

/**
 * The edge, wired: two Undertow listeners (clients; origins and operators), the live rules, the
 * subscription registry, the origin client. {@link #start} returns once both listen;
 * {@link #close} ends every held client, tells the origin, and stops every thread and timer.
 * The parts and their interfaces are named in docs/architecture.md.
 */
public final class EdgeServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("surrogate.server");
    /** How long a stop waits for the origin's answers to its unsubscribe notices (docs/operations.md). */
    static final Duration STOP_WAIT = Duration.ofSeconds(2);

    private final ServerMetrics metrics = new ServerMetrics();
    private final LiveRules rules;
    private final OriginClient origin;
    private final AtomicInteger originCallsOut = new AtomicInteger();
    private final Scheduler scheduler;
    private final SystemScheduler ownScheduler;
    private final SubscriptionRegistry registry;
    private final ClientConnections connections;
    private final Undertow undertow;
    private final InetSocketAddress clientAddress;
    private final InetSocketAddress originAddress;
    private final Optional<InetSocketAddress> clientTlsAddress;
    private final EdgeEnvironment environment;
    private EdgeCluster cluster;
    private volatile boolean stopping;

    /** The edge could not start: rules with errors, a port in use, an unreadable keyring. */
    public static final class StartException extends Exception {
        private static final long serialVersionUID = 1L;

        StartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private EdgeServer(ServerConfig config, UnaryOperator<OriginCalls> originCalls) throws StartException {
        try {
            this.rules = new LiveRules(config.rules(), config.keys(), metrics, config.clock());
        } catch (LiveRules.Rejected e) {
            metrics.close();
            throw new StartException("the rules do not compile:\n" + e.getMessage(), null);
        }
        this.ownScheduler = config.scheduler().isPresent() ? null : new SystemScheduler();
        this.scheduler = config.scheduler().orElse(ownScheduler);
        // the body deadline runs on the edge's scheduler unless a test gave it a timer of its own
        BodyDeadline bodyDeadline = config.bodyDeadline().timer() != BodyDeadline.Timer.IO_THREAD ? config.bodyDeadline()
                : new BodyDeadline(config.bodyDeadline().bound(), (ex, millis, task) -> {
                    Scheduler.Timer timer = scheduler.schedule(ex.getIoThread(), task, millis);
                    return () -> timer.cancel();
                });
        this.connections = new ClientConnections(ClientConnections.capacity(config.maxClients(), OriginClient.MAX_IN_FLIGHT),
                scheduler::nanoTime);
        this.origin = new OriginClient(config.origin());
        OriginCalls calls = originCalls.apply(adapt(origin, originCallsOut));
        EnvironmentHolder env = new EnvironmentHolder();
        LocalRegistry localRegistry = new LocalRegistry(calls, metrics, env, scheduler, config.clock(),
                new ReplayBudget(config.replayBudget()), config.maxQueuedBytes(), () -> rules.current().keys());
        this.registry = localRegistry;
        ReplayGuard localReplays = new ReplayGuard(config.replayCapacity(), config.signatureWindow().toSeconds());
        // issue 13: with --redis, the replay set and the routing are the edges' together
        this.cluster = cluster(config, localRegistry);
        ReplayStore replays = cluster == null ? localReplays : cluster.replayStore(localReplays);
        LocalRouter localRouter = new LocalRouter(registry);
        // with Redis a token another edge minted is routed to that edge, unless the operator kept the 421 redirect
        DeliveryHandler deliveries = new DeliveryHandler(rules,
                new DeliveryVerifier(config.edgeId(), config.signatureWindow().toSeconds(), registry::byToken,
                        cluster != null && !config.redis().redirectForeign()),
                replays, cluster == null ? null : localReplays,
                cluster == null ? localRouter : cluster.router(localRouter, origin, config.tls().originSide().isPresent()), metrics,
                config.clock(), config.maxEventSize());
        ClientHandler clients = new ClientHandler(connections, rules, new RateLimiter(),
                new SubscribeFlow(registry, calls, metrics, scheduler, config.clock(), cluster == null ? null : cluster.takeOver()), metrics, env, config.clock(), config.maxBody(),
                config.fallback());
        OriginSideHandler originSide = new OriginSideHandler(deliveries, metrics, rules, () -> !stopping, config.admin(),
                cluster == null ? null : cluster.directory()::describe);
        metrics.gauge("surrogate.client.connections", "Client connections open (held or not)", connections::open);
        metrics.gauge("surrogate.client.capacity", "Client connections the edge accepts before refusing", connections::capacity);
        metrics.gauge("surrogate.replay.nonces", "Delivery nonces remembered against replays by this edge", replays::size);
        metrics.gauge("surrogate.rules.generation", "The generation of the rules in use", () -> rules.current().number());
        int capacity = connections.capacity();
        Optional<ReloadingKeyManager> tlsKeys = keys("client", config.tls().client());
        // with a second client listener for TLS, the first one stays plain
        Optional<ReloadingKeyManager> clientKeys = config.tls().clientTlsListen().isPresent() ? Optional.empty() : tlsKeys;
        Optional<ReloadingKeyManager> originKeys = keys("origin-side", config.tls().originSide());
        Undertow.Builder builder = Undertow.builder()
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
                // tls: issue 10 — HTTP/2 by ALPN on a TLS listener; on a plain one h2c (prior knowledge,
                // Upgrade) when on; an h2 connection idles out (NO_REQUEST_TIMEOUT) only with no stream open
                .setServerOption(UndertowOptions.ENABLE_HTTP2, config.tls().h2c())
                .setServerOption(UndertowOptions.HTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, EdgeListeners.MAX_STREAMS_PER_CONNECTION)
                // guard: issue 12 — RFC 9112 framing and the body deadline in front of both listeners
                // issue 11: PROXY v1/v2 and the client's address from trusted proxies, on every client listener
                .addListener(EdgeListeners.listener(config.clientListen(), clientKeys,
                        ClientAddress.handler(config.proxies(), new FramingGuard("client", bodyDeadline, clients)))
                        .setUseProxyProtocol(config.proxies().proxyProtocol()))
                .addListener(EdgeListeners.listener(config.originListen(), originKeys,
                        new FramingGuard("origin-side", bodyDeadline, originSide)));
        config.tls().clientTlsListen().ifPresent(at -> builder.addListener(EdgeListeners.listener(at, tlsKeys,
                ClientAddress.handler(config.proxies(), new FramingGuard("client", bodyDeadline, clients)))
                .setUseProxyProtocol(config.proxies().proxyProtocol())));
        this.undertow = builder.build();
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
        this.clientTlsAddress = config.tls().clientTlsListen().isEmpty() ? Optional.empty()
                : Optional.of((InetSocketAddress) undertow.getListenerInfo().get(2).getAddress());
        String advertised = config.advertisedAddress().orElse(originAddress.getHostString() + ":" + originAddress.getPort());
        this.environment = new EdgeEnvironment(config.edgeId(), advertised, config.clock());
        env.set(environment);
        if (cluster != null) {
            cluster.start(advertised, localRegistry, () -> rules.current().keys());
        }
        if (config.watchRules()) {
            try {
                rules.watch();
            } catch (IOException e) {
                LOG.warning(() -> LogLine.of("rules-watch-unavailable").with("reason", e.getMessage())
                        .with("help", "reload with POST /admin/reload").toString());
            }
        }
        LOG.info(() -> {
            LogLine line = LogLine.of("listening").with("clients", url(clientKeys, clientAddress));
            clientTlsAddress.ifPresent(a -> line.with("clients-tls", url(tlsKeys, a)));
            return line.with("origin-side", url(originKeys, originAddress)).with("h2c", config.tls().h2c())
                    .with("edge", config.edgeId()).with("origin", config.origin().map(Object::toString).orElse("(per rule)"))
                    .with("rules-generation", 1).toString();
        });
        LOG.info(() -> LogLine.of("capacity").with("open-file-limit", ClientConnections.maxOpenFiles()).with("clients", capacity)
                .with("help", "at the limit new connections get 503").toString());
    }

    /** The edges' shared parts on Redis, or null for an edge alone; an unreachable Redis stops the start. */
    private EdgeCluster cluster(ServerConfig config, LocalRegistry registry) throws StartException {
        if (!config.redis().enabled()) {
            return null;
        }
        try {
            return new EdgeCluster(Redis.connect(config.redis()), metrics, config.edgeId(), scheduler, config.clock(), registry);
        } catch (Redis.Unreachable | RedisException e) {
            close();
            throw new StartException(e.getMessage() + " (check --redis, or start without it: an edge alone needs no Redis)", null);
        }
    }

    private static String url(Optional<ReloadingKeyManager> keys, InetSocketAddress a) {
        return (keys.isPresent() ? "https://" : "http://") + a.getHostString() + ":" + a.getPort();
    }

    /** A listener's certificate and key, read now; unreadable or mismatched files stop the start. */
    private Optional<ReloadingKeyManager> keys(String listener, Optional<PemPair> pair) throws StartException {
        if (pair.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(ReloadingKeyManager.open(listener, pair.get()));
        } catch (PemReader.Unreadable e) {
            close();
            throw new StartException("the " + listener + " listener's TLS " + e.getMessage(), null);
        }
    }

    /** The origin client as the registry and the subscribe flow see it; counts the calls out. */
    private static OriginCalls adapt(OriginClient client, AtomicInteger out) {
        return new OriginCalls() {
            @Override
            public Optional<URI> target(OriginRequest request) {
                return client.target(request);
            }

            @Override
            public CompletableFuture<OriginAnswer> send(URI uri, OriginRequest request, Supplier<OriginRequest> resign,
                    Duration timeout) {
                out.incrementAndGet();
                CompletableFuture<OriginClient.Answer> sent;
                try {
                    sent = client.send(uri, request, resign, timeout);
                } catch (RuntimeException e) {
                    out.decrementAndGet();
                    throw e;
                }
                return sent.handle((a, error) -> {
                    out.decrementAndGet();
                    if (a == null) {
                        return new OriginAnswer(0, null, null, OriginAnswer.Failure.REFUSED);
                    }
                    OriginAnswer.Failure failure = a.failure() == null ? null : switch (a.failure()) {
                        case TIMEOUT -> OriginAnswer.Failure.TIMEOUT;
                        case BUSY -> OriginAnswer.Failure.BUSY;
                        case REFUSED -> OriginAnswer.Failure.REFUSED;
                    };
                    return new OriginAnswer(a.status(), a.contentType(), a.body(), failure, a.retryAfter());
                });
            }
        };
    }

    /** A supplier the handlers read; set once the listeners know their ports. */
    private static final class EnvironmentHolder implements Supplier<EdgeEnvironment> {
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
        return new EdgeServer(config, UnaryOperator.identity());
    }

    /** For tests: the edge with its origin calls passed through {@code originCalls} (to inject a failure). */
    static EdgeServer start(ServerConfig config, UnaryOperator<OriginCalls> originCalls) throws StartException {
        return new EdgeServer(config, originCalls);
    }

    /** For a fallback handler: the request body the edge already read (empty if none). */
    public static byte[] requestBody(io.undertow.server.HttpServerExchange exchange) {
        return ClientHandler.requestBody(exchange);
    }

    public InetSocketAddress clientAddress() {
        return clientAddress;
    }

    /** The second client listener, speaking TLS, when {@code TlsSettings.clientTlsListen} asked for one. */
    public Optional<InetSocketAddress> clientTlsAddress() {
        return clientTlsAddress;
    }

    public InetSocketAddress originAddress() {
        return originAddress;
    }

    public EdgeEnvironment environment() {
        return environment;
    }

    /** Subscriptions the registry holds, attached or waiting for their client to return. */
    public int subscriptions() {
        return registry.size();
    }

    public int heldConnections() {
        return registry.heldConnections();
    }

    /** Timers and unsubscribe notices still pending. */
    public int pendingTimers() {
        return scheduler.pending() + registry.unsubscribing();
    }

    /** Requests to origins sent and not yet answered. */
    public int pendingOriginCalls() {
        return originCallsOut.get();
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

    /**
     * Stops as a process that is killed does (tests of several edges: an edge that dies): the
     * Redis connection goes first, so no record of its subscriptions is deleted, the origin
     * client next, so the origin is told nothing, then the listeners; no subscription is ended.
     */
    void halt() {
        stopping = true;
        if (cluster != null) {
            cluster.halt();
        }
        origin.close();
        undertow.stop();
        rules.close();
        if (ownScheduler != null) {
            ownScheduler.close();
        }
        metrics.close();
        LOG.info(LogLine.of("halted").toString());
    }

    @Override
    public void close() {
        stopping = true;
        rules.close();
        if (registry != null) {
            registry.stop(STOP_WAIT);
        }
        if (origin != null) {
            origin.close(); // before the worker stops: its connections close on their IO threads
        }
        if (undertow != null) {
            undertow.stop();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (ownScheduler != null) {
            ownScheduler.close();
        }
        metrics.close();
        LOG.info(LogLine.of("stopped").toString());
    }
}
