package io.surrogate.server.http;

import io.surrogate.engine.request.EdgeRequest;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import java.net.InetSocketAddress;

/** Turns an Undertow exchange into the engine's {@link EdgeRequest}. */
final class EdgeRequests {
    private EdgeRequests() {}

    static EdgeRequest of(HttpServerExchange exchange, byte[] body, long connectionNumber) {
        String uri = exchange.getRequestURI();
        if (exchange.isHostIncludedInRequestURI()) {
            int authority = uri.indexOf("//");
            int slash = authority < 0 ? -1 : uri.indexOf('/', authority + 2);
            uri = slash < 0 ? "/" : uri.substring(slash);
        }
        io.surrogate.engine.request.Headers.Builder headers = io.surrogate.engine.request.Headers.builder();
        for (HeaderValues values : exchange.getRequestHeaders()) {
            String name = values.getHeaderName().toString();
            for (String v : values) {
                headers.addFromWire(name, v);
            }
        }
        // the client: the socket's peer, or whom a trusted proxy named (ClientAddress set it before the guard ran);
        // port 0 when the proxy named none. The rules' client.ip, client-port and the PORT nonce read these.
        InetSocketAddress source = exchange.getSourceAddress();
        return new EdgeRequest(exchange.getRequestMethod().toString(), uri, exchange.getQueryString(),
                EdgeRequest.hostWithoutPort(exchange.getRequestHeaders().getFirst(Headers.HOST)), headers.build(), body,
                source.getAddress(), source.getPort(), connectionNumber);
    }
}
