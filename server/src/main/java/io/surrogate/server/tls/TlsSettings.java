package io.surrogate.server.tls;

import java.util.Objects;
import java.util.Optional;

/**
 * TLS and HTTP/2 on the edge's listeners (docs/operations.md, "TLS and HTTP/2"). A listener with
 * a {@link PemPair} speaks TLS 1.2 and 1.3 and offers HTTP/2 by ALPN beside HTTP/1.1; a
 * listener without one speaks plain HTTP/1.1 and, when {@code h2c} is on, HTTP/2 without TLS
 * (prior knowledge or {@code Upgrade: h2c}), for a proxy in front of the edge.
 *
 * @param client the client listener's certificate and key; empty: plain
 * @param originSide the origin-side listener's certificate and key; empty: plain
 * @param h2c HTTP/2 without TLS on the plain listeners
 */
public record TlsSettings(Optional<PemPair> client, Optional<PemPair> originSide, boolean h2c) {
    /** No TLS on either listener; h2c on (it changes nothing for an HTTP/1.1 client). */
    public static final TlsSettings NONE = new TlsSettings(Optional.empty(), Optional.empty(), true);

    public TlsSettings {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(originSide, "originSide");
    }

    public TlsSettings withClient(PemPair pair) {
        return new TlsSettings(Optional.of(pair), originSide, h2c);
    }

    public TlsSettings withOriginSide(PemPair pair) {
        return new TlsSettings(client, Optional.of(pair), h2c);
    }

    public TlsSettings withH2c(boolean on) {
        return new TlsSettings(client, originSide, on);
    }
}
