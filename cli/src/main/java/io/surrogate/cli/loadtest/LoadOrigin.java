package io.surrogate.cli.loadtest;

import io.surrogate.engine.token.NamedKey;
import io.surrogate.engine.token.OriginSignature;
import io.undertow.Undertow;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The load test's origin: answers {@code /subscribe-event} with 202 and stores the token by its
 * event id and user, counts {@code /unsubscribe-event} and forgets the token. Every request's signature
 * is checked as docs/protocol.md says (401 when it fails, which the test then reports). Runs on
 * one Undertow IO thread and never blocks: an origin as fast as this machine allows, so that
 * the subscribe rate measures the edge.
 */
final class LoadOrigin implements AutoCloseable {
    private static final HttpString ID = new HttpString("X-Event-Id");
    private static final HttpString USER = new HttpString("X-Event-User");
    private static final HttpString TOKEN = new HttpString("X-Event-Token");
    private static final HttpString SIGNATURE = new HttpString("X-Event-Signature");
    private static final byte[] EMPTY = new byte[0];

    private final NamedKey key;
    private final Undertow server;
    private final ConcurrentHashMap<String, String> tokens = new ConcurrentHashMap<>();
    final LongAdder subscribes = new LongAdder();
    final LongAdder unsubscribes = new LongAdder();
    final LongAdder refused = new LongAdder();

    LoadOrigin(NamedKey key) {
        this.key = key;
        this.server = Undertow.builder()
                .addHttpListener(0, "127.0.0.1")
                .setIoThreads(1)
                .setWorkerThreads(1)
                .setHandler(this::handle)
                .build();
        server.start();
    }

    URI uri() {
        InetSocketAddress a = (InetSocketAddress) server.getListenerInfo().get(0).getAddress();
        return URI.create("http://127.0.0.1:" + a.getPort());
    }

    /** The token of the subscription to this event id and user (as sent), or null. */
    String token(String eventId, String user) {
        return tokens.get(eventId + ' ' + user);
    }

    int stored() {
        return tokens.size();
    }

    private void handle(HttpServerExchange ex) {
        String path = ex.getRequestPath();
        boolean subscribe = "/subscribe-event".equals(path);
        if (!subscribe && !"/unsubscribe-event".equals(path)) {
            ex.setStatusCode(404).endExchange();
            return;
        }
        var h = ex.getRequestHeaders();
        String id = orEmpty(h.getFirst(ID));
        String user = orEmpty(h.getFirst(USER));
        String token = orEmpty(h.getFirst(TOKEN));
        var signed = new OriginSignature.Signed("POST", path, id, user, token, EMPTY);
        if (OriginSignature.verify(orEmpty(h.getFirst(SIGNATURE)), signed, key, Instant.now(), 300) != OriginSignature.Check.VALID) {
            refused.increment();
            ex.setStatusCode(401).endExchange();
            return;
        }
        if (subscribe) {
            tokens.put(id + ' ' + user, token);
            subscribes.increment();
            ex.setStatusCode(202).endExchange();
        } else {
            tokens.remove(id + ' ' + user, token);
            unsubscribes.increment();
            ex.setStatusCode(200).endExchange();
        }
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    @Override
    public void close() {
        server.stop();
    }
}
