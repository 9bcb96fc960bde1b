package io.surrogate.server.cluster;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.surrogate.engine.SubscriptionPlan;
import io.surrogate.engine.SubscriptionSettings;
import io.surrogate.engine.Transport;
import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.KeySource;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.server.LogLine;
import io.surrogate.server.metrics.ServerMetrics;
import io.surrogate.server.subscribe.LocalRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Unsubscribes at the origin the subscriptions of a dead edge that no other edge took over
 * (issue 13), so that the origin never keeps a token that no edge holds for longer than
 * {@code ttl + orphanGrace + ttl/3} after the edge died (plus the notice's own retries).
 *
 * <p>After each reading of the {@link EdgeDirectory} (every third of the ttl) an edge looks for
 * edges whose entry expired more than the orphan grace ago; for each it claims
 * {@code surrogate:reap:<edge>} ({@code SET NX PX 60000}: one surviving edge reaps it; if that
 * one dies too, another does a minute later). For each {@code <eh>:<sid>} in
 * {@code surrogate:edge:<dead>:subs}, a script deletes the subscription's hash only if it still
 * names the dead edge (a client that came back elsewhere in the meantime made its new edge the
 * holder: that one is left alone) and returns it; the origin then gets {@code /unsubscribe-event}
 * with the record's token, signed with the current version of the record's origin key, through
 * the registry's notices (retried with backoff), and {@code t:<tk>} goes. Then the dead edge
 * leaves the directory. No edge reaps while Redis has answered it for less than a ttl: after
 * Redis was unreachable, every live edge first renews its entry.
 */
final class Reaper {
    private static final Logger LOG = Logger.getLogger("surrogate.redis");
    static final long CLAIM_MILLIS = 60_000;
    /** Deletes a subscription's hash if it still names the dead edge (ARGV[1]); returns its fields, or nothing. */
    private static final String TAKE = """
            if redis.call('HGET', KEYS[1], 'edge') == ARGV[1] then
              local all = redis.call('HGETALL', KEYS[1])
              redis.call('DEL', KEYS[1])
              return all
            end
            return {}
            """;

    private final Redis redis;
    private final EdgeDirectory directory;
    private final LocalRegistry registry;
    private final Supplier<? extends KeySource> keys;
    private final ServerMetrics metrics;
    private final long ttlMillis;
    private final long graceMillis;
    private final AtomicBoolean running = new AtomicBoolean();

    Reaper(Redis redis, EdgeDirectory directory, LocalRegistry registry, Supplier<? extends KeySource> keys, ServerMetrics metrics) {
        this.redis = redis;
        this.directory = directory;
        this.registry = registry;
        this.keys = keys;
        this.metrics = metrics;
        this.ttlMillis = redis.settings().directoryTtl().toMillis();
        this.graceMillis = redis.settings().orphanGrace().toMillis();
    }

    /** On Lettuce's thread, after a reading of the directory: reaps the edges dead for longer than the grace. */
    void after(EdgeDirectory.Reading reading) {
        if (reading.nowMillis() - reading.upSince() < ttlMillis) {
            return;
        }
        List<String> dead = new ArrayList<>();
        for (EdgeDirectory.Entry e : reading.entries()) {
            if (!e.id().equals(directory.self()) && e.expiresAt() < reading.nowMillis() - graceMillis) {
                dead.add(e.id());
            }
        }
        if (dead.isEmpty() || !running.compareAndSet(false, true)) {
            return;
        }
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (String edge : dead) {
            chain = chain.thenCompose(x -> reapEdge(edge, reading.nowMillis()));
        }
        chain.whenComplete((x, error) -> {
            running.set(false);
            if (error != null) {
                metrics.redisFailure("reaper");
                LOG.warning(() -> LogLine.of("redis-failed").with("what", "reaper").with("reason", String.valueOf(error)).toString());
            }
        });
    }

    private CompletableFuture<Void> reapEdge(String dead, long now) {
        var commands = redis.commands();
        return commands.set(SharedKeys.reapClaim(dead), EdgeDirectory.bytes(directory.self()),
                SetArgs.Builder.nx().px(CLAIM_MILLIS)).toCompletableFuture().thenCompose(ok -> {
                    if (!"OK".equals(ok)) {
                        return CompletableFuture.completedFuture(null); // another edge reaps it
                    }
                    LOG.info(() -> LogLine.of("reaping").with("edge", dead).toString());
                    return commands.smembers(SharedKeys.edgeSubs(dead)).toCompletableFuture().thenCompose(refs -> {
                        List<CompletableFuture<Void>> each = new ArrayList<>();
                        for (byte[] ref : refs) {
                            each.add(reapOne(dead, new String(ref, StandardCharsets.UTF_8)));
                        }
                        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new));
                    }).thenCompose(x -> commands.zscore(EdgeDirectory.EDGES, EdgeDirectory.bytes(dead)).toCompletableFuture())
                            .thenCompose(score -> {
                                if (score != null && score >= now - graceMillis) {
                                    return CompletableFuture.completedFuture(null); // it came back meanwhile
                                }
                                metrics.reaped("edge");
                                LOG.info(() -> LogLine.of("reaped").with("edge", dead).toString());
                                return CompletableFuture.allOf(
                                        commands.zrem(EdgeDirectory.EDGES, EdgeDirectory.bytes(dead)).toCompletableFuture(),
                                        commands.hdel(EdgeDirectory.ADDRESSES, dead).toCompletableFuture());
                            });
                });
    }

    private CompletableFuture<Void> reapOne(String dead, String ref) {
        var commands = redis.commands();
        String subs = SharedKeys.edgeSubs(dead);
        String key = SharedKeys.subOf(ref);
        if (key == null) {
            metrics.redisFailure("malformed");
            LOG.warning(() -> LogLine.of("redis-malformed").with("what", "edge subscription list").with("edge", dead).toString());
            return commands.srem(subs, EdgeDirectory.bytes(ref)).toCompletableFuture().thenAccept(n -> {});
        }
        CompletableFuture<List<Object>> taken = commands.<List<Object>>eval(TAKE, ScriptOutputType.MULTI, new String[] {key},
                EdgeDirectory.bytes(dead)).toCompletableFuture();
        return taken.thenCompose(fields -> {
            RecordReader.Record record = fields == null || fields.isEmpty() ? null
                    : RecordReader.read(ref, map(fields));
            if (record != null) {
                unsubscribe(record, dead);
                return commands.del(SharedKeys.token(SharedKeys.tokenHash(record.token()))).toCompletableFuture()
                        .thenCompose(n -> commands.srem(subs, EdgeDirectory.bytes(ref)).toCompletableFuture());
            }
            // gone (expired with its token) or taken over by the edge its client came back to
            return commands.srem(subs, EdgeDirectory.bytes(ref)).toCompletableFuture();
        }).thenAccept(n -> {});
    }

    private void unsubscribe(RecordReader.Record r, String dead) {
        KeySource ring = keys.get();
        Optional<NamedKey> originKey = ring == null ? Optional.empty()
                : ring.find(r.originKey().isEmpty() ? SubscriptionSettings.DEFAULT_ORIGIN_KEY : r.originKey())
                        .filter(k -> k.purpose() == KeyPurpose.HMAC);
        if (originKey.isEmpty()) {
            metrics.reaped("no-origin-key");
            LOG.warning(() -> LogLine.of("reap-skipped").with("edge", dead).with("subscription", r.sid())
                    .with("reason", "origin key '" + r.originKey() + "' is not in the keyring").toString());
            return;
        }
        // what an unsubscribe notice needs of a rule: its origin and origin key; the rest is never used for one
        SubscriptionSettings settings = new SubscriptionSettings(null, SubscriptionSettings.DEFAULT_NONCE_SOURCE,
                SubscriptionSettings.DEFAULT_TOKEN_LIFETIME, originKey.get(),
                r.origin().isEmpty() ? Optional.empty() : Optional.of(r.origin()), SubscriptionSettings.DEFAULT_ORIGIN_TIMEOUT,
                SubscriptionSettings.DEFAULT_TYPE, Transport.AUTO, SubscriptionSettings.DEFAULT_HEARTBEAT,
                SubscriptionSettings.DEFAULT_RETRY, SubscriptionSettings.DEFAULT_REPLAY_BUFFER, false);
        SubscriptionPlan plan = new SubscriptionPlan(r.user(), r.event(), r.customer(), settings, "(reaped from edge " + dead + ")");
        long handle;
        try {
            handle = Long.parseUnsignedLong(r.sid(), 16);
        } catch (NumberFormatException e) {
            handle = 0;
        }
        metrics.reaped("subscription");
        registry.unsubscribeOrphan(handle, r.token(), r.expiresAt(), plan, r.host().isEmpty() ? null : r.host(), "edge-dead");
    }

    private static Map<String, byte[]> map(List<Object> flat) {
        Map<String, byte[]> out = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            if (flat.get(i) instanceof byte[] k && flat.get(i + 1) instanceof byte[] v) {
                out.put(new String(k, StandardCharsets.UTF_8), v);
            }
        }
        return out;
    }
}
