package io.surrogate.cli;

import io.surrogate.engine.match.ClientIpMatcher;
import io.surrogate.server.EdgeServer;
import io.surrogate.server.Logging;
import io.surrogate.server.ServerConfig;
import io.surrogate.server.cluster.RedisSettings;
import io.surrogate.server.http.AdminAuth;
import java.io.IOException;
import io.surrogate.server.tls.PemPair;
import io.surrogate.server.tls.PemReader;
import io.surrogate.server.tls.TlsSettings;
import io.surrogate.server.http.TrustedProxies;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code surrogate serve}: the edge, until interrupted. */
@Command(name = "serve",
        description = {"Run the edge: hold clients for the origin, per the rules.",
                "Logs go to stderr, one logfmt line each. Stop it with Ctrl-C (SIGINT or SIGTERM): held clients "
                        + "are closed and the origin is told."},
        mixinStandardHelpOptions = true,
        footer = {"", "Examples:",
                "  surrogate keys generate ywewu238347i3u --keys keys",
                "  surrogate keys generate origin --type hmac --keys keys",
                "  surrogate serve --rules sample-rules/mail --origin http://127.0.0.1:8000 --keys keys"})
final class ServeCommand implements Callable<Integer> {
    /** Where {@code serve} listens for origins by default: the address its tokens name unless --advertise says otherwise. */
    static final String DEFAULT_ORIGIN_LISTEN = "127.0.0.1:9090";

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--rules", required = true, paramLabel = "PATH", description = "A rule file or a directory of them (one rule set; a directory of rule-set directories is refused).")
    Path rules;

    @Option(names = "--origin", paramLabel = "URL", description = "The origin, http://HOST:PORT, for rules without an <origin>.")
    URI origin;

