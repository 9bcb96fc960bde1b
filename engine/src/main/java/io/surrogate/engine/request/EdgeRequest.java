package io.surrogate.engine.request;

import com.google.common.net.InetAddresses;
import java.net.InetAddress;
import java.util.Objects;

/**
 * A client request as the engine sees it: no sockets, no server types. The body is whatever
 * the server read, already bounded by it.
 *
 * @param path the raw path, without the query
 * @param rawQuery the raw query without '?', or ""
 * @param host the Host header without its port, lower case, or ""
 * @param connectionId the server's id of the client connection (for the CONNECTION nonce)
 */
public record EdgeRequest(
        String method,
        String path,
        String rawQuery,
        String host,
        Headers headers,
        byte[] body,
        InetAddress clientAddress,
        int clientPort,
        long connectionId) {

    public EdgeRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        rawQuery = rawQuery == null ? "" : rawQuery;
        host = host == null ? "" : host;
        headers = headers == null ? Headers.EMPTY : headers;
        body = body == null ? new byte[0] : body;
        Objects.requireNonNull(clientAddress, "clientAddress");
    }

    /** Host header value without port, lower-cased; IPv6 literals keep their brackets. */
    public static String hostWithoutPort(String hostHeader) {
        if (hostHeader == null) {
            return "";
        }
        String h = hostHeader.trim();
        int colon = h.lastIndexOf(':');
        if (colon > 0 && h.indexOf(']') < colon && (h.startsWith("[") || h.indexOf(':') == colon)) {
            h = h.substring(0, colon);
        }
        return h.toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * The client address as text in its canonical form (RFC 5952 for IPv6: {@code 2001:db8::7},
     * not Java's {@code 2001:db8:0:0:0:0:0:7}), so rules can compare it with what operators write.
     */
    public String clientIp() {
        return InetAddresses.toAddrString(clientAddress);
    }

    public String contentType() {
        String ct = headers.first("Content-Type");
        return ct == null ? "" : ct;
    }

    @Override
    public String toString() {
        return method + " " + path + (rawQuery.isEmpty() ? "" : "?" + rawQuery) + " from "
                + clientIp() + ":" + clientPort;
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
