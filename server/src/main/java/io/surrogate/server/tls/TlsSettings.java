package io.surrogate.server.tls;

/**
 * TLS and HTTP/2 on the edge's listeners (issue 10). {@link #NONE}: both listeners speak plain
 * HTTP/1.1, as before.
 */
public record TlsSettings() {
    public static final TlsSettings NONE = new TlsSettings();
}
