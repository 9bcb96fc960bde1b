package io.surrogate.server.demo;

import io.surrogate.engine.request.FormCodec;
import io.surrogate.engine.text.Escaping;
import io.surrogate.server.EdgeServer;
import io.surrogate.server.origin.Delivery;
import io.surrogate.server.origin.SampleOrigin;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the demo's edge answers when no rule matched: the page at {@code /};
 * {@code POST /demo/send}, which asks the sample origin to deliver mail to the user now; and
 * {@code POST /demo/restart-edge}, which restarts the edge once its answer is sent. The
 * origin's delivery and the restart block, so they run on their own thread, never on the IO
 * thread.
 */
final class DemoSite implements HttpHandler {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final SampleOrigin origin;
    private final byte[] page;
    private final AtomicInteger sent = new AtomicInteger();
    private volatile Restart restart;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "surrogate-demo-send");
        t.setDaemon(true);
        return t;
    });

    DemoSite(SampleOrigin origin) {
        this.origin = origin;
        try (InputStream in = DemoSite.class.getResourceAsStream("index.html")) {
            if (in == null) {
                throw new IllegalStateException("the demo page is missing from the jar");
            }
            this.page = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What {@code POST /demo/restart-edge} runs. */
    interface Restart {
        void run() throws Exception;
    }

    void onRestart(Restart restart) {
        this.restart = restart;
    }

    void close() {
        sender.shutdownNow();
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        String path = exchange.getRequestPath();
        if (path.equals("/") && (exchange.getRequestMethod().equals(Methods.GET) || exchange.getRequestMethod().equals(Methods.HEAD))) {
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/html; charset=utf-8");
            exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
            exchange.getResponseSender().send(java.nio.ByteBuffer.wrap(page));
        } else if (path.equals("/demo/send") && exchange.getRequestMethod().equals(Methods.POST)) {
            send(exchange);
        } else if (path.equals("/demo/restart-edge") && exchange.getRequestMethod().equals(Methods.POST)) {
            restart(exchange);
        } else {
            exchange.setStatusCode(404);
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
            exchange.getResponseSender().send("no rule matched, and the demo has no page here\n");
        }
    }

    /** The form's user and event id, escaped as the edge sent them to the origin; delivered off the IO thread. */
    private void send(HttpServerExchange exchange) {
        String form = new String(EdgeServer.requestBody(exchange), StandardCharsets.UTF_8);
        String user = Escaping.headerValue(field(form, "user"));
        String event = Escaping.headerValue(field(form, "id"));
        String text = "You've got mail! (#" + sent.incrementAndGet() + " at " + LocalTime.now().format(CLOCK) + ", sent now)";
        CompletableFuture.supplyAsync(() -> origin.deliverTo(event, user, text.getBytes(StandardCharsets.UTF_8)), sender)
                .whenComplete((results, error) -> exchange.getIoThread().execute(() -> answer(exchange, results, error)));
    }

    /** Answers first, then restarts on the sender's thread: the edge's own IO thread cannot stop the edge. */
    private void restart(HttpServerExchange exchange) {
        Restart r = restart;
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseHeaders().put(Headers.CONNECTION, "close");
        if (r == null) {
            exchange.setStatusCode(503);
            exchange.getResponseSender().send(new com.google.gson.Gson().toJson(java.util.Map.of("text", "the edge cannot restart yet")) + "\n");
            return;
        }
        exchange.addExchangeCompleteListener((ex, next) -> {
            next.proceed();
            sender.execute(() -> {
                try {
                    r.run();
                } catch (Exception e) {
                    java.util.logging.Logger.getLogger("surrogate.demo").warning("the edge did not restart: " + e);
                }
            });
        });
        exchange.getResponseSender().send(new com.google.gson.Gson().toJson(java.util.Map.of("text",
                "the edge restarts now: every connection it holds is closed; each tab reconnects by itself")) + "\n");
    }

    private static void answer(HttpServerExchange exchange, List<Delivery> results, Throwable error) {
        String text;
        if (error != null) {
            text = "the origin could not deliver: " + error.getMessage();
        } else if (results.isEmpty()) {
            text = "the origin has no subscription of that user to that event right now: connect first "
                    + "(a tab that is reconnecting subscribes again once the edge lets it in)";
        } else {
            StringBuilder b = new StringBuilder("the origin delivered to ").append(results.size()).append(" token(s): ");
            for (int i = 0; i < results.size(); i++) {
                b.append(i == 0 ? "" : ", ").append(results.get(i).status()).append(' ').append(results.get(i).word());
            }
            text = b.toString();
        }
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseSender().send(new com.google.gson.Gson().toJson(java.util.Map.of("text", text)) + "\n");
    }

    private static String field(String form, String name) {
        String v = FormCodec.field(form, name);
        return v == null ? "" : v;
    }
}
