package io.surrogate.engine;

import io.surrogate.engine.request.EdgeRequest;
import io.surrogate.engine.text.Escaping;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.engine.token.OriginSignature;
import io.surrogate.engine.token.TinkTokenCodec;
import io.surrogate.engine.token.TokenClaims;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Turns a subscribe decision into a token and the requests to the origin, the same way for
 * the server and the dry run. Pure but for the clock and the random nonces.
 */
public final class Subscriptions {
    public static final String SUBSCRIBE_PATH = "/subscribe-event";
    public static final String UNSUBSCRIBE_PATH = "/unsubscribe-event";
    public static final String DELIVER_PATH = "/deliver-event";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int RANDOM_NONCE_BYTES = 12;

    private Subscriptions() {}

    /** A token and what it says. */
    public record Minted(TokenClaims claims, String token) {}

    public static TokenClaims claims(SubscriptionPlan plan, EdgeRequest request, EdgeEnvironment env) {
        String nonce = switch (plan.settings().nonceSource()) {
            case PORT -> "port-" + request.clientPort() + "-c" + request.connectionId();
            case CONNECTION -> "conn-" + request.connectionId();
            case RANDOM -> randomHex(RANDOM_NONCE_BYTES);
        };
        return claims(plan, env, nonce);
    }

    /**
     * The length of the token {@link #mint} would make for this plan and request (at most that:
     * it assumes Tink's 5-byte key prefix). The handle-subscription action refuses a plan whose
     * token would be longer than {@link TinkTokenCodec#MAX_TOKEN_LENGTH}, since the edge could
     * not read it back.
     */
    public static int tokenLength(SubscriptionPlan plan, EdgeRequest request, EdgeEnvironment env) {
        String nonce = switch (plan.settings().nonceSource()) {
            case PORT -> "port-" + request.clientPort() + "-c" + request.connectionId();
            case CONNECTION -> "conn-" + request.connectionId();
            case RANDOM -> "0".repeat(2 * RANDOM_NONCE_BYTES);
        };
        return TinkTokenCodec.mintedLength(claims(plan, env, nonce), plan.settings().tokenKey().name());
    }

    private static TokenClaims claims(SubscriptionPlan plan, EdgeEnvironment env, String nonce) {
        Instant now = env.clock().instant();
        return new TokenClaims(env.edgeId(), env.edgeAddress(), plan.customerCode(), plan.user(), plan.eventId(),
                plan.settings().type().label(), nonce, now.getEpochSecond(), now.getEpochSecond() + plan.settings().tokenLifetime().toSeconds());
    }

    public static Minted mint(SubscriptionPlan plan, EdgeRequest request, EdgeEnvironment env) {
        TokenClaims claims = claims(plan, request, env);
        String token = TinkTokenCodec.mint(claims, plan.settings().tokenKey());
        if (token.length() > TinkTokenCodec.MAX_TOKEN_LENGTH) {
            // handle-subscription refuses such plans with 400 (tokenLength): reaching this is a bug
            throw new IllegalStateException("minted a token of " + token.length() + " characters for " + plan.rule()
                    + "; at most " + TinkTokenCodec.MAX_TOKEN_LENGTH);
        }
        return new Minted(claims, token);
    }

    /**
     * {@code POST /subscribe-event} with the four X-Event headers, signed by the edge; when the
     * rule forwards client headers or cookies ({@code <forward-to-origin>}), those too, with
     * {@code X-Event-Forwarded} and a version 2 signature that covers them.
     */
    public static OriginRequest subscribe(SubscriptionPlan plan, EdgeRequest request, String token, EdgeEnvironment env) {
        return originRequest(SUBSCRIBE_PATH, plan, request, token, env.clock().instant().getEpochSecond(), OriginSignature.newNonce());
    }

    /**
     * {@code POST /unsubscribe-event} for a subscription whose client went away. It never carries
     * forwarded headers (the client is gone, and its credentials may be too): always version 1.
     */
    public static OriginRequest unsubscribe(SubscriptionPlan plan, EdgeRequest request, String token, EdgeEnvironment env) {
        return unsubscribe(plan, request, token, env, plan.settings().originKey());
    }

    /**
     * The same, signed with {@code originKey}: the keyring's current version of the rule's origin
     * key, for a subscription that outlived a rotation of it (its plan still holds the key as it
     * was when the rules were compiled).
     */
    public static OriginRequest unsubscribe(SubscriptionPlan plan, EdgeRequest request, String token, EdgeEnvironment env,
            NamedKey originKey) {
        return originRequest(UNSUBSCRIBE_PATH, plan, request, token, env.clock().instant().getEpochSecond(), OriginSignature.newNonce(),
                originKey);
    }

    static OriginRequest originRequest(String protocolPath, SubscriptionPlan plan, EdgeRequest request, String token,
            long timestamp, String nonce) {
        return originRequest(protocolPath, plan, request, token, timestamp, nonce, plan.settings().originKey());
    }

    static OriginRequest originRequest(String protocolPath, SubscriptionPlan plan, EdgeRequest request, String token,
            long timestamp, String nonce, NamedKey originKey) {
        List<OriginSignature.Forwarded> forwarded = null;
        OriginForwarding forwarding = plan.settings().forwarding();
        if (protocolPath.equals(SUBSCRIBE_PATH) && !forwarding.isEmpty()) {
            if (!(forwarding.select(request.headers()) instanceof OriginForwarding.Forward f)) {
                // handle-subscription refuses such requests before they are planned: reaching this is a bug
                throw new IllegalStateException("a refused request reached the origin request of " + plan.rule());
            }
            forwarded = f.fields();
        }
        String basePath = "";
        // the origin hears its own name: the rule's origin's host and port here; without one, the
        // edge's HTTP client sets Host from the origin serve was started with. Never the client's.
        String host = null;
        if (plan.settings().origin().isPresent()) {
            String url = plan.settings().origin().get();
            int authority = url.indexOf("//") + 2;
            int slash = url.indexOf('/', authority);
            host = slash < 0 ? url.substring(authority) : url.substring(authority, slash);
            basePath = slash < 0 ? "" : url.substring(slash);
        }
        String path = basePath + protocolPath;
        String eventId = Escaping.headerValue(plan.eventId());
        String user = Escaping.headerValue(plan.user());
        byte[] body = new byte[0];
        OriginSignature.Signed signed = new OriginSignature.Signed("POST", path, eventId, user, token, body);
        OriginSignature.Header signature = forwarded == null
                ? OriginSignature.sign(signed, originKey, timestamp, nonce)
                : OriginSignature.sign(signed, forwarded, originKey, timestamp, nonce);
        List<Decision.HeaderField> headers = new ArrayList<>();
        if (host != null && !host.isEmpty()) {
            headers.add(new Decision.HeaderField("Host", Escaping.headerValue(host)));
        }
        headers.add(new Decision.HeaderField("X-Event-Id", eventId));
        headers.add(new Decision.HeaderField("X-Event-User", user));
        headers.add(new Decision.HeaderField("X-Event-Token", token));
        if (forwarded != null) {
            headers.add(new Decision.HeaderField("X-Event-Forwarded", OriginSignature.forwardedList(forwarded)));
            for (OriginSignature.Forwarded f : forwarded) {
                headers.add(new Decision.HeaderField(f.name(), f.value()));
            }
        }
        headers.add(new Decision.HeaderField("X-Event-Signature", signature.render()));
        headers.add(new Decision.HeaderField("Content-Length", "0"));
        return new OriginRequest(plan.settings().origin(), "POST", path, headers, body);
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
