package io.surrogate.server.cluster;

import io.lettuce.core.KeyValue;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.surrogate.server.LogLine;
import io.surrogate.server.metrics.ServerMetrics;
import io.surrogate.server.subscribe.TakeOver;
import io.surrogate.server.transport.EventFrame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.logging.Logger;

/**
 * The history the edges keep in Redis Streams (issue 13; docs/operations.md, "History and take-over"), and
 * its reading side for a client that comes back at another edge.
 *
 * <p>Positions: one counter per event key; a new position is {@code max(last + 1, now_ms * 1024)}
 * (Redis's clock), so positions only grow, also after the counter was lost with a Redis restart,
 * and each says roughly when it was given. An event is appended in one script: its position, the
 * {@code XADD} with id {@code <position>-0}, the trim to {@code historyCount} entries (exact) and
 * of the entries older than {@code historyAge}, the highest position trimmed recorded per stream
 * in the event's {@code trim} hash, and the keys' expiry: {@code historyAge} from now, or later if
 * a subscription of the event lives longer (its record extends the keys to its token's expiry,
 * so that a quiet event's history does not vanish under a live subscription).
 *
 * <p>Reading, after position P: both streams from P (exclusive), merged by position; history is
 * lost when either stream was trimmed past P. Malformed entries are logged, counted and skipped.
 */
public final class RedisHistory implements History, TakeOver {
    private static final Logger LOG = Logger.getLogger("surrogate.redis");

    /** KEYS pos, stream, trim; ARGV maxlen, age ms, trim field, event id, content type, body. Returns the position. */
    static final LuaScript APPEND = new LuaScript("""
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local held = redis.call('PEXPIRETIME', KEYS[1])
            local pos = math.max(tonumber(redis.call('GET', KEYS[1]) or '0') + 1, now * 1024)
            local top = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
            if #top > 0 then
              local last = tonumber(string.match(top[1][1], '^(%d+)'))
              if last >= pos then pos = last + 1 end
            end
            local p = string.format('%.0f', pos)
            redis.call('SET', KEYS[1], p, 'KEEPTTL')
            redis.call('XADD', KEYS[2], p .. '-0', 'id', ARGV[4], 'ct', ARGV[5], 'b', ARGV[6], 't', string.format('%.0f', now))
            local trimmed = 0
            local maxlen = tonumber(ARGV[1])
            local len = redis.call('XLEN', KEYS[2])
            if len > maxlen then
              local gone = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', len - maxlen)
              trimmed = tonumber(string.match(gone[#gone][1], '^(%d+)'))
              redis.call('XTRIM', KEYS[2], 'MAXLEN', maxlen)
            end
            local minid = string.format('%.0f', (now - tonumber(ARGV[2])) * 1024) .. '-0'
            local old = redis.call('XREVRANGE', KEYS[2], '(' .. minid, '-', 'COUNT', 1)
            if #old > 0 then
              local o = tonumber(string.match(old[1][1], '^(%d+)'))
              if o > trimmed then trimmed = o end
              redis.call('XTRIM', KEYS[2], 'MINID', minid)
            end
            if trimmed > 0 then
              local had = tonumber(redis.call('HGET', KEYS[3], ARGV[3]) or '0')
              if trimmed > had then redis.call('HSET', KEYS[3], ARGV[3], string.format('%.0f', trimmed)) end
            end
            local keep = now + tonumber(ARGV[2])
            if held > keep then keep = held end
            for i = 1, 3 do redis.call('PEXPIREAT', KEYS[i], string.format('%.0f', keep)) end
            return pos
            """);

    private final Redis redis;
    private final ServerMetrics metrics;
    private final byte[] maxLen;
    private final byte[] ageMillis;

    public RedisHistory(Redis redis, ServerMetrics metrics) {
        this.redis = redis;
        this.metrics = metrics;
        this.maxLen = ascii(Integer.toString(redis.settings().historyCount()));
        this.ageMillis = ascii(Long.toString(redis.settings().historyAge().toMillis()));
    }

    @Override
    public CompletionStage<Long> appendToEvent(String eventKey, EventFrame frame) {
        String eh = SharedKeys.eventHash(eventKey);
        return append(eh, SharedKeys.fan(eh), "fan", frame);
    }

    @Override
    public CompletionStage<Long> appendToSubscription(String sid, String eventKey, EventFrame frame) {
        String eh = SharedKeys.eventHash(eventKey);
        return append(eh, SharedKeys.uni(eh, sid), "uni:" + sid, frame);
    }

