package io.surrogate.server.cluster;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.surrogate.server.LogLine;
import io.surrogate.server.metrics.ServerMetrics;
import io.surrogate.server.subscribe.RegistryEvents;
import io.surrogate.server.subscribe.Subscription;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import reactor.core.Disposable;

import static io.surrogate.server.cluster.RedisHistory.ascii;
import static io.surrogate.server.cluster.RedisHistory.utf8;

/**
 * Writes the records another edge needs to take over this edge's subscriptions (issue 13;
 * docs/operations.md, "History and take-over"): the subscription's hash (its token, claims, holder, and
 * {@code first}, the history position from which it is kept), the pointers to it from each
 * client handle and from the token, and this edge's set of held subscriptions. Written when the
 * origin accepts (or this edge takes a subscription over), when a client joins, and deleted when
 * it ends here, unless another edge holds it by then. Every write is fire-and-forget on
 * Lettuce; a failure is logged and counted, and repaired by the rewrite of every held record
 * when a connection to Redis comes back (a Redis that restarted empty gets them all again, each
 * with a new {@code first}, so that a client from before the restart knows its history is lost).
 */
public final class SubscriptionRecords implements RegistryEvents, AutoCloseable {
    private static final Logger LOG = Logger.getLogger("surrogate.redis");

    /**
     * KEYS sub, pos, fan, trim, uni; ARGV expiry (epoch ms), this edge, then field/value pairs.
     * Keeps {@code first} when the record exists (a take-over), else sets it to the event's
     * position now (a counter made if there is none); extends the event's history keys to the
     * token's expiry. Returns the edge that held it before ("" when none).
     */
    static final LuaScript WRITE = new LuaScript("""
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local cur = redis.call('GET', KEYS[2])
            if not cur then
              cur = string.format('%.0f', now * 1024)
              redis.call('SET', KEYS[2], cur)
            end
            local prev = redis.call('HGET', KEYS[1], 'edge')
            redis.call('HSETNX', KEYS[1], 'first', cur)
            for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
            redis.call('HSET', KEYS[1], 'edge', ARGV[2])
            redis.call('PEXPIREAT', KEYS[1], ARGV[1])
            local keep = tonumber(ARGV[1])
            for k = 2, 5 do
              local e = redis.call('PEXPIRETIME', KEYS[k])
              if e == -1 or (e >= 0 and e < keep) then redis.call('PEXPIREAT', KEYS[k], ARGV[1]) end
            end
            if prev then return prev end
            return ''
            """);

    /** KEYS sub; ARGV this edge. Deletes the record if this edge still holds it: 1; another edge holds it: 0; no record: -1. */
    static final LuaScript DELETE = new LuaScript("""
            local edge = redis.call('HGET', KEYS[1], 'edge')
            if not edge then return -1 end
            if edge == ARGV[1] then
              redis.call('DEL', KEYS[1])
              return 1
            end
            return 0
            """);

    private final Redis redis;
    private final String edgeId;
    private final ServerMetrics metrics;
    /** the subscriptions whose records this edge wrote and holds: rewritten when Redis comes back */
    private final Set<Subscription> held = ConcurrentHashMap.newKeySet();
    private final Disposable reconnects;

    public SubscriptionRecords(Redis redis, String edgeId, ServerMetrics metrics) {
        this.redis = redis;
        this.edgeId = edgeId;
        this.metrics = metrics;
        // the connections are up when this starts: any activation from now on is a reconnect
        this.reconnects = redis.resources().eventBus().get()
                .filter(e -> e instanceof ConnectionActivatedEvent)
                .subscribe(e -> rewriteAll());
    }

    private static String sid(Subscription s) {
        return HexFormat.of().toHexDigits(s.handle());
    }

    private static String ref(Subscription s) {
        return SharedKeys.eventHash(s.eventKey()) + ":" + sid(s);
    }

    @Override
    public void accepted(Subscription s) {
        held.add(s);
        write(s);
    }

    @Override
    public void joined(Subscription.Client c) {
        Subscription s = c.subscription();
        track(redis.commands().set(SharedKeys.client(HexFormat.of().toHexDigits(c.handle())), utf8(ref(s)), until(s)));
    }

