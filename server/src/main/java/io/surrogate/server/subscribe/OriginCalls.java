package io.surrogate.server.subscribe;

import io.surrogate.engine.OriginRequest;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * How the edge talks to origins: the subscribe call and the unsubscribe notices. The edge's
 * HTTP client implements it (adapted in {@code EdgeServer}); a future completes on whichever
 * thread saw the answer, never exceptionally in the client's own use (a failure is an
 * {@link OriginAnswer} with its {@link OriginAnswer.Failure}), though callers handle that too.
 */
public interface OriginCalls {
    /** The URL a request goes to: the rule's origin, or the server's; empty when neither is set. */
    Optional<URI> target(OriginRequest request);

    /**
     * Sends a signed request; a request without an answer within {@code timeout} fails as a
     * timeout. {@code resign} signs the request again (a new timestamp and nonce) for the one
     * resend after a kept-alive connection turned out stale.
     */
    CompletableFuture<OriginAnswer> send(URI uri, OriginRequest request, Supplier<OriginRequest> resign, Duration timeout);

    /** {@link #send(URI, OriginRequest, Supplier, Duration)} resending the same request as it is. */
    default CompletableFuture<OriginAnswer> send(URI uri, OriginRequest request, Duration timeout) {
        return send(uri, request, () -> request, timeout);
    }
}
