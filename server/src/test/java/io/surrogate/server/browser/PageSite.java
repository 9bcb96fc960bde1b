package io.surrogate.server.browser;

import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.util.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;

/**
 * A web page's own origin, apart from the edge: a plain Undertow on a loopback port serving
 * harness.html at {@code /}. Its origin, {@code http://127.0.0.1:PORT}, is what the page's
 * EventSources send as {@code Origin}; cookies are the host's, shared with the edge on
 * another port of 127.0.0.1 (cookies do not look at ports), so the page can sign its user in.
 */
final class PageSite implements AutoCloseable {
    private final Undertow server;
    private final String scheme;
    private final int port;

    private PageSite(Undertow server, String scheme, int port) {
        this.server = server;
        this.scheme = scheme;
        this.port = port;
    }

    static PageSite start() {
        Undertow server = Undertow.builder().setIoThreads(1).setWorkerThreads(1).addHttpListener(0, "127.0.0.1")
                .setHandler(harness()).build();
        server.start();
        int port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
        return new PageSite(server, "http", port);
    }

    /** Serves harness.html at {@code /}, 404 elsewhere: for this site, or as an edge's fallback (the page on the edge's own origin). */
    static HttpHandler harness() {
        byte[] page;
        try (InputStream in = PageSite.class.getResourceAsStream("harness.html")) {
            if (in == null) {
                throw new IllegalStateException("harness.html is missing from the test classpath");
            }
            page = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return exchange -> {
            if (!exchange.getRequestPath().equals("/")) {
                exchange.setStatusCode(404);
                exchange.endExchange();
                return;
            }
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/html; charset=utf-8");
            exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
            exchange.getResponseSender().send(ByteBuffer.wrap(page));
        };
    }

    /** The page's origin, as its EventSources send it. */
    String origin() {
        return scheme + "://127.0.0.1:" + port;
    }

    URI page() {
        return URI.create(origin() + "/");
    }

    @Override
    public void close() {
        server.stop();
    }
}