    @Option(names = "--keys", required = true, paramLabel = "DIR", description = "The keyring directory (see 'surrogate keys').")
    Path keys;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8080",
            description = "The client-side listener (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--origin-listen", paramLabel = "HOST:PORT", defaultValue = DEFAULT_ORIGIN_LISTEN,
            description = "The origin-side listener: /deliver-event, /metrics, /healthz, /readyz, /admin/reload (default: ${DEFAULT-VALUE}).")
    String originListen;

    @Option(names = "--edge-id", paramLabel = "ID", defaultValue = "edge-1", description = "This edge's id in its tokens (default: ${DEFAULT-VALUE}).")
    String edgeId;

    @Option(names = "--advertise", paramLabel = "HOST:PORT",
            description = "The origin-side address tokens give for this edge (default: the bound one).")
    String advertise;

    @Option(names = "--max-body", paramLabel = "BYTES", defaultValue = "65536", description = "Largest client request body (default: ${DEFAULT-VALUE}).")
    int maxBody;

    @Option(names = "--max-event-size", paramLabel = "BYTES", defaultValue = "65536", description = "Largest delivery body (default: ${DEFAULT-VALUE}).")
    int maxEventSize;

    @Option(names = "--max-queued-bytes", paramLabel = "BYTES", defaultValue = "262144",
            description = "Bytes queued for one slow client before it is disconnected (default: ${DEFAULT-VALUE}).")
    int maxQueuedBytes;

    @Option(names = "--signature-window", paramLabel = "SECONDS", defaultValue = "300",
            description = "How far a delivery's signature time may be from the edge's clock (default: ${DEFAULT-VALUE}).")
    long signatureWindow;

    @Option(names = "--replay-capacity", paramLabel = "N", defaultValue = "1000000",
            description = "Delivery nonces remembered against replays; when full, deliveries get 503 (default: ${DEFAULT-VALUE}).")
    int replayCapacity;

    @Option(names = "--max-clients", paramLabel = "N", defaultValue = "0",
            description = "Client connections before new ones get 503 (default: the open-file limit less 214).")
    int maxClients;

    @Option(names = "--no-watch", description = "Do not reload the rules when their files change (POST /admin/reload still does).")
    boolean noWatch;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "INFO", description = "debug, info, warn or error (or SEVERE, WARNING, INFO, FINE) (default: ${DEFAULT-VALUE}).")
    String logLevel;

    @Option(names = "--admin-token-file", paramLabel = "FILE",
            description = "Require 'Authorization: Bearer TOKEN' on /metrics and /admin/*, TOKEN being the file's first line (at least 16 characters).")
    Path adminTokenFile;
    // tls: issue 10 — TLS and HTTP/2 on the listeners (docs/operations.md, "TLS and HTTP/2")
    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "PEM certificate chain (leaf first) for the client listener: HTTPS with HTTP/2 by ALPN; re-read when it changes.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM private key (PKCS#8, RSA or EC, unencrypted) of --tls-cert.")
    Path tlsKey;

    @Option(names = "--origin-tls-cert", paramLabel = "FILE", description = "PEM certificate chain for the origin-side listener.")
    Path originTlsCert;

    @Option(names = "--origin-tls-key", paramLabel = "FILE", description = "PEM private key of --origin-tls-cert.")
    Path originTlsKey;

    @Option(names = "--no-h2c", description = "No HTTP/2 without TLS (prior knowledge or Upgrade: h2c) on a plain listener.")
    boolean noH2c;

    /** The TLS settings from the options; IllegalArgumentException (a usage error) when a pair is incomplete or does not load. */
    private TlsSettings tls() {
        TlsSettings tls = TlsSettings.NONE.withH2c(!noH2c);
        PemPair client = pair("--tls-cert", tlsCert, "--tls-key", tlsKey);
        if (client != null) {
            tls = tls.withClient(client);
        }
        PemPair originSide = pair("--origin-tls-cert", originTlsCert, "--origin-tls-key", originTlsKey);
        if (originSide != null) {
            tls = tls.withOriginSide(originSide);
        }
        return tls;
    }

    /** A pair read and checked now, or null when neither file is given. */
    private static PemPair pair(String certOption, Path cert, String keyOption, Path key) {
        if (cert == null && key == null) {
            return null;
        }
        if (cert == null || key == null) {
            throw new IllegalArgumentException((cert == null ? certOption : keyOption) + " is missing: " + certOption + " and "
                    + keyOption + " go together");
        }
        PemPair pair = new PemPair(cert, key);
        try {
            pair.load();
            return pair;
        } catch (PemReader.Unreadable e) {
            throw new IllegalArgumentException(certOption + "/" + keyOption + ": " + e.getMessage(), e);
        }
    }

    // issue 11: trusted proxies (see operations.md, "Behind a proxy")
    @Option(names = "--trusted-proxy", paramLabel = "CIDR",
            description = "A proxy whose word on the client's address is taken (X-Forwarded-For or Forwarded): an address or block, "
                    + "IPv4 or IPv6; repeat it or separate blocks with commas. None by default.")
    List<String> trustedProxies = List.of();

    @Option(names = "--forwarded-header", paramLabel = "NAME", defaultValue = "x-forwarded-for",
            description = "The header the trusted proxies write: x-forwarded-for or forwarded (RFC 7239) (default: ${DEFAULT-VALUE}).")
    String forwardedHeader;

    @Option(names = "--proxy-protocol", description = "The client listener requires the PROXY protocol (v1 or v2) on every connection.")
    boolean proxyProtocol;
    // issue 13: several edges on one Redis (docs/operations.md, "Several edges")
    @Option(names = "--redis", paramLabel = "URL",
            description = "Share deliveries, replays and history with the other edges on this Redis: redis://HOST:PORT, or some nodes "
                    + "of a Redis Cluster separated by commas (rediss:// for TLS). None by default: this edge is alone.")
    String redis;

    @Option(names = "--redis-timeout", paramLabel = "MILLIS", defaultValue = "1000",
            description = "How long the edge waits for one Redis answer before it counts as failed (default: ${DEFAULT-VALUE}).")
    long redisTimeoutMillis;

    @Option(names = "--redis-replay-fallback", paramLabel = "MODE", defaultValue = "refuse",
            description = "When Redis cannot check a delivery's nonce: refuse (503, retryable) or local (this edge's own set only: "
                    + "a replay posted to another edge meanwhile is not caught) (default: ${DEFAULT-VALUE}).")
    String redisReplayFallback;

    @Option(names = "--foreign-token", paramLabel = "MODE", defaultValue = "pass",
            description = "A unicast for a subscription another edge holds: pass (this edge passes it on and answers with that edge's "
                    + "result) or redirect (421 with X-Event-Edge, as an edge alone does) (default: ${DEFAULT-VALUE}).")
    String foreignToken;

    @Option(names = "--history", paramLabel = "N", defaultValue = "100",
            description = "With --redis: events kept per subscription for a client that comes back at another edge (default: ${DEFAULT-VALUE}).")
    int historyCount;

    @Option(names = "--history-age", paramLabel = "SECONDS", defaultValue = "600",
            description = "With --redis: how long those events are kept (default: ${DEFAULT-VALUE}).")
    long historyAgeSeconds;

    @Option(names = "--orphan-grace", paramLabel = "SECONDS", defaultValue = "30",
            description = "With --redis: how long the clients of a dead edge have to come back at another edge before a surviving "
                    + "edge unsubscribes them at the origin (default: ${DEFAULT-VALUE}).")
    long orphanGraceSeconds;

    /** The Redis settings from the options; IllegalArgumentException (a usage error) when one is wrong. */
    private RedisSettings redisSettings() {
        if (redis == null) {
            return RedisSettings.NONE;
        }
        if (!redisReplayFallback.equals("refuse") && !redisReplayFallback.equals("local")) {
            throw new IllegalArgumentException("--redis-replay-fallback: refuse or local, not " + redisReplayFallback);
        }
        if (!foreignToken.equals("pass") && !foreignToken.equals("redirect")) {
            throw new IllegalArgumentException("--foreign-token: pass or redirect, not " + foreignToken);
        }
        if (redisTimeoutMillis < 1 || redisTimeoutMillis > 60_000) {
            throw new IllegalArgumentException("--redis-timeout: 1 to 60000 milliseconds, not " + redisTimeoutMillis);
        }
        if (historyAgeSeconds < 1 || historyAgeSeconds > 86_400) {
            throw new IllegalArgumentException("--history-age: 1 to 86400 seconds, not " + historyAgeSeconds);
        }
        if (orphanGraceSeconds < 0 || orphanGraceSeconds > 86_400) {
            throw new IllegalArgumentException("--orphan-grace: 0 to 86400 seconds, not " + orphanGraceSeconds);
        }
        try {
            return RedisSettings.of(RedisSettings.parseSeeds(redis))
                    .withCommandTimeout(Duration.ofMillis(redisTimeoutMillis))
                    .withReplayFallbackLocal(redisReplayFallback.equals("local"))
                    .withRedirectForeign(foreignToken.equals("redirect"))
                    .withHistory(historyCount, Duration.ofSeconds(historyAgeSeconds))
                    .withDirectory(RedisSettings.DEFAULT_DIRECTORY_TTL, Duration.ofSeconds(orphanGraceSeconds));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().startsWith("--") ? e.getMessage() : "--history: " + e.getMessage(), e);
        }
    }

    /** The option that names the config file; every other option may be set there or in a SURROGATE_* variable (ConfigDefaults). */
    static final String CONFIG_OPTION = "--config";

    @Option(names = CONFIG_OPTION, paramLabel = "FILE",
            description = "A TOML config file setting any other option as key = value (--max-body is max-body = 65536). "
                    + "The command line overrides SURROGATE_* environment variables (SURROGATE_MAX_BODY), which override the file "
                    + "(default: $SURROGATE_CONFIG, else none).")
    Path config;

    @Override
    public Integer call() throws Exception {
        Optional<Level> parsed = Logging.level(logLevel);
        if (parsed.isEmpty()) {
            return usage("--log-level: not a level: " + logLevel + " (debug, info, warn or error)");
        }
        Level level = parsed.get();
        if (!Files.isDirectory(keys)) {
            return usage("--keys: not a directory: " + keys + " (create one with 'surrogate keys generate NAME --keys " + keys + "')");
        }
        if (!Files.exists(rules)) {
            return usage("--rules: no such file or directory: " + rules);
        }
        String notOne = RuleSetLoader.notOneRuleSet(rules, "serve");
        if (notOne != null) {
            return usage("--rules: " + notOne);
        }
        ServerConfig config;
        try {
            config = new ServerConfig(address(listen, "--listen"), address(originListen, "--origin-listen"), Optional.ofNullable(origin),
                    List.of(rules), keys, edgeId, Optional.ofNullable(advertise), maxBody, maxEventSize, maxQueuedBytes,
                    Duration.ofSeconds(signatureWindow), replayCapacity, !noWatch, maxClients, Optional.empty())
                    .withProxies(proxies()).withTls(tls()).withRedis(redisSettings());
        } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        }
        if (adminTokenFile != null) {
            try {
                config = config.withAdmin(AdminAuth.fromFile(adminTokenFile));
            } catch (IOException e) {
                return usage("--admin-token-file: " + e.getMessage());
            }
        }
        Logging.install(level, System.err);
        EdgeServer server;
        try {
            server = EdgeServer.start(config);
        } catch (EdgeServer.StartException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return SurrogateCommand.EXIT_ERRORS;
        }
        spec.commandLine().getOut().println("surrogate: clients on " + (tlsCert != null ? "https://" : "http://")
                + hostPort(server.clientAddress()) + ", origin side on " + (originTlsCert != null ? "https://" : "http://")
                + hostPort(server.originAddress()) + "; Ctrl-C stops");
        awaitShutdown(spec.commandLine().getOut(), server);
        return 0;
    }

    /**
     * Blocks until SIGINT/SIGTERM, then closes the server and says so on {@code out} (not in the
     * log: java.util.logging closes its handlers in a shutdown hook of its own).
     */
    static void awaitShutdown(java.io.PrintWriter out, AutoCloseable... closeables) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "surrogate-shutdown"));
        stop.await();
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("surrogate: while stopping: " + e);
            }
        }
        out.println("surrogate: stopped");
        out.flush();
        done.countDown();
    }

    static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    static InetSocketAddress address(String text, String option) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException(option + ": expected HOST:PORT, got " + text);
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": not a port: " + text.substring(colon + 1));
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(option + ": port out of range: " + port);
        }
        return new InetSocketAddress(host.isEmpty() ? "0.0.0.0" : host, port);
    }

    /** The trusted proxies of --trusted-proxy, --forwarded-header and --proxy-protocol. */
    private TrustedProxies proxies() {
        List<ClientIpMatcher.Cidr> blocks = new ArrayList<>();
        for (String option : trustedProxies) {
            for (String block : option.split(",", -1)) {
                try {
                    blocks.add(TrustedProxies.block(block));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--trusted-proxy: " + e.getMessage());
                }
            }
        }
        TrustedProxies.Header header = TrustedProxies.Header.byOption(forwardedHeader).orElseThrow(() -> new IllegalArgumentException(
                "--forwarded-header: '" + forwardedHeader + "' is not a header the edge reads; write x-forwarded-for or forwarded"));
        return new TrustedProxies(blocks, header, proxyProtocol);
    }

    private int usage(String message) {
        spec.commandLine().getErr().println("error: " + message);
        spec.commandLine().getErr().println("try 'surrogate serve --help'");
        return SurrogateCommand.EXIT_USAGE;
    }
}
