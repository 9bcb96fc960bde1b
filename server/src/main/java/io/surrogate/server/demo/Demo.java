package io.surrogate.server.demo;

import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.engine.token.TinkKeys;
import io.surrogate.server.EdgeServer;
import io.surrogate.server.ServerConfig;
import io.surrogate.server.origin.SampleOrigin;
import io.surrogate.server.tls.CertifiedKey;
import io.surrogate.server.tls.PemPair;
import io.surrogate.server.tls.SelfSigned;
import io.surrogate.server.tls.TlsSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code surrogate demo}: the edge with the mail rules of the design (the talk's own rule
 * file) and the EventSource rule beside them (sample-rules/inbox), a sample origin that
 * accepts every subscription and sends "You've got mail!" on a timer and on a button, and
 * the page that opens an EventSource. The page can restart the edge (same ports, same keys)
 * to show what a browser does then. Keys are generated fresh into a private temporary
 * directory and deleted on close; everything listens on loopback.
 */
public final class Demo implements AutoCloseable {
    /** The token key the mail rules name, and the origin key they use by default. */
    static final String TOKEN_KEY = "ywewu238347i3u";
    static final String ORIGIN_KEY = "origin";

    private final Path work;
    private final SampleOrigin origin;
    private final DemoSite site;
    private final String fingerprint;
    private final ServerConfig config;
    private EdgeServer edge;

    private Demo(Path work, SampleOrigin origin, EdgeServer edge, DemoSite site, String fingerprint, ServerConfig config) {
        this.site = site;
        this.fingerprint = fingerprint;
        this.work = work;
        this.origin = origin;
        this.edge = edge;
        this.config = config;
    }

    /**
     * Starts the demo with the page on {@code port} of 127.0.0.1 (0: any free port) and mail
     * sent every {@code period}.
     */
    public static Demo start(int port, Duration period) throws IOException, EdgeServer.StartException {
        return start(port, 0, period);
    }

    /**
     * As {@link #start(int, Duration)}, with the page also over HTTPS on {@code tlsPort} (0: any
     * free port), with a throwaway certificate for localhost and 127.0.0.1 made now.
     */
    public static Demo start(int port, int tlsPort, Duration period) throws IOException, EdgeServer.StartException {
        Path work = Files.createTempDirectory("surrogate-demo-");
        SampleOrigin origin = null;
        try {
            Path keys = Files.createDirectory(work.resolve("keys"));
            Path rules = Files.createDirectory(work.resolve("rules"));
            for (String file : List.of("mail.xml", "inbox.xml")) {
                try (InputStream in = Demo.class.getResourceAsStream(file)) {
                    if (in == null) {
                        throw new IOException("the demo's " + file + " is missing from the jar");
                    }
                    Files.copy(in, rules.resolve(file));
                }
            }
            Keyring.write(keys, TOKEN_KEY, TinkKeys.generate(KeyPurpose.TOKEN));
            Keyring.write(keys, ORIGIN_KEY, TinkKeys.generate(KeyPurpose.HMAC));
            NamedKey originKey = Keyring.open(keys).find(ORIGIN_KEY).orElseThrow();
            origin = new SampleOrigin(new InetSocketAddress("127.0.0.1", 0), TinkKeys.hmacSecret(originKey), null).start();
            // the page's subscriptions (inbox.xml) are repeatable: the origin keeps a token after a
            // delivery; a spent one-shot token of mail.xml is forgotten at its next 404 no-subscriber
            origin.setOneShot(false);
            DemoSite site = new DemoSite(origin);
            ServerConfig loopback = ServerConfig.loopback(List.of(rules), keys, Optional.of(origin.baseUri()));
            ServerConfig config = new ServerConfig(new InetSocketAddress("127.0.0.1", port), loopback.originListen(), loopback.origin(),
                    loopback.rules(), keys, "demo-edge", Optional.empty(), loopback.maxBody(), loopback.maxEventSize(),
                    loopback.maxQueuedBytes(), loopback.signatureWindow(), loopback.replayCapacity(), false, 0, Optional.of(site));
            // tls: issue 10 — a throwaway certificate, in the temporary directory deleted on close
            Path tls = Files.createDirectory(work.resolve("tls"));
            CertifiedKey certificate = SelfSigned.localhost(Instant.now(), Duration.ofDays(7));
            PemPair pair = SelfSigned.write(certificate, tls.resolve("demo.crt"), tls.resolve("demo.key"));
            config = config.withTls(TlsSettings.NONE.withClientAlsoOverTls(pair, new InetSocketAddress("127.0.0.1", tlsPort)));
            EdgeServer edge = EdgeServer.start(config);
            InetSocketAddress originSide = edge.originAddress();
            origin.setEdge(URI.create("http://" + originSide.getHostString() + ":" + originSide.getPort()));
            origin.startMailTimer(period);
            Demo demo = new Demo(work, origin, edge, site, certificate.fingerprint(), config);
            site.onRestart(demo::restartEdge);
            return demo;
        } catch (IOException | EdgeServer.StartException | RuntimeException e) {
            if (origin != null) {
                origin.close();
            }
            delete(work);
            throw e;
        } catch (GeneralSecurityException e) {
            if (origin != null) {
                origin.close();
            }
            delete(work);
            throw new IOException("Tink cannot generate the demo's keys", e);
        }
    }

    /** The page to open. */
    public URI page() {
        InetSocketAddress a = edge().clientAddress();
        return URI.create("http://" + a.getHostString() + ":" + a.getPort() + "/");
    }

    /** The page over HTTPS (HTTP/2 by ALPN), with the demo's self-signed certificate. */
    public synchronized URI securePage() {
        InetSocketAddress a = edge.clientTlsAddress().orElseThrow();
        return URI.create("https://" + a.getHostString() + ":" + a.getPort() + "/");
    }

    /** The SHA-256 fingerprint of the demo's certificate, to compare with what a browser shows. */
    public String fingerprint() {
        return fingerprint;
    }

    public synchronized EdgeServer edge() {
        return edge;
    }

    /**
     * Stops the edge and starts a new one on the same addresses with the same keys and rules,
     * as an operator's restart would: every held connection is closed, the subscriptions the
     * edge held are forgotten (the origin is told), and the browsers reconnect by themselves.
     */
    public synchronized void restartEdge() throws EdgeServer.StartException {
        InetSocketAddress client = edge.clientAddress();
        InetSocketAddress originSide = edge.originAddress();
        // the https:// listener too comes back where the pages know it, even when it was given port 0
        TlsSettings tls = new TlsSettings(config.tls().client(), config.tls().originSide(), config.tls().h2c(),
                edge.clientTlsAddress().or(() -> config.tls().clientTlsListen()));
        edge.close();
        edge = EdgeServer.start(new ServerConfig(client, originSide, config.origin(), config.rules(), config.keys(), config.edgeId(),
                config.advertisedAddress(), config.maxBody(), config.maxEventSize(), config.maxQueuedBytes(), config.signatureWindow(),
                config.replayCapacity(), config.watchRules(), config.maxClients(), config.fallback(), config.clock(), config.scheduler(),
                config.replayBudget(), config.bodyDeadline(), tls, config.proxies(), config.admin(), config.redis()));
    }

    public SampleOrigin origin() {
        return origin;
    }

    @Override
    public void close() {
        origin.stopMailTimer();
        edge().close();
        site.close();
        origin.close();
        delete(work);
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the demo's temporary directory " + dir, e);
        }
    }
}
