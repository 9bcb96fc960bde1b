package io.surrogate.server.tls;

import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Sequence;

/**
 * Builds one listener of the edge: TLS 1.2/1.3 with HTTP/2 by ALPN when it has a key manager,
 * plain HTTP/1.1 (and h2c, by the server-wide {@code ENABLE_HTTP2}) when not.
 */
public final class EdgeListeners {
    /** The TLS versions offered; nothing older. */
    public static final Sequence<String> PROTOCOLS = Sequence.of("TLSv1.3", "TLSv1.2");
    /**
     * Streams one HTTP/2 connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS): the
     * edge counts connections against its capacity, so this bounds what one counted connection holds.
     */
    public static final int MAX_STREAMS_PER_CONNECTION = 256;

    private EdgeListeners() {}

    /** The listener at {@code at}: HTTPS when {@code keys} is present, else plain HTTP. */
    public static Undertow.ListenerBuilder listener(InetSocketAddress at, Optional<ReloadingKeyManager> keys, HttpHandler handler) {
        Undertow.ListenerBuilder b = new Undertow.ListenerBuilder().setPort(at.getPort()).setHost(at.getHostString())
                .setRootHandler(handler);
        if (keys.isEmpty()) {
            return b.setType(Undertow.ListenerType.HTTP);
        }
        return b.setType(Undertow.ListenerType.HTTPS).setSslContext(context(keys.get())).setHttp2Enabled(true)
                .setOverrideSocketOptions(OptionMap.create(Options.SSL_ENABLED_PROTOCOLS, PROTOCOLS));
    }

    static SSLContext context(ReloadingKeyManager keys) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {keys}, null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no TLS", e);
        }
    }
}
