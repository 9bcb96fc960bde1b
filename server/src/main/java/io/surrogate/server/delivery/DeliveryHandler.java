package io.surrogate.server.delivery;

import io.surrogate.server.LogLine;
import io.surrogate.server.metrics.ServerMetrics;
import io.surrogate.server.reload.LiveRules;
import io.surrogate.server.transport.EventFrame;
import io.surrogate.server.transport.Responses;
import io.surrogate.server.guard.BodyReader;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.util.SameThreadExecutor;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * {@code POST /deliver-event}: the body read, then {@link DeliveryVerifier} (signature, token),
 * the {@link ReplayStore}, and the {@link DeliveryRouter}, in that order; each refusal has its
 * own status and a one-word body the origin can act on (docs/protocol.md).
 *
 * <p>With several edges (issue 13) a unicast may come from another edge that passed it on
 * ({@link RelayMac#HEADER}): the origin's signature and the token are verified as usual, then the
 * relay's MAC (a wrong one is {@code 401 bad-relay}); its nonce goes to this edge's own replay set
 * only (the first edge checked the shared one), and it is delivered here or nowhere, at the
 * position the first edge kept it at.
 */
public final class DeliveryHandler implements HttpHandler {
    private static final Logger LOG = Logger.getLogger("surrogate.delivery");
    public static final String PATH = "/deliver-event";
    private static final HttpString X_EVENT_ID = new HttpString("X-Event-Id");
    private static final HttpString X_EVENT_USER = new HttpString("X-Event-User");
    private static final HttpString X_EVENT_TOKEN = new HttpString("X-Event-Token");
    private static final HttpString X_EVENT_SIGNATURE = new HttpString("X-Event-Signature");
    private static final HttpString X_EVENT_EDGE = new HttpString("X-Event-Edge");
    private static final String DEFAULT_CONTENT_TYPE = "text/plain; charset=utf-8";
    private static final Verdict.Refusal REPLAY = new Verdict.Refusal(409, "replay", "this signature's nonce was already used");
    private static final Verdict.Refusal REPLAY_SET_FULL = new Verdict.Refusal(503, "replay-set-full",
            "too many deliveries in the signature window; retry");
    private static final Verdict.Refusal REPLAY_SET_UNAVAILABLE = new Verdict.Refusal(503, "replay-set-unavailable",
            "the replay set shared by the edges did not answer; retry");
    private static final Verdict.Refusal EDGE_ERROR = new Verdict.Refusal(500, "edge-error", "the edge failed to route the delivery");
    private static final Verdict.Refusal BAD_RELAY = new Verdict.Refusal(401, "bad-relay",
            "the X-Surrogate-Relay header does not verify (the edges must share their keyring)");
    private static final Verdict.Refusal REDIS_UNAVAILABLE = new Verdict.Refusal(503, "redis-unavailable",
            "the Redis the edges share did not answer; retry");
    private static final HttpString X_SURROGATE_RELAY = new HttpString(RelayMac.HEADER);

    private final LiveRules rules;
    private final DeliveryVerifier verifier;
    private final ReplayStore replays;
    private final ReplayStore relayReplays;
    private final DeliveryRouter router;
    private final ServerMetrics metrics;
    private final InstantSource clock;
    private final int maxEventSize;
    /** The last content type seen, so that kept events share one string (origins send the same one or two). */
    private volatile String lastContentType = DEFAULT_CONTENT_TYPE;

    /**
     * @param relayReplays this edge's own replay set, for the unicasts other edges pass on; null
     *        for an edge alone, which takes no relays (the header is ignored)
     */
    public DeliveryHandler(LiveRules rules, DeliveryVerifier verifier, ReplayStore replays, ReplayStore relayReplays,
            DeliveryRouter router, ServerMetrics metrics, InstantSource clock, int maxEventSize) {
        this.rules = rules;
        this.verifier = verifier;
        this.replays = replays;
        this.relayReplays = relayReplays;
        this.router = router;
        this.metrics = metrics;
        this.clock = clock;
        this.maxEventSize = maxEventSize;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        if (!exchange.getRequestMethod().equals(Methods.POST)) {
            exchange.getResponseHeaders().put(Headers.ALLOW, "POST");
            refuse(exchange, new Verdict.Refusal(405, "method-not-allowed", "deliveries are POSTed"));
            return;
        }
        // one bounded reader for Content-Length and chunked bodies, under the guard's body deadline
        BodyReader.read(exchange, maxEventSize,
                (ex, body) -> ex.dispatch(SameThreadExecutor.INSTANCE, () -> deliver(ex, body)),
                (ex, refusal) -> {
                    if (refusal == BodyReader.Refusal.TOO_LARGE) {
                        refuse(ex, new Verdict.Refusal(413, "too-large", "event bodies are at most " + maxEventSize + " bytes"));
                    } else {
                        refuse(ex, new Verdict.Refusal(400, "malformed", "unreadable body"));
                    }
                });
    }

    private void deliver(HttpServerExchange exchange, byte[] body) {
        Instant now = clock.instant();
        LiveRules.Generation generation = rules.current();
        String id = single(exchange, X_EVENT_ID);
        String user = single(exchange, X_EVENT_USER);
        String token = single(exchange, X_EVENT_TOKEN);
        String signature = single(exchange, X_EVENT_SIGNATURE);
        Verdict verdict = verifier.verify(id, user, token, signature, exchange.getRequestURI(), body, now,
                generation.originKeys(), generation.keys());
        if (verdict instanceof Verdict.Refusal refusal) {
            refuse(exchange, refusal);
            return;
        }
        Verdict.Verified ok = (Verdict.Verified) verdict;
        String contentType = shared(exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE));
        boolean fanOut = user == null || user.isEmpty();
        String relay = relayReplays == null || fanOut ? null : single(exchange, X_SURROGATE_RELAY);
        if (relay != null) {
            long position = relay == DeliveryVerifier.REPEATED ? -1 : RelayMac.verify(relay, ok.key(), signature);
            if (position < 0) {
                refuse(exchange, BAD_RELAY);
                return;
            }
            EventFrame kept = new EventFrame(id, body, contentType, position);
            DeliveryRouter.Posted relayed = new DeliveryRouter.Posted(user, signature, ok.key(), true);
            route(exchange, relayReplays, ok, now, () -> router.unicast(token, ok.held(), kept, relayed));
            return;
        }
        EventFrame frame = new EventFrame(id, body, contentType);
        DeliveryRouter.Posted posted = new DeliveryRouter.Posted(user, signature, ok.key(), false);
        route(exchange, replays, ok, now,
                () -> fanOut ? router.fanOut(ok.key().name(), id, frame) : router.unicast(token, ok.held(), frame, posted));
    }

    /** The nonce remembered in {@code seen}, then the delivery routed and answered. */
    private void route(HttpServerExchange exchange, ReplayStore seen, Verdict.Verified ok, Instant now,
            Supplier<CompletionStage<DeliveryRouter.Routed>> routing) {
        later(exchange, seen.remember(ok.header().nonce(), ok.header().timestamp(), now.getEpochSecond()), replay -> {
            if (replay != ReplayStore.Result.FRESH) {
                refuseReplay(exchange, replay);
                return;
            }
            later(exchange, routing.get(), routed -> answer(exchange, routed));
        });
    }

    /**
     * Goes on with {@code next} on the exchange's IO thread once {@code stage} has its value: at
     * once when it has it already (this edge alone), else when Redis answered. A failure is an
     * edge error (500), never a hung delivery.
     */
    private <T> void later(HttpServerExchange exchange, CompletionStage<T> stage, Consumer<T> next) {
        CompletableFuture<T> f = stage.toCompletableFuture();
        if (f.isDone() && !f.isCompletedExceptionally() && exchange.getIoThread() == Thread.currentThread()) {
            next.accept(f.join());
            return;
        }
        f.whenComplete((value, error) -> exchange.getIoThread().execute(() -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                if (cause instanceof DeliveryRouter.Unavailable) {
                    exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
                    refuse(exchange, REDIS_UNAVAILABLE);
                    return;
                }
                LOG.warning(() -> LogLine.of("delivery-failed").with("reason", String.valueOf(error)).toString());
                refuse(exchange, EDGE_ERROR);
                return;
            }
            try {
                next.accept(value);
            } catch (RuntimeException e) {
                LOG.warning(() -> LogLine.of("delivery-failed").with("reason", String.valueOf(e)).toString());
                if (!exchange.isResponseStarted()) {
                    refuse(exchange, EDGE_ERROR);
                }
            }
        }));
    }

    private void refuseReplay(HttpServerExchange exchange, ReplayStore.Result replay) {
        switch (replay) {
            case REPLAY -> refuse(exchange, REPLAY);
            case FULL -> {
                exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
                refuse(exchange, REPLAY_SET_FULL);
            }
            default -> {
                exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
                refuse(exchange, REPLAY_SET_UNAVAILABLE);
            }
        }
    }

    private void answer(HttpServerExchange exchange, DeliveryRouter.Routed routed) {
        DeliveryRouter.Relayed relayed = routed.relayed();
        if (relayed != null && relayed.answered()) {
            // the answer of the edge that holds the subscription is the delivery's answer; that edge counted its result
            metrics.delivery("relayed");
            LOG.fine(() -> LogLine.of("delivery").with("result", "relayed").with("edge", relayed.edge())
                    .with("status", relayed.status()).toString());
            exchange.setStatusCode(relayed.status());
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE,
                    relayed.contentType() != null ? relayed.contentType() : DEFAULT_CONTENT_TYPE);
            exchange.getResponseSender().send(ByteBuffer.wrap(relayed.body()));
            return;
        }
        if (relayed != null) {
            answer(exchange, 202, "queued", routed.queued() + "\nrelay-failed " + relayed.edge());
            return;
        }
        String edges = routed.edges() > 0 ? "\nedges " + routed.edges() : "";
        if (routed.delivered() > 0 || routed.edges() > 0) {
            answer(exchange, 200, "delivered", routed.delivered() + (routed.queued() > 0 ? "\nqueued " + routed.queued() : "") + edges);
        } else if (routed.queued() > 0) {
            answer(exchange, 202, "queued", Integer.toString(routed.queued()));
        } else {
            answer(exchange, 404, "no-subscriber", "nobody waits for this on this edge; forget the token");
        }
    }

    private String shared(String contentType) {
        if (contentType == null) {
            return DEFAULT_CONTENT_TYPE;
        }
        String last = lastContentType;
        if (last.equals(contentType)) {
            return last;
        }
        lastContentType = contentType;
        return contentType;
    }

    /** The header's only value; null if absent, {@link DeliveryVerifier#REPEATED} if repeated. */
    private static String single(HttpServerExchange exchange, HttpString name) {
        HeaderValues v = exchange.getRequestHeaders().get(name);
        if (v == null || v.isEmpty()) {
            return null;
        }
        return v.size() == 1 ? v.getFirst() : DeliveryVerifier.REPEATED;
    }

    private void answer(HttpServerExchange exchange, int status, String word, String detail) {
        metrics.delivery(word);
        LOG.fine(() -> LogLine.of("delivery").with("result", word).with("detail", detail).toString());
        Responses.text(exchange, status, word + "\n" + detail + "\n");
    }

    private void refuse(HttpServerExchange exchange, Verdict.Refusal r) {
        metrics.delivery(r.word());
        if (r.edgeAddress() != null) {
            exchange.getResponseHeaders().put(X_EVENT_EDGE, r.edgeAddress());
        }
        LOG.info(() -> LogLine.of("delivery-refused").with("status", r.status()).with("result", r.word())
                .with("from", exchange.getSourceAddress().getAddress().getHostAddress()).with("detail", r.detail()).toString());
        Responses.text(exchange, r.status(), r.word() + "\n" + r.detail() + "\n");
    }
}
