package io.surrogate.server.browser;

import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.engine.token.TinkKeys;
import io.surrogate.server.EdgeServer;
import io.surrogate.server.ServerConfig;
import io.surrogate.server.origin.SampleOrigin;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.stream.Stream;

/**
 * A real edge and a real origin on loopback for the browser tests, running the EventSource
 * rule of sample-rules/inbox as it ships (the demo's copy on the classpath), with only its
 * {@code allow-origin} list replaced by the test pages' origins. Fresh keys in a temporary
 * directory; {@link #restart()} stops the edge and starts another on the same ports with the
 * same keys, as an operator's restart does.
 */
final class BrowserEdge implements AutoCloseable {
    static final String TOKEN_KEY = "ywewu238347i3u";
    static final String ORIGIN_KEY = "origin";

    private final Path work;
    private final SampleOrigin origin;
    private final ServerConfig config;
    private EdgeServer edge;

    private BrowserEdge(Path work, SampleOrigin origin, ServerConfig config, EdgeServer edge) {
        this.work = work;
        this.origin = origin;
        this.config = config;
        this.edge = edge;
    }

    /** The inbox rule with {@code allowedOrigins} (space-separated) as its CORS list. */
    static BrowserEdge start(String allowedOrigins) throws Exception {
        return start(allowedOrigins, config -> config);
    }

    /** The same, with the edge's configuration changed by {@code adjust} (TLS, for one). */
    static BrowserEdge start(String allowedOrigins, UnaryOperator<ServerConfig> adjust) throws Exception {
        Path work = Files.createTempDirectory("surrogate-browser-");
        Path keys = Files.createDirectory(work.resolve("keys"));
        Path rules = Files.createDirectory(work.resolve("rules"));
        Files.writeString(rules.resolve("inbox.xml"), inboxRule(allowedOrigins));
        Keyring.write(keys, TOKEN_KEY, TinkKeys.generate(KeyPurpose.TOKEN));
        Keyring.write(keys, ORIGIN_KEY, TinkKeys.generate(KeyPurpose.HMAC));
        NamedKey originKey = Keyring.open(keys).find(ORIGIN_KEY).orElseThrow();
        SampleOrigin origin = new SampleOrigin(new InetSocketAddress("127.0.0.1", 0), TinkKeys.hmacSecret(originKey), null).start();
        try {
            ServerConfig config = adjust.apply(ServerConfig.loopback(List.of(rules), keys, Optional.of(origin.baseUri()))
                    .withWatchRules(false));
            EdgeServer edge = EdgeServer.start(config);
            InetSocketAddress originSide = edge.originAddress();
            origin.setEdge(URI.create("http://" + originSide.getHostString() + ":" + originSide.getPort()));
            return new BrowserEdge(work, origin, config, edge);
        } catch (Exception | Error e) {
            origin.close();
            delete(work);
            throw e;
        }
    }

    /** sample-rules/inbox/inbox.xml as the demo ships it, its CORS list replaced. */
    static String inboxRule(String allowedOrigins) throws IOException {
        String rule;
        try (InputStream in = BrowserEdge.class.getResourceAsStream("/io/surrogate/server/demo/inbox.xml")) {
            if (in == null) {
                throw new IllegalStateException("inbox.xml (sample-rules/inbox) is missing from the classpath");
            }
            rule = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String replaced = rule.replaceFirst("allow-origin=\"[^\"]*\"", Matcher.quoteReplacement("allow-origin=\"" + allowedOrigins + "\""));
        if (replaced.equals(rule)) {
            throw new IllegalStateException("inbox.xml has no allow-origin to replace");
        }
        return replaced;
    }

    SampleOrigin origin() {
        return origin;
    }

    synchronized EdgeServer edge() {
        return edge;
    }

    /** The client listener as {@code scheme://127.0.0.1:PORT}. */
    String url(String scheme) {
        return scheme + "://127.0.0.1:" + edge().clientAddress().getPort();
    }

    /** Stops the edge (every held connection closes) and starts a new one on the same ports and keys. */
    synchronized void restart() throws EdgeServer.StartException {
        InetSocketAddress client = edge.clientAddress();
        InetSocketAddress originSide = edge.originAddress();
        edge.close();
        edge = EdgeServer.start(new ServerConfig(client, originSide, config.origin(), config.rules(), config.keys(), config.edgeId(),
                config.advertisedAddress(), config.maxBody(), config.maxEventSize(), config.maxQueuedBytes(), config.signatureWindow(),
                config.replayCapacity(), config.watchRules(), config.maxClients(), config.fallback(), config.clock(), config.scheduler(),
                config.replayBudget(), config.bodyDeadline(), config.tls(), config.proxies(), config.admin(), config.redis()));
    }

    @Override
    public void close() throws IOException {
        try {
            edge().close();
        } finally {
            origin.close();
            delete(work);
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
