package io.surrogate.server.delivery;

import io.surrogate.engine.text.Escaping;
import io.surrogate.engine.token.KeySource;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.engine.token.OriginSignature;
import io.surrogate.engine.token.TinkTokenCodec;
import io.surrogate.engine.token.TokenClaims;
import io.surrogate.engine.token.TokenException;
import io.surrogate.server.subscribe.Subscription;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * Decides whether a delivery ({@code POST /deliver-event}) is genuine, without I/O: the
 * origin's signature (does it verify with one of the origin keys, then is its timestamp within
 * the window), then the edge's token (authentic, this edge's, for this event and user, not
 * expired, and for a held subscription signed with its rule's origin key), each checked once.
 * The replay check comes after, in the store; the verifier only reads.
 *
 * <p>With several edges on Redis (issue 13) a token minted by another edge is no longer foreign:
 * the edges share their keyring, so it is opened and checked here like one of this edge's own,
 * and the router passes the delivery on to whichever edge holds it; unless the operator kept the
 * {@code 421 foreign-token} redirect ({@code --foreign-token redirect}).
 */
public final class DeliveryVerifier {
    /** Never refuse a signature for its time while checking the MAC: the window is checked after. */
    private static final long ANY_TIME = Long.MAX_VALUE / 2;
    private static final Verdict.Refusal MALFORMED = new Verdict.Refusal(400, "malformed",
            "X-Event-Id and X-Event-Signature are required, each header at most once");
    private static final Verdict.Refusal USER_WITHOUT_TOKEN = new Verdict.Refusal(400, "malformed",
            "a delivery to a user needs its X-Event-Token");
    private static final Verdict.Refusal BAD_SIGNATURE = new Verdict.Refusal(401, "bad-signature", "the signature does not verify");
    private static final Verdict.Refusal MALFORMED_SIGNATURE = new Verdict.Refusal(401, "bad-signature",
            "X-Event-Signature is not t=..;n=..;v1=..");
    private static final Verdict.Refusal OTHER_EVENT = new Verdict.Refusal(403, "bad-token", "the token is for another event or user");
    private static final Verdict.Refusal OTHER_ORIGIN_KEY = new Verdict.Refusal(403, "bad-token",
            "the token's subscription takes deliveries signed with another origin key");
    private static final Verdict.Refusal FUTURE = new Verdict.Refusal(403, "bad-token", "the token is issued in the future");

    private final String edgeId;
    private final long windowSeconds;
    private final Function<String, Subscription> heldTokens;
    private final boolean anyEdgesTokens;

    /**
     * @param heldTokens the subscription this edge holds for a token, or null: a token found
     *        there byte for byte is checked against its subscription without being decrypted
     * @param anyEdgesTokens true (several edges on Redis, no redirect) to take a token another
     *        edge minted; false to refuse it with {@code 421 foreign-token} and that edge's address
     */
    public DeliveryVerifier(String edgeId, long windowSeconds, Function<String, Subscription> heldTokens, boolean anyEdgesTokens) {
        this.edgeId = edgeId;
        this.windowSeconds = windowSeconds;
        this.heldTokens = heldTokens;
        this.anyEdgesTokens = anyEdgesTokens;
    }

    /** A delivery's headers; each null when absent, {@link #REPEATED} when sent more than once. */
    public static final String REPEATED = new String("repeated");

    /**
     * @param path the request's path, as signed
     * @param originKeys the hmac keys that may sign deliveries
     * @param tokenKeys the keys tokens are sealed with
     */
    public Verdict verify(String id, String user, String token, String signature, String path, byte[] body, Instant now,
            List<NamedKey> originKeys, KeySource tokenKeys) {
        if (id == null || id.isEmpty() || signature == null || signature.isEmpty()
                || id == REPEATED || signature == REPEATED || user == REPEATED || token == REPEATED) {
            return MALFORMED;
        }
        user = user == null ? "" : user;
        token = token == null ? "" : token;
        if (!user.isEmpty() && token.isEmpty()) {
            return USER_WITHOUT_TOKEN;
        }

        // 1. the origin's signature, with whichever origin key verifies it, then its time: a wrong
        // secret is bad-signature whatever the timestamp says
        OriginSignature.Signed signed = new OriginSignature.Signed("POST", path, id, user, token, body);
        OriginSignature.Verification verification = OriginSignature.verifyAny(signature, signed, originKeys, now, ANY_TIME);
        NamedKey key = verification.key();
        if (key == null || originKeys.isEmpty()) {
            return verification.check() == OriginSignature.Check.MALFORMED ? MALFORMED_SIGNATURE : BAD_SIGNATURE;
        }
        OriginSignature.Header header = verification.header();
        if (header.timestamp() < now.getEpochSecond() - windowSeconds || header.timestamp() > now.getEpochSecond() + windowSeconds) {
            return new Verdict.Refusal(401, "stale-signature",
                    "the signature's timestamp is more than " + windowSeconds + " s from the edge's clock");
        }
        if (token.isEmpty()) {
            return new Verdict.Verified(key, header, null);
        }

        // 2. the edge's token, checked once whichever way its claims are known
        Subscription held = heldTokens.apply(token);
        String event;
        String tokenUser;
        long expiresAt;
        long issuedAt;
        if (held != null && tokenKeyKnown(token, tokenKeys)) {
            // a token this edge minted and holds, byte for byte: its claims are the subscription's,
            // so it is not decrypted and parsed (most of a delivery's cost)
            event = held.plan().eventId();
            tokenUser = held.plan().user();
            expiresAt = held.expiresAt();
            issuedAt = Long.MIN_VALUE;
        } else {
            TokenClaims claims;
            try {
                claims = TinkTokenCodec.open(token, tokenKeys);
            } catch (TokenException e) {
                return new Verdict.Refusal(403, "bad-token", e.getMessage());
            }
            if (!anyEdgesTokens && !claims.edgeId().equals(edgeId)) {
                return new Verdict.Refusal(421, "foreign-token", "the token belongs to edge " + claims.edgeId(), claims.edgeAddress());
            }
            event = claims.event();
            tokenUser = claims.user();
            expiresAt = claims.expiresAt();
            issuedAt = claims.issuedAt();
        }
        // an empty X-Event-User matches only a token without a user: a user's token never becomes a fan-out
        if (!Escaping.headerValue(event).equals(id) || !Escaping.headerValue(tokenUser).equals(user)) {
            return OTHER_EVENT;
        }
        if (now.getEpochSecond() >= expiresAt) {
            return new Verdict.Refusal(410, "expired-token", "the token expired at " + Instant.ofEpochSecond(expiresAt));
        }
        if (issuedAt > now.getEpochSecond() + TinkTokenCodec.CLOCK_SKEW_SECONDS) {
            return FUTURE;
        }
        if (!user.isEmpty() && held != null && !held.originKeyName().equals(key.name())) {
            return OTHER_ORIGIN_KEY;
        }
        return new Verdict.Verified(key, header, user.isEmpty() ? null : held);
    }

    /** Whether the key a token names ({@code v1.KEY.DATA}) is still in the keyring: a token of a removed key is refused either way. */
    private static boolean tokenKeyKnown(String token, KeySource keys) {
        int first = token.indexOf('.');
        int second = first < 0 ? -1 : token.indexOf('.', first + 1);
        return second > first + 1 && keys.find(token.substring(first + 1, second)).isPresent();
    }
}
