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
        return read(ref, key).thenCompose(record -> {
            if (record == null || record.edge().equals(directory.self())) {
                // no record, or this edge's and not held here: it ended
                return CompletableFuture.completedFuture(Routed.NONE);
            }
            String eventKey = record.eventKey().isEmpty()
                    ? SubscriptionRegistry.eventKey(posted.originKey().name(), frame.eventId()) : record.eventKey();
            return append(record.sid(), eventKey, frame).thenCompose(kept -> toEdge(record.edge(), token, kept, posted)
                    .thenCompose(routed -> routed.delivered() > 0 || routed.relayed() != null && routed.relayed().answered()
                            ? CompletableFuture.completedFuture(routed) : again(ref, key, record.edge(), token, kept, posted, routed)));
        });
    }

    private CompletionStage<RecordReader.Record> read(String ref, String key) {
        return redis.commands().hgetall(key).toCompletableFuture().handle((fields, error) -> {
            if (error != null) {
                throw unavailable("route", error);
            }
            return RecordReader.read(ref, fields);
        });
    }

    /** To {@code edge} (this one, or passed on); the event kept (queued) when that edge is dead or does not answer. */
    private CompletionStage<Routed> toEdge(String edge, String token, EventFrame kept, Posted posted) {
        if (edge.equals(directory.self())) {
            return CompletableFuture.completedFuture(local.unicastHere(token, null, kept));
        }
        return directory.find(edge).thenCompose(holder -> {
            if (holder == null || holder.address() == null || !directory.alive(edge)) {
                return CompletableFuture.completedFuture(Routed.QUEUED_ONE);
            }
            return relay.pass(edge, holder.address(), token, kept, posted).thenApply(Routed::passedOn);
        });
    }

    /**
     * The holder {@code tried} was dead or did not answer: the record is read once more, now that
     * the event is kept. If another edge took the subscription over meanwhile, it read the history
     * before this event was kept only if it named itself in the record before that (it writes the
     * record, then reads, on the same Redis connection, to the node of the event's hash tag; only a
     * write script sent again after a Redis restart can come later): so the record names it now,
     * and the event goes to it. Otherwise the event waits in the history ({@code first}: the first
     * answer).
     */
    private CompletionStage<Routed> again(String ref, String key, String tried, String token, EventFrame kept, Posted posted,
            Routed first) {
        return read(ref, key).handle((record, error) -> record).thenCompose(record -> {
            if (record == null || record.edge().equals(tried)) {
                return CompletableFuture.completedFuture(first);
            }
            return toEdge(record.edge(), token, kept, posted)
                    .thenApply(routed -> routed.delivered() > 0 || routed.relayed() != null && routed.relayed().answered() ? routed : first);
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
