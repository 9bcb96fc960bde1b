package io.surrogate.server;

import io.surrogate.server.cluster.RedisSettings;
import io.surrogate.server.guard.BodyDeadline;
import io.surrogate.server.http.AdminAuth;
import io.surrogate.server.http.TrustedProxies;
import io.surrogate.server.tls.TlsSettings;
import io.surrogate.server.time.Scheduler;
import io.undertow.server.HttpHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How an edge runs: where it listens, which rules and keys it uses, who its origin is, and the
 * bounds that keep one bad client or origin from hurting the rest.
 *
 * @param clientListen the public listener (subscriptions); port 0 picks a free port
 * @param originListen the origin-side listener ({@code /deliver-event}, metrics, health, reload)
 * @param origin the origin's base URL ({@code http://host:port}), used where a rule names none
 * @param rules rule files or directories; one rule set
 * @param keys the keyring directory
 * @param edgeId this edge's id, written into every token it mints
 * @param advertisedAddress the address tokens give for this edge's origin side; empty: the bound one
 * @param maxBody the largest client request body read, in bytes
 * @param maxEventSize the largest delivery body, in bytes
 * @param maxQueuedBytes the most bytes queued for one slow client before it is disconnected
 * @param signatureWindow how far a delivery's signature timestamp may be from the edge's clock
 * @param replayCapacity how many delivery nonces the replay set remembers at most
 * @param watchRules reload the rules when their files change
 * @param maxClients the most client connections held; 0: derived from the open-file limit
 * @param fallback answers client requests that no rule matched (the demo's page); empty: 404
 * @param clock the edge's time: signature windows, token lifetimes and expiry, rate-limit windows
 * @param scheduler the edge's timers (heartbeats, poll waits, waits for a client's return,
 *        unsubscribe retries); empty: the edge makes a {@code SystemScheduler} and stops it
 * @param replayBudget the most bytes of events the edge keeps, in all, for subscriptions that
 *        no client holds; a subscription whose event does not fit ends and its origin is told
 * @param bodyDeadline how long a request body may take to arrive after its headers, on both listeners
 * @param tls TLS and HTTP/2 on the listeners; {@link TlsSettings#NONE}: plain HTTP/1.1
 * @param proxies the peers whose word on the client's address is taken; {@link TrustedProxies#NONE}: nobody's
 * @param admin how {@code /admin/*} and {@code /metrics} are authenticated; {@link AdminAuth#NONE}: they are not
 * @param redis the Redis several edges share (issue 13); {@link RedisSettings#NONE}: this edge is alone
 */
public record ServerConfig(
        InetSocketAddress clientListen,
        InetSocketAddress originListen,
        Optional<URI> origin,
        List<Path> rules,
        Path keys,
        String edgeId,
        Optional<String> advertisedAddress,
        int maxBody,
        int maxEventSize,
        int maxQueuedBytes,
        Duration signatureWindow,
        int replayCapacity,
        boolean watchRules,
        int maxClients,
        Optional<HttpHandler> fallback,
        InstantSource clock,
        Optional<Scheduler> scheduler,
        long replayBudget,
        BodyDeadline bodyDeadline,
        TlsSettings tls,
        TrustedProxies proxies,
        AdminAuth admin,
        RedisSettings redis) {

    public static final int DEFAULT_MAX_BODY = 64 * 1024;
    public static final int DEFAULT_MAX_EVENT_SIZE = 64 * 1024;
    public static final int DEFAULT_MAX_QUEUED_BYTES = 256 * 1024;
    public static final Duration DEFAULT_SIGNATURE_WINDOW = Duration.ofMinutes(5);
    public static final int DEFAULT_REPLAY_CAPACITY = 1_000_000;
    public static final long DEFAULT_REPLAY_BUDGET = 64L * 1024 * 1024;

    public ServerConfig {
        Objects.requireNonNull(clientListen, "clientListen");
        Objects.requireNonNull(originListen, "originListen");
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(scheduler, "scheduler");
        if (replayBudget < 1) {
            throw new IllegalArgumentException("replayBudget must be at least 1 byte");
        }
        rules = List.copyOf(rules);
        if (rules.isEmpty()) {
            throw new IllegalArgumentException("no rule files given");
        }
        origin.ifPresent(ServerConfig::checkOrigin);
        Objects.requireNonNull(bodyDeadline, "bodyDeadline");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(proxies, "proxies");
        Objects.requireNonNull(admin, "admin");
        Objects.requireNonNull(redis, "redis");
    }

    /** guard: issue 12 — the same with another body deadline (a bound, or a timer a test fires). */
    public ServerConfig withBodyDeadline(BodyDeadline deadline) {
        return new ServerConfig(clientListen, originListen, origin, rules, keys, edgeId, advertisedAddress, maxBody, maxEventSize,
                maxQueuedBytes, signatureWindow, replayCapacity, watchRules, maxClients, fallback, clock, scheduler, replayBudget, deadline, tls, proxies, admin, redis);
    }

    /** Without the time and the replay budget: the system clock, the edge's own scheduler, the default budget. */
    public ServerConfig(InetSocketAddress clientListen, InetSocketAddress originListen, Optional<URI> origin, List<Path> rules,
            Path keys, String edgeId, Optional<String> advertisedAddress, int maxBody, int maxEventSize, int maxQueuedBytes,
            Duration signatureWindow, int replayCapacity, boolean watchRules, int maxClients, Optional<HttpHandler> fallback) {
        this(clientListen, originListen, origin, rules, keys, edgeId, advertisedAddress, maxBody, maxEventSize, maxQueuedBytes,
                signatureWindow, replayCapacity, watchRules, maxClients, fallback, Clock.systemUTC(), Optional.empty(),
                DEFAULT_REPLAY_BUDGET, BodyDeadline.DEFAULT, TlsSettings.NONE, TrustedProxies.NONE, AdminAuth.NONE, RedisSettings.NONE);
    }

    /** Loopback listeners on free ports and the defaults: what tests and the demo start from. */
    public static ServerConfig loopback(List<Path> rules, Path keys, Optional<URI> origin) {
        return new ServerConfig(new InetSocketAddress("127.0.0.1", 0), new InetSocketAddress("127.0.0.1", 0), origin, rules, keys,
                "edge-1", Optional.empty(), DEFAULT_MAX_BODY, DEFAULT_MAX_EVENT_SIZE, DEFAULT_MAX_QUEUED_BYTES,
                DEFAULT_SIGNATURE_WINDOW, DEFAULT_REPLAY_CAPACITY, true, 0, Optional.empty(), Clock.systemUTC(), Optional.empty(),
                DEFAULT_REPLAY_BUDGET, BodyDeadline.DEFAULT, TlsSettings.NONE, TrustedProxies.NONE, AdminAuth.NONE, RedisSettings.NONE);
    }

    public ServerConfig withMaxClients(int clients) {
        return new ServerConfig(clientListen, originListen, origin, rules, keys, edgeId, advertisedAddress, maxBody, maxEventSize,
                maxQueuedBytes, signatureWindow, replayCapacity, watchRules, clients, fallback, clock, scheduler, replayBudget, bodyDeadline, tls, proxies, admin, redis);
    }

    public ServerConfig withWatchRules(boolean watch) {
        return new ServerConfig(clientListen, originListen, origin, rules, keys, edgeId, advertisedAddress, maxBody, maxEventSize,
                maxQueuedBytes, signatureWindow, replayCapacity, watch, maxClients, fallback, clock, scheduler, replayBudget, bodyDeadline, tls, proxies, admin, redis);
    }

    public ServerConfig withMaxQueuedBytes(int bytes) {
        return new ServerConfig(clientListen, originListen, origin, rules, keys, edgeId, advertisedAddress, maxBody, maxEventSize,
                bytes, signatureWindow, replayCapacity, watchRules, maxClients, fallback, clock, scheduler, replayBudget, bodyDeadline, tls, proxies, admin, redis);
    }

    public ServerConfig withReplayCapacity(int capacity) {
        return new ServerConfig(clientListen, originListen, origin, rules, keys, edgeId, advertisedAddress, maxBody, maxEventSize,
                maxQueuedBytes, signatureWindow, capacity, watchRules, maxClients, fallback, clock, scheduler, replayBudget, bodyDeadline, tls, proxies, admin, redis);
    }

    /** With this clock and scheduler (tests drive time with them). */
    public ServerConfig withTime(InstantSource clock, Scheduler scheduler) {
        return new ServerConfig(clientListen, originListen, origin, rules, keys, edgeId, advertisedAddress, maxBody, maxEventSize,
                maxQueuedBytes, signatureWindow, replayCapacity, watchRules, maxClients, fallback, clock, Optional.of(scheduler),
                replayBudget, bodyDeadline, tls, proxies, admin, redis);
    }

    public ServerConfig withReplayBudget(long bytes) {
        return new ServerConfig(clientListen, originListen, origin, rules, keys, edgeId, advertisedAddress, maxBody, maxEventSize,
                maxQueuedBytes, signatureWindow, replayCapacity, watchRules, maxClients, fallback, clock, scheduler, bytes, bodyDeadline, tls, proxies, admin, redis);
    }

    /** With TLS and HTTP/2 settings for the listeners. */
    public ServerConfig withTls(TlsSettings settings) {
        return new ServerConfig(clientListen, originListen, origin, rules, keys, edgeId, advertisedAddress, maxBody, maxEventSize,
                maxQueuedBytes, signatureWindow, replayCapacity, watchRules, maxClients, fallback, clock, scheduler, replayBudget,
                bodyDeadline, settings, proxies, admin, redis);
    }

    /** With the proxies whose word on the client's address the edge takes. */
    public ServerConfig withProxies(TrustedProxies trusted) {
        return new ServerConfig(clientListen, originListen, origin, rules, keys, edgeId, advertisedAddress, maxBody, maxEventSize,
                maxQueuedBytes, signatureWindow, replayCapacity, watchRules, maxClients, fallback, clock, scheduler, replayBudget,
                bodyDeadline, tls, trusted, admin, redis);
    }

    /** With the authentication of the operators' endpoints ({@code /admin/*}, {@code /metrics}). */
    public ServerConfig withAdmin(AdminAuth auth) {
        return new ServerConfig(clientListen, originListen, origin, rules, keys, edgeId, advertisedAddress, maxBody, maxEventSize,
                maxQueuedBytes, signatureWindow, replayCapacity, watchRules, maxClients, fallback, clock, scheduler, replayBudget,
                bodyDeadline, tls, proxies, auth, redis);
    }

    /** With another edge id (several edges, issue 13: each has its own). */
    public ServerConfig withEdgeId(String id) {
        return new ServerConfig(clientListen, originListen, origin, rules, keys, id, advertisedAddress, maxBody, maxEventSize,
                maxQueuedBytes, signatureWindow, replayCapacity, watchRules, maxClients, fallback, clock, scheduler, replayBudget,
                bodyDeadline, tls, proxies, admin, redis);
    }

    /** With the Redis that several edges share (issue 13). */
    public ServerConfig withRedis(RedisSettings settings) {
        return new ServerConfig(clientListen, originListen, origin, rules, keys, edgeId, advertisedAddress, maxBody, maxEventSize,
                maxQueuedBytes, signatureWindow, replayCapacity, watchRules, maxClients, fallback, clock, scheduler, replayBudget,
                bodyDeadline, tls, proxies, admin, settings);
    }

    /** The origin is a base URL without a path: the protocol paths are signed as sent. */
    static void checkOrigin(URI uri) {
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new IllegalArgumentException("origin must be an http:// or https:// URL: " + uri);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("origin has no host: " + uri);
        }
        String path = uri.getRawPath();
        if (path != null && !path.isEmpty() && !path.equals("/") || uri.getRawQuery() != null) {
            throw new IllegalArgumentException("origin must be http://HOST:PORT without a path or query: " + uri);
        }
    }
}
