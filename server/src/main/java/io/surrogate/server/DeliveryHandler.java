package io.surrogate.server;

import io.surrogate.engine.text.Escaping;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.engine.token.OriginSignature;
import io.surrogate.engine.token.TinkTokenCodec;
import io.surrogate.engine.token.TokenClaims;
import io.surrogate.engine.token.TokenException;
import io.surrogate.server.guard.BodyReader;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.util.SameThreadExecutor;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.logging.Logger;

/**
 * {@code POST /deliver-event}: the origin's signature, then the edge's token, its expiry and
 * the replay set, in that order; only then is the event written to the held client(s). Each
 * refusal has its own status and a one-word body the origin can act on.
 */
final class DeliveryHandler implements HttpHandler {
    private static final Logger LOG = Logger.getLogger("surrogate.delivery");
    static final String PATH = "/deliver-event";
    static final HttpString X_EVENT_ID = new HttpString("X-Event-Id");
    static final HttpString X_EVENT_USER = new HttpString("X-Event-User");
    static final HttpString X_EVENT_TOKEN = new HttpString("X-Event-Token");
    static final HttpString X_EVENT_SIGNATURE = new HttpString("X-Event-Signature");
    static final HttpString X_EVENT_EDGE = new HttpString("X-Event-Edge");
    private static final String DEFAULT_CONTENT_TYPE = "text/plain; charset=utf-8";

    private final LiveRules rules;
    private final Hub hub;
    private final ServerMetrics metrics;
    private final ReplayGuard replays;
    private final String edgeId;
    private final InstantSource clock;
    private final long windowSeconds;
    private final int maxEventSize;

    DeliveryHandler(LiveRules rules, Hub hub, ServerMetrics metrics, ReplayGuard replays, String edgeId, InstantSource clock,
            long windowSeconds, int maxEventSize) {
        this.rules = rules;
        this.hub = hub;
        this.metrics = metrics;
        this.replays = replays;
        this.edgeId = edgeId;
        this.clock = clock;
        this.windowSeconds = windowSeconds;
        this.maxEventSize = maxEventSize;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        if (!exchange.getRequestMethod().equals(Methods.POST)) {
            exchange.getResponseHeaders().put(Headers.ALLOW, "POST");
            refuse(exchange, 405, "method-not-allowed", "deliveries are POSTed");
            return;
        }
        // guard: issue 12 — one bounded reader for Content-Length and chunked bodies
        BodyReader.read(exchange, maxEventSize,
                (ex, body) -> ex.dispatch(SameThreadExecutor.INSTANCE, () -> deliver(ex, body)),
                (ex, refusal) -> {
                    if (refusal == BodyReader.Refusal.TOO_LARGE) {
                        refuse(ex, 413, "too-large", "event bodies are at most " + maxEventSize + " bytes");
                    } else {
                        refuse(ex, 400, "malformed", "unreadable body");
                    }
                });
    }

