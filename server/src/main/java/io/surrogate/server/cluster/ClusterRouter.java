package io.surrogate.server.cluster;

import io.surrogate.server.LogLine;
import io.surrogate.server.delivery.DeliveryRouter;
import io.surrogate.server.delivery.LocalRouter;
import io.surrogate.server.metrics.ServerMetrics;
import io.surrogate.server.subscribe.Subscription;
import io.surrogate.server.subscribe.SubscriptionRegistry;
import io.surrogate.server.transport.EventFrame;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.logging.Logger;

/**
 * Routes a delivery across the edges on Redis: a fan-out to this edge's subscribers and, through
 * sharded pub/sub, to every other edge that holds the event; a unicast to whichever edge holds
 * its subscription now. Both are kept in the {@link History} first.
 *
 * <p>A unicast: held here, it is appended to its subscription's history and delivered here.
 * Otherwise its token's record on Redis ({@link RecordReader}) names the edge that holds
 * it: alive in the {@link EdgeDirectory}, the event is appended and passed on to that edge
 * ({@link Relay}), whose answer is the delivery's; dead (or unanswering), the event is appended
 * only and the answer is {@code 202 queued}: its client gets it at the edge it comes back to. No
 * record: nobody holds it ({@code 404}). A unicast another edge passed on here is delivered here
 * or nowhere. Redis not answering is {@link DeliveryRouter.Unavailable} (a retryable 503).
 */
public final class ClusterRouter implements DeliveryRouter {
    private static final Logger LOG = Logger.getLogger("surrogate.redis");

    private final LocalRouter local;
    private final Redis redis;
    private final History history;
    private final EdgeDirectory directory;
    private final Relay relay;
    private final FanOutBus fanOut;
    private final ServerMetrics metrics;

    ClusterRouter(LocalRouter local, Redis redis, History history, EdgeDirectory directory, Relay relay, FanOutBus fanOut,
            ServerMetrics metrics) {
        this.local = local;
        this.redis = redis;
        this.history = history;
        this.directory = directory;
        this.relay = relay;
        this.fanOut = fanOut;
        this.metrics = metrics;
    }

    @Override
    public CompletionStage<Routed> unicast(String token, Subscription held, EventFrame frame, Posted posted) {
        if (posted.relayed()) {
            metrics.relay("received");
            return CompletableFuture.completedFuture(local.unicastHere(token, held, frame));
        }
        Subscription here = local.holder(token, held);
        if (here != null) {
            String sid = HexFormat.of().toHexDigits(here.handle());
            String eventKey = SubscriptionRegistry.eventKey(posted.originKey().name(), frame.eventId());
            // held here: delivered even when Redis cannot keep it (as a fan-out is), only without a position
            // (a failed append is logged and counted by the history)
            return history.appendToSubscription(sid, eventKey, frame)
                    .handle((position, error) -> error != null ? frame : frame.at(position))
                    .thenApply(kept -> local.unicastHere(token, here, kept));
        }
        CompletableFuture<byte[]> ref = redis.commands().get(SharedKeys.token(SharedKeys.tokenHash(token))).toCompletableFuture();
        return ref.handle((value, error) -> {
            if (error != null) {
                throw unavailable("route", error);
            }
            return value == null ? null : new String(value, StandardCharsets.UTF_8);
        }).thenCompose(r -> r == null ? CompletableFuture.completedFuture(Routed.NONE) : toHolder(r, token, frame, posted));
    }

    /** To the edge the record {@code ref} names. */
    private CompletionStage<Routed> toHolder(String ref, String token, EventFrame frame, Posted posted) {
        String key = SharedKeys.subOf(ref);
        if (key == null) {
            metrics.redisFailure("malformed");
            LOG.warning(() -> LogLine.of("redis-malformed").with("what", "token record").toString());
            return CompletableFuture.completedFuture(Routed.NONE);
        }
        return redis.commands().hgetall(key).toCompletableFuture().handle((fields, error) -> {
            if (error != null) {
                throw unavailable("route", error);
            }
            return RecordReader.read(ref, fields);
        }).thenCompose(record -> {
            if (record == null || record.edge().equals(directory.self())) {
                // no record, or this edge's and not held here: it ended
                return CompletableFuture.completedFuture(Routed.NONE);
            }
            String eventKey = record.eventKey().isEmpty()
                    ? SubscriptionRegistry.eventKey(posted.originKey().name(), frame.eventId()) : record.eventKey();
            return append(record.sid(), eventKey, frame).thenCompose(kept -> directory.find(record.edge()).thenCompose(holder -> {
                if (holder == null || holder.address() == null || !directory.alive(record.edge())) {
                    return CompletableFuture.completedFuture(Routed.QUEUED_ONE);
                }
                return relay.pass(record.edge(), holder.address(), token, kept, posted).thenApply(Routed::passedOn);
            }));
        });
    }

    /** Keeps the unicast in its subscription's history; the frame with its position. */
    private CompletionStage<EventFrame> append(String sid, String eventKey, EventFrame frame) {
        return history.appendToSubscription(sid, eventKey, frame).handle((position, error) -> {
            if (error != null) {
                throw new Unavailable("Redis did not keep the event", error); // logged and counted by the history
            }
            return frame.at(position);
        });
    }

    private RuntimeException unavailable(String what, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof Unavailable u) {
            return u;
        }
        metrics.redisFailure(what);
        LOG.warning(() -> LogLine.of("redis-failed").with("what", what).with("reason", String.valueOf(cause)).toString());
        return new Unavailable("Redis did not answer: " + what, cause);
    }

    /**
     * Kept in the event's history first (its position goes with it; 0 when the history could
     * not keep it), then written to this edge's subscribers, then published once to the other
     * edges: the answer counts this edge's subscribers and the edges that took it (none when
     * Redis did not take it: this edge's subscribers have it all the same).
     */
    @Override
    public CompletionStage<Routed> fanOut(String originKeyName, String eventId, EventFrame frame) {
        String eventKey = SubscriptionRegistry.eventKey(originKeyName, eventId);
        return history.appendToEvent(eventKey, frame).exceptionally(error -> {
            LOG.fine(() -> LogLine.of("fanout-not-kept").with("reason", String.valueOf(error)).toString());
            return 0L;
        }).thenCompose(position -> {
            EventFrame positioned = frame.at(position);
            Routed here = local.fanOutHere(originKeyName, eventId, positioned);
            return fanOut.publish(originKeyName, positioned).thenApply(here::withEdges);
        });
    }
}
