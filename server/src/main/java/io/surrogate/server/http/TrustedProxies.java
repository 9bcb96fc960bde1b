package io.surrogate.server.http;

/**
 * The peers whose word on the client's real address the edge takes (issue 11). {@link #NONE}:
 * nobody's; the client is the socket's peer.
 */
public record TrustedProxies() {
    public static final TrustedProxies NONE = new TrustedProxies();
}