    /** Deletes its records if this edge still holds it; completes with false when another edge took it over. */
    @Override
    public CompletionStage<Boolean> ended(Subscription s) {
        held.remove(s);
        RedisClusterAsyncCommands<String, byte[]> r = redis.commands();
        String eh = SharedKeys.eventHash(s.eventKey());
        byte[] ref = utf8(ref(s));
        List<String> handles = new ArrayList<>();
        for (Subscription.Client c : s.clientList()) {
            handles.add(HexFormat.of().toHexDigits(c.handle()));
        }
        CompletionStage<Long> deleted = DELETE.run(r, ScriptOutputType.INTEGER, new String[] {SharedKeys.sub(eh, sid(s))}, ascii(edgeId));
        track(deleted);
        return deleted.thenApply(d -> {
            track(r.srem(SharedKeys.edgeSubs(edgeId), ref));
            if (d != null && d == 0) {
                return false; // taken over: the records are the other edge's now
            }
            for (String h : handles) {
                track(r.del(SharedKeys.client(h)));
            }
            track(r.del(SharedKeys.token(SharedKeys.tokenHash(s.token()))));
            return true;
        });
    }

    /** Writes every record of a subscription this edge holds: the hash, the pointers, this edge's set, and the old holder's set. */
    private void write(Subscription s) {
        RedisClusterAsyncCommands<String, byte[]> r = redis.commands();
        String eh = SharedKeys.eventHash(s.eventKey());
        String sid = sid(s);
        byte[] ref = utf8(ref(s));
        long expiresAtMillis = s.expiresAt() * 1000;
        var settings = s.plan().settings();
        String host = s.host() == null ? "" : s.host();
        CompletionStage<byte[]> prev = WRITE.run(r, ScriptOutputType.VALUE,
                new String[] {SharedKeys.sub(eh, sid), SharedKeys.pos(eh), SharedKeys.fan(eh), SharedKeys.trim(eh), SharedKeys.uni(eh, sid)},
                ascii(Long.toString(expiresAtMillis)), utf8(edgeId),
                ascii("token"), ascii(s.token()),
                ascii("eventKey"), utf8(s.eventKey()),
                ascii("user"), utf8(s.plan().user()),
                ascii("event"), utf8(s.plan().eventId()),
                ascii("customer"), utf8(s.plan().customerCode()),
                ascii("host"), utf8(host),
                ascii("expiresAt"), ascii(Long.toString(s.expiresAt())),
                ascii("type"), ascii(settings.type().label()),
                ascii("originKey"), utf8(settings.originKey().name()),
                ascii("origin"), utf8(settings.origin().orElse("")));
        track(prev.thenCompose(before -> {
            String old = before == null ? "" : RedisHistory.text(before);
            if (!old.isEmpty() && !old.equals(edgeId)) {
                return r.srem(SharedKeys.edgeSubs(old), ref);
            }
            return CompletableFuture.completedFuture(0L);
        }));
        for (Subscription.Client c : s.clientList()) {
            track(r.set(SharedKeys.client(HexFormat.of().toHexDigits(c.handle())), ref, until(s)));
        }
        track(r.set(SharedKeys.token(SharedKeys.tokenHash(s.token())), ref, until(s)));
        track(r.sadd(SharedKeys.edgeSubs(edgeId), ref));
    }

    private static SetArgs until(Subscription s) {
        return SetArgs.Builder.pxAt(s.expiresAt() * 1000);
    }

    /** Redis is back (or a connection came up again): every held subscription's records are written again. */
    private void rewriteAll() {
        int n = held.size();
        if (n > 0) {
            LOG.info(() -> LogLine.of("subscription-records-rewritten").with("subscriptions", n).toString());
        }
        for (Subscription s : held) {
            write(s);
        }
    }

    private void track(CompletionStage<?> write) {
        write.whenComplete((v, e) -> {
            if (e != null) {
                metrics.redisFailure("records");
                LOG.fine(() -> LogLine.of("subscription-record-failed").with("reason", String.valueOf(e.getMessage())).toString());
            }
        });
    }

    @Override
    public void close() {
        reconnects.dispose();
    }
}