    private CompletionStage<Long> append(String eh, String stream, String trimField, EventFrame frame) {
        CompletionStage<Long> out = APPEND.run(redis.commands(), ScriptOutputType.INTEGER,
                new String[] {SharedKeys.pos(eh), stream, SharedKeys.trim(eh)},
                maxLen, ageMillis, ascii(trimField), utf8(frame.eventId()), utf8(frame.contentType() == null ? "" : frame.contentType()),
                frame.data());
        return out.whenComplete((pos, e) -> {
            if (e != null) {
                metrics.redisFailure("history");
                LOG.warning(() -> LogLine.of("history-append-failed").with("reason", String.valueOf(e.getMessage())).toString());
            }
        });
    }

    @Override
    public CompletionStage<Optional<Shared>> find(String clientHandle) {
        RedisClusterAsyncCommands<String, byte[]> r = redis.commands();
        return r.get(SharedKeys.client(clientHandle)).thenCompose(pointer -> {
            String[] ref = pointer == null ? null : text(pointer).split(":", 2);
            if (ref == null || ref.length != 2) {
                return CompletableFuture.completedFuture(Optional.empty());
            }
            return r.hgetall(SharedKeys.sub(ref[0], ref[1])).thenApply(fields -> shared(ref[1], fields));
        });
    }

    /** The record as the edges wrote it, or empty when it is gone or unreadable (logged and counted). */
    private Optional<Shared> shared(String sid, Map<String, byte[]> f) {
        if (f == null || f.isEmpty()) {
            return Optional.empty();
        }
        try {
            if (sid.length() != 16) {
                throw new IllegalArgumentException("not a subscription handle: " + sid);
            }
            Long.parseUnsignedLong(sid, 16);
            String host = field(f, "host");
            return Optional.of(new Shared(sid, field(f, "token"), field(f, "edge"), field(f, "eventKey"), field(f, "customer"),
                    field(f, "user"), field(f, "event"), host.isEmpty() ? null : host, Long.parseLong(field(f, "expiresAt")),
                    field(f, "type"), field(f, "originKey"), Long.parseLong(field(f, "first"))));
        } catch (RuntimeException e) {
            metrics.redisFailure("records");
            LOG.warning(() -> LogLine.of("subscription-record-unreadable").with("subscription", sid).with("reason", e.getMessage())
                    .toString());
            return Optional.empty();
        }
    }

    private static String field(Map<String, byte[]> f, String name) {
        byte[] v = f.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no field " + name);
        }
        return text(v);
    }

    @Override
    public CompletionStage<Missed> after(Shared shared, long after) {
        RedisClusterAsyncCommands<String, byte[]> r = redis.commands();
        String eh = SharedKeys.eventHash(shared.eventKey());
        String uniField = "uni:" + shared.sid();
        Range<String> range = Range.from(Range.Boundary.excluding(after + "-0"), Range.Boundary.unbounded());
        CompletableFuture<List<StreamMessage<String, byte[]>>> fan = r.xrange(SharedKeys.fan(eh), range).toCompletableFuture();
        CompletableFuture<List<StreamMessage<String, byte[]>>> uni = r.xrange(SharedKeys.uni(eh, shared.sid()), range)
                .toCompletableFuture();
        CompletableFuture<List<KeyValue<String, byte[]>>> trims = r.hmget(SharedKeys.trim(eh), "fan", uniField)
                .toCompletableFuture();
        return CompletableFuture.allOf(fan, uni, trims).thenApply(done -> {
            for (var kv : trims.join()) {
                if (kv.hasValue() && number(kv.getValue()) > after) {
                    return (Missed) new Lost("trimmed");
                }
            }
            List<EventFrame> frames = new ArrayList<>();
            frames(fan.join(), frames);
            frames(uni.join(), frames);
            frames.sort(Comparator.comparingLong(EventFrame::position));
            return new Events(frames);
        });
    }

    private void frames(List<StreamMessage<String, byte[]>> entries, List<EventFrame> out) {
        for (StreamMessage<String, byte[]> m : entries) {
            try {
                Map<String, byte[]> body = m.getBody();
                long position = Long.parseLong(m.getId().substring(0, m.getId().indexOf('-')));
                byte[] ct = body.get("ct");
                out.add(new EventFrame(field(body, "id"), Objects.requireNonNull(body.get("b"), "no field b"),
                        ct == null || ct.length == 0 ? null : text(ct), position));
            } catch (RuntimeException e) {
                metrics.redisFailure("history");
                LOG.warning(() -> LogLine.of("history-entry-unreadable").with("entry", m.getId()).with("reason", e.getMessage()).toString());
            }
        }
    }

    private static long number(byte[] b) {
        try {
            return Long.parseLong(text(b));
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE; // unreadable: count it as trimmed, so nothing is silently missed
        }
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
