package io.surrogate.server.guard;

import io.surrogate.server.LogLine;
import io.undertow.io.IoCallback;
import io.undertow.io.Sender;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.StatusCodes;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.logging.Logger;
import org.xnio.IoUtils;

/**
 * The root handler of a listener: a request whose framing breaks RFC 9112 ({@link Framing})
 * is answered {@code 400 malformed} and its connection closed before any other handler sees
 * it; a request with a body gets its {@link BodyDeadline}, at which a body still incomplete is
 * answered {@code 408 body-timeout} and its connection closed. One INFO line per refusal,
 * logger {@code surrogate.http}, also for the requests Undertow's parser refuses before this
 * handler runs ({@link ParserRefusals}). Everything else goes to {@code next} untouched.
 */
public final class FramingGuard implements HttpHandler {
    private static final Logger LOG = Logger.getLogger("surrogate.http");

    private final String listener;
    private final BodyDeadline deadline;
    private final HttpHandler next;

    /**
     * @param listener the listener's name in log lines ({@code client}, {@code origin-side})
     */
    public FramingGuard(String listener, BodyDeadline deadline, HttpHandler next) {
        this.listener = Objects.requireNonNull(listener, "listener");
        this.deadline = Objects.requireNonNull(deadline, "deadline");
        this.next = Objects.requireNonNull(next, "next");
        ParserRefusals.install();
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        HeaderMap headers = exchange.getRequestHeaders();
        String violation = Framing.violation(exchange.isHttp10(), lines(headers, Headers.TRANSFER_ENCODING),
                lines(headers, Headers.CONTENT_LENGTH));
        if (violation != null) {
            refuse(exchange, StatusCodes.BAD_REQUEST, "malformed", violation, IoCallback.END_EXCHANGE);
            return;
        }
        if (!exchange.isRequestComplete()) {
            deadline.arm(exchange, () -> expired(exchange));
        }
        next.handleRequest(exchange);
    }

    private void expired(HttpServerExchange exchange) {
        String reason = "the request body did not arrive within " + deadline.bound().toMillis() + " ms";
        if (exchange.isResponseStarted()) {
            LOG.info(() -> LogLine.of("request-refused").with("status", "none").with("reason", reason).with("listener", listener)
                    .with("from", client(exchange)).with("action", "connection-closed").toString());
            IoUtils.safeClose(exchange.getConnection());
        } else {
            // closed as soon as the 408 is written: Undertow's clean close would wait up to 10 s more
            // for the client's FIN, and a client that stalls its body will not send one
            refuse(exchange, StatusCodes.REQUEST_TIME_OUT, "body-timeout", reason, CLOSE_AFTER);
        }
    }

    private static final IoCallback CLOSE_AFTER = new IoCallback() {
        @Override
        public void onComplete(HttpServerExchange exchange, Sender sender) {
            IoCallback.END_EXCHANGE.onComplete(exchange, sender);
            IoUtils.safeClose(exchange.getConnection());
        }

        @Override
        public void onException(HttpServerExchange exchange, Sender sender, IOException exception) {
            IoUtils.safeClose(exchange.getConnection());
        }
    };

    private void refuse(HttpServerExchange exchange, int status, String word, String reason, IoCallback then) {
        LOG.info(() -> LogLine.of("request-refused").with("status", status).with("result", word).with("reason", reason)
                .with("listener", listener).with("from", client(exchange)).toString());
        exchange.setPersistent(false);
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONNECTION, "close");
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
        exchange.getResponseSender().send(word + "\n" + reason + "\n", then);
    }

    private static List<String> lines(HeaderMap headers, HttpString name) {
        HeaderValues values = headers.get(name);
        return values == null ? List.of() : List.copyOf(values);
    }

    private static String client(HttpServerExchange exchange) {
        InetSocketAddress a = exchange.getSourceAddress();
        return a == null || a.getAddress() == null ? "?" : a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    @Override
    public String toString() {
        return "framing-guard(" + listener + ", " + deadline + ") -> " + next;
    }
}