    private void deliver(HttpServerExchange exchange, byte[] body) {
        String id = single(exchange, X_EVENT_ID);
        String user = single(exchange, X_EVENT_USER);
        String token = single(exchange, X_EVENT_TOKEN);
        String signature = single(exchange, X_EVENT_SIGNATURE);
        if (id == null || id.isEmpty() || signature == null || signature.isEmpty()
                || id == MULTIPLE || signature == MULTIPLE || user == MULTIPLE || token == MULTIPLE) {
            refuse(exchange, 400, "malformed", "X-Event-Id and X-Event-Signature are required, each header at most once");
            return;
        }
        user = user == null ? "" : user;
        token = token == null ? "" : token;
        if (!user.isEmpty() && token.isEmpty()) {
            refuse(exchange, 400, "malformed", "a delivery to a user needs its X-Event-Token");
            return;
        }
        Instant now = clock.instant();
        LiveRules.Generation generation = rules.current();

        // 1. the origin's signature, with whichever origin key verifies it: the header parsed,
        // the body hashed and the canonical string built once for all the keys
        OriginSignature.Signed signed = new OriginSignature.Signed("POST", exchange.getRequestURI(), id, user, token, body);
        List<NamedKey> originKeys = generation.originKeys();
        OriginSignature.Verification verification = OriginSignature.verifyAny(signature, signed, originKeys, now, windowSeconds);
        NamedKey key = verification.key();
        // without an hmac key nothing verifies, not even a stale or malformed header: bad-signature
        OriginSignature.Check check = originKeys.isEmpty() ? OriginSignature.Check.BAD_SIGNATURE : verification.check();
        if (key == null) {
            if (check == OriginSignature.Check.STALE) {
                refuse(exchange, 401, "stale-signature", "the signature's timestamp is more than " + windowSeconds + " s from the edge's clock");
            } else {
                refuse(exchange, 401, "bad-signature", check == OriginSignature.Check.MALFORMED
                        ? "X-Event-Signature is not t=..;n=..;v1=.." : "the signature does not verify");
            }
            return;
        }

        // 2. the edge's token: authentic, this edge's, for this event and user; 3. not expired; its subscription takes this key
        Subscription minted = token.isEmpty() ? null : hub.byToken(token);
        if (minted != null && tokenKeyKnown(token, generation)) {
            // A token this edge minted and holds, byte for byte: its claims are the subscription's, so the
            // same checks run without decrypting it and parsing its claims (most of a delivery's cost).
            if (!Escaping.headerValue(minted.plan.eventId()).equals(id) || !Escaping.headerValue(minted.plan.user()).equals(user)) {
                refuse(exchange, 403, "bad-token", "the token is for another event or user");
                return;
            }
            if (minted.expiredAt(now.getEpochSecond())) {
                refuse(exchange, 410, "expired-token", "the token expired at " + Instant.ofEpochSecond(minted.expiresAt));
                return;
            }
            if (!user.isEmpty() && !minted.plan.settings().originKey().name().equals(key.name())) {
                refuse(exchange, 403, "bad-token", "the token's subscription takes deliveries signed with another origin key");
                return;
            }
        } else if (!token.isEmpty()) {
            TokenClaims claims;
            try {
                claims = TinkTokenCodec.open(token, generation.keys());
            } catch (TokenException e) {
                refuse(exchange, 403, "bad-token", e.getMessage());
                return;
            }
            if (!claims.edgeId().equals(edgeId)) {
                exchange.getResponseHeaders().put(X_EVENT_EDGE, claims.edgeAddress());
                refuse(exchange, 421, "foreign-token", "the token belongs to edge " + claims.edgeId());
                return;
            }
            // an empty X-Event-User matches only a token without a user: a user's token never becomes a fan-out
            if (!Escaping.headerValue(claims.event()).equals(id) || !Escaping.headerValue(claims.user()).equals(user)) {
                refuse(exchange, 403, "bad-token", "the token is for another event or user");
                return;
            }
            if (claims.expiredAt(now)) {
                refuse(exchange, 410, "expired-token", "the token expired at " + Instant.ofEpochSecond(claims.expiresAt()));
                return;
            }
            if (claims.issuedAt() > now.getEpochSecond() + TinkTokenCodec.CLOCK_SKEW_SECONDS) {
                refuse(exchange, 403, "bad-token", "the token is issued in the future");
                return;
            }
            Subscription held = user.isEmpty() ? null : hub.byToken(token);
            if (held != null && !held.plan.settings().originKey().name().equals(key.name())) {
                refuse(exchange, 403, "bad-token", "the token's subscription takes deliveries signed with another origin key");
                return;
            }
        }

        // 4. replay
        OriginSignature.Header header = verification.header();
        ReplayGuard.Result replay = replays.check(header.nonce(), header.timestamp(), now.getEpochSecond());
        if (replay == ReplayGuard.Result.REPLAY) {
            refuse(exchange, 409, "replay", "this signature's nonce was already used");
            return;
        }
        if (replay == ReplayGuard.Result.FULL) {
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
            refuse(exchange, 503, "replay-set-full", "too many deliveries in the signature window; retry");
            return;
        }

        // 5. the held client(s)
        String contentType = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
        EventFrame frame = new EventFrame(id, body, shared(contentType));
        int delivered = 0;
        int queued = 0;
        if (!user.isEmpty()) {
            Subscription sub = minted != null ? minted : hub.byToken(token);
            Subscription.Outcome o = sub == null ? Subscription.Outcome.GONE : hub.deliver(sub, frame);
            delivered = o == Subscription.Outcome.DELIVERED ? 1 : 0;
            queued = o == Subscription.Outcome.QUEUED ? 1 : 0;
        } else {
            Hub.FanOut fanOut = hub.deliverAll(hub.byEvent(Hub.eventKey(key.name(), id)), frame);
            delivered = fanOut.delivered();
            queued = fanOut.queued();
        }
        if (delivered > 0) {
            answer(exchange, 200, "delivered", delivered + (queued > 0 ? "\nqueued " + queued : ""));
        } else if (queued > 0) {
            answer(exchange, 202, "queued", queued + "");
        } else {
            answer(exchange, 404, "no-subscriber", "nobody waits for this on this edge; forget the token");
        }
    }

    /** Whether the key a token names ({@code v1.KEY.DATA}) is still in the keyring: a token of a removed key is refused either way. */
    private static boolean tokenKeyKnown(String token, LiveRules.Generation generation) {
        int first = token.indexOf('.');
        int second = first < 0 ? -1 : token.indexOf('.', first + 1);
        return second > first + 1 && generation.keys().find(token.substring(first + 1, second)).isPresent();
    }

    /** The last content type seen, so that kept events share one string (origins send the same one or two). */
    private volatile String lastContentType = DEFAULT_CONTENT_TYPE;

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

    private static final String MULTIPLE = new String("multiple");

    /** The header's only value; null if absent, {@link #MULTIPLE} if repeated. */
    private static String single(HttpServerExchange exchange, HttpString name) {
        HeaderValues v = exchange.getRequestHeaders().get(name);
        if (v == null || v.isEmpty()) {
            return null;
        }
        return v.size() == 1 ? v.getFirst() : MULTIPLE;
    }

    private void answer(HttpServerExchange exchange, int status, String word, String detail) {
        metrics.delivery(word);
        LOG.fine(() -> "event=delivery result=" + word + " detail=" + detail.replace('\n', ' '));
        ClientHandler.text(exchange, status, word + "\n" + detail + "\n");
    }

    private void refuse(HttpServerExchange exchange, int status, String word, String detail) {
        metrics.delivery(word);
        LOG.info(() -> "event=delivery-refused status=" + status + " result=" + word + " from="
                + exchange.getSourceAddress().getAddress().getHostAddress() + " detail=\"" + detail + "\"");
        ClientHandler.text(exchange, status, word + "\n" + detail + "\n");
    }
}
