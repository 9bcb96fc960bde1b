package io.surrogate.server.cluster;

import io.surrogate.engine.Decision;
import io.surrogate.engine.OriginRequest;
import io.surrogate.server.LogLine;
import io.surrogate.server.delivery.DeliveryHandler;
import io.surrogate.server.delivery.DeliveryRouter;
import io.surrogate.server.delivery.RelayMac;
import io.surrogate.server.metrics.ServerMetrics;
import io.surrogate.server.transport.EventFrame;
import io.surrogate.server.upstream.OriginClient;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.logging.Logger;

/**
 * Passes a unicast on to the edge that holds its subscription (issue 13): the origin's request
 * as it came (its X-Event headers, signature, content type and body) plus
 * {@code X-Surrogate-Relay: P;MAC} ({@link RelayMac}), POSTed to that edge's origin-side
 * {@code /deliver-event} with the edge's own HTTP client (on its IO threads, pooled, never
 * blocking; see {@link OriginClient}), within {@link #TIMEOUT}. The answer is that edge's; no
 * answer in time, or a 5xx, is "unanswered": the event is kept in the history already, and the
 * client gets it where it comes back.
 */
final class Relay {
    private static final Logger LOG = Logger.getLogger("surrogate.redis");
    /** The longest a relay waits for the holding edge's answer. */
    static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final OriginClient client;
    private final String scheme;
    private final ServerMetrics metrics;

    /** @param tls whether the edges' origin-side listeners speak TLS (they are configured alike) */
    Relay(OriginClient client, boolean tls, ServerMetrics metrics) {
        this.client = client;
        this.scheme = tls ? "https" : "http";
        this.metrics = metrics;
    }

    CompletionStage<DeliveryRouter.Relayed> pass(String edge, String address, String token, EventFrame kept,
            DeliveryRouter.Posted posted) {
        URI uri;
        try {
            uri = URI.create(scheme + "://" + address + DeliveryHandler.PATH);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(unanswered(edge, "bad address " + address));
        }
        OriginRequest request = new OriginRequest(Optional.empty(), "POST", DeliveryHandler.PATH, List.of(
                new Decision.HeaderField("X-Event-Id", kept.eventId()),
                new Decision.HeaderField("X-Event-User", posted.user()),
                new Decision.HeaderField("X-Event-Token", token),
                new Decision.HeaderField("X-Event-Signature", posted.signature()),
                new Decision.HeaderField("Content-Type", kept.contentType()),
                new Decision.HeaderField(RelayMac.HEADER, RelayMac.header(posted.originKey(), kept.position(), posted.signature()))),
                kept.data());
        return client.send(uri, request, TIMEOUT).thenApply(a -> {
            if (a.failure() != null || a.status() >= 500) {
                return unanswered(edge, a.failure() != null ? OriginClient.describe(a) : "answered " + a.status());
            }
            metrics.relay("answered");
            return new DeliveryRouter.Relayed(edge, a.status(), a.contentType(), a.body());
        });
    }

    private DeliveryRouter.Relayed unanswered(String edge, String why) {
        metrics.relay("unanswered");
        LOG.warning(() -> LogLine.of("relay-unanswered").with("edge", edge).with("reason", why)
                .with("help", "the event is kept for the client's return").toString());
        return new DeliveryRouter.Relayed(edge, 0, null, new byte[0]);
    }
}
