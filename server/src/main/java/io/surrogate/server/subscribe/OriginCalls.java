package io.surrogate.server.subscribe;

import io.surrogate.engine.OriginRequest;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * How the edge talks to origins: the subscribe call and the unsubscribe notices. The edge's
 * HTTP client implements it (adapted in {@code EdgeServer}); a future completes on whichever
 * thread saw the answer, never exceptionally in the client's own use (a failure is an
 * {@link OriginAnswer} with its {@link OriginAnswer.Failure}), though callers handle that too.
 */
public interface OriginCalls {
    /** The URL a request goes to: the rule's origin, or the server's; empty when neither is set. */
    Optional<URI> target(OriginRequest request);

    /** Sends a signed request; a request without an answer within {@code timeout} fails as a timeout. */
    CompletableFuture<OriginAnswer> send(URI uri, OriginRequest request, Duration timeout);
}
