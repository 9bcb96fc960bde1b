package io.surrogate.server.transport;

import io.surrogate.engine.Decision;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.net.InetSocketAddress;
import java.util.List;

/** The plain answers every part of the edge gives: a short text body, the rule's response headers. */
public final class Responses {
    private Responses() {}

    public static void text(HttpServerExchange exchange, int status, String body) {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
        exchange.getResponseSender().send(body);
    }

    public static void headers(HttpServerExchange exchange, List<Decision.HeaderField> fields) {
        for (Decision.HeaderField h : fields) {
            exchange.getResponseHeaders().add(new HttpString(h.name()), h.value());
        }
    }

    /** The client's address for a log line: {@code IP:PORT}. */
    public static String client(HttpServerExchange exchange) {
        InetSocketAddress a = exchange.getSourceAddress();
        return a == null ? "?" : a.getAddress().getHostAddress() + ":" + a.getPort();
    }
}
