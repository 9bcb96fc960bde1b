package io.surrogate.server.upstream;

import io.surrogate.engine.Decision;
import io.surrogate.engine.OriginRequest;
import io.undertow.client.ClientRequest;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import java.net.URI;
import java.util.Locale;

/**
 * What goes on the wire to the origin: the checks that a request can be sent at all, and the
 * request line and headers Undertow's client writes. The client sets {@code Host} (the URL's
 * host, and its port unless it is the scheme's default) and {@code Content-Length}, which the
 * signature does not cover; the engine's own values of those and of {@code Connection} are not
 * sent.
 */
final class OutgoingHeaders {
    private OutgoingHeaders() {}

    /** Why a request cannot be sent to {@code uri} at all (null when it can): a scheme other than http or https, no host, or a header that would break the request. */
    static String refusal(URI uri, OriginRequest request) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return "only http:// and https:// origins are supported";
        }
        if (uri.getHost() == null) {
            return "no host in the origin URL";
        }
        return invalidHeader(request);
    }

    /** Why the request's headers cannot be sent (null when they can): a name that is not an HTTP token, or a value with CR, LF or NUL. */
    static String invalidHeader(OriginRequest request) {
        for (Decision.HeaderField h : request.headers()) {
            if (!token(h.name()) || !fieldValue(h.value())) {
                return "header " + h.name() + " is not a valid HTTP header";
            }
        }
        return null;
    }

    private static boolean token(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean fieldValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                return false;
            }
        }
        return true;
    }

    /** A new request each attempt: Undertow's client may add to the headers it sends. */
    static ClientRequest clientRequest(OriginCall call) {
        ClientRequest r = new ClientRequest().setMethod(Methods.fromString(call.method())).setPath(call.path);
        HeaderMap h = r.getRequestHeaders();
        for (Decision.HeaderField f : call.headers()) {
            String name = f.name();
            if (!name.equalsIgnoreCase("host") && !name.equalsIgnoreCase("content-length") && !name.equalsIgnoreCase("connection")) {
                h.add(HttpString.tryFromString(name), f.value());
            }
        }
        h.put(Headers.HOST, call.host);
        h.put(Headers.CONTENT_LENGTH, call.body().length);
        return r;
    }
}
