package io.surrogate.engine;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * A request the edge sends to the origin ({@code /subscribe-event}, {@code /unsubscribe-event}),
 * built by the engine so that the dry run shows exactly what the server sends.
 *
 * @param origin the rule's origin base URL, or empty for the server's configured origin
 * @param path the path on the origin, including the origin URL's own path prefix
 */
public record OriginRequest(Optional<String> origin, String method, String path, List<Decision.HeaderField> headers, byte[] body) {

    public OriginRequest {
        headers = List.copyOf(headers);
        body = body.clone();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    public String header(String name) {
        for (Decision.HeaderField h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                return h.value();
            }
        }
        return null;
    }

    /** The request as HTTP/1.1 text; an empty header value is written {@code Name:}, without a trailing space. */
    public String render() {
        StringBuilder out = new StringBuilder();
        out.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
        for (Decision.HeaderField h : headers) {
            out.append(h.name()).append(h.value().isEmpty() ? ":" : ": ").append(h.value()).append("\r\n");
        }
        out.append("\r\n");
        out.append(new String(body, StandardCharsets.UTF_8));
        return out.toString();
    }
}
