package io.surrogate.server.cluster;

import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.event.connection.ConnectionDeactivatedEvent;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.surrogate.server.LogLine;
import io.surrogate.server.delivery.LocalRouter;
import io.surrogate.server.metrics.ServerMetrics;
import io.surrogate.server.subscribe.SubscriptionRegistry;
import io.surrogate.server.transport.EventFrame;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import reactor.core.Disposable;

/**
 * Fan-out across the edges on Redis sharded pub/sub (issue 13). One channel per event key,
 * {@code surrogate:{p<N>}:ev:<eh>}, whose hash tag is one of {@value #PARTITIONS} partitions so
 * that on a Redis Cluster the events spread over the shards (a channel lives on the node that
 * owns its slot). An edge {@code SSUBSCRIBE}s the channel of an event key when it first holds a
 * subscription of it and {@code SUNSUBSCRIBE}s when the last one ends ({@link #hold},
 * {@link #release}); a fan-out is {@code SPUBLISH}ed once, encoded once ({@link Message}), and
 * each other edge that holds the event delivers it to its own subscribers.
 *
 * <p>One pub/sub connection (on a Cluster, Lettuce's, which keeps one per node). Its callbacks
 * run on Lettuce's IO thread and never block: a received fan-out goes to the local registry,
 * which hands each client's write to that client's IO thread. A bad message is logged,
 * counted and dropped.
 *
 * <p>Redis down or restarted: Lettuce reconnects (at most a second apart); on every reconnect
 * this bus subscribes again to every channel it holds, one command per channel (see
 * {@link #subscribeHeld}), and a channel Redis confirms that is no longer held is unsubscribed
 * (a {@code SUNSUBSCRIBE} refused while Redis was down). A channel Redis drops by itself (its
 * slot moved to another node) is subscribed again, there.
 */
public final class FanOutBus implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("surrogate.redis");
    /** Partitions of the channels: their hash tags {@code {p0}} to {@code {p63}}. */
    public static final int PARTITIONS = 64;
    /** The longest wait between two warnings about bad messages. */
    private static final long WARN_EVERY_NANOS = 10_000_000_000L;

    private final String edgeId;
    private final Redis redis;
    private final LocalRouter local;
    private final ServerMetrics metrics;
    private final RedisHealth health;
    private final StatefulRedisPubSubConnection<String, byte[]> connection;
    private final Disposable reconnects;
    /** the channels of the event keys this edge holds, with how many of them (more than one only if two keys share a hash) */
    private final ConcurrentHashMap<String, Integer> held = new ConcurrentHashMap<>();
    /** the channels Redis confirmed this edge is subscribed to */
    private final Set<String> subscribed = ConcurrentHashMap.newKeySet();
    private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

    /**
     * Opens the pub/sub connection (blocks: at the edge's start only).
     *
     * @param edgeId this edge's id: its own messages come back to it, and it skips them
     * @param local where a fan-out of another edge is delivered
     * @param health where a failed command is counted
     */
    public FanOutBus(Redis redis, String edgeId, LocalRouter local, ServerMetrics metrics, RedisHealth health) {
        this.edgeId = edgeId;
        this.redis = redis;
        this.local = local;
        this.metrics = metrics;
        this.health = health;
        this.connection = redis.connectPubSub();
        connection.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void smessage(String channel, byte[] message) {
                received(channel, message);
            }

            @Override
            public void ssubscribed(String channel, long count) {
                confirmed(channel);
            }

            @Override
            public void sunsubscribed(String channel, long count) {
                dropped(channel);
            }
        });
        this.reconnects = redis.resources().eventBus().get().subscribe(e -> {
            if (e instanceof ConnectionDeactivatedEvent) {
                subscribed.clear(); // confirmed again after the reconnect
            } else if (e instanceof ConnectionActivatedEvent) {
                subscribeHeld();
            }
        }, e -> LOG.warning(() -> LogLine.of("redis-events-failed").with("reason", e.toString()).toString()));
        metrics.gauge("surrogate.redis.fanout.channels", "Fan-out channels the edge subscribes to on Redis (one per event it holds)",
                held::size);
    }

    /** The first subscription of {@code eventKey} on this edge: listen to its channel. Never blocks. */
    public void hold(String eventKey) {
        held.compute(channel(eventKey), (c, n) -> {
            if (n == null) {
                subscribe(c);
                return 1;
            }
            return n + 1;
        });
    }

    /** The last subscription of {@code eventKey} on this edge ended: stop listening. Never blocks. */
    public void release(String eventKey) {
        held.computeIfPresent(channel(eventKey), (c, n) -> {
            if (n > 1) {
                return n - 1;
            }
            unsubscribe(c);
            return null;
        });
    }

    /**
     * Sends a fan-out of event {@code frame.eventId()} (under {@code originKeyName}, already
     * positioned) to the other edges that hold it. Completes with how many took it (the
     * channel's subscribers but this edge), or 0 when Redis did not take it (logged, counted);
     * never exceptionally.
     */
    public CompletionStage<Integer> publish(String originKeyName, EventFrame frame) {
        String channel = channel(SubscriptionRegistry.eventKey(originKeyName, frame.eventId()));
        byte[] message = Message.encode(edgeId, originKeyName, frame);
        CompletableFuture<Integer> out = new CompletableFuture<>();
        try {
            redis.commands().spublish(channel, message).whenComplete((count, error) -> {
                if (error != null || count == null) {
                    failed("publish", channel, error);
                    out.complete(0);
                    return;
                }
                metrics.fanOutMessage("published");
                out.complete((int) Math.max(0, count - (subscribed.contains(channel) ? 1 : 0)));
            });
        } catch (RuntimeException e) {
            failed("publish", channel, e);
            out.complete(0);
        }
        return out;
    }

    private void subscribe(String channel) {
        try {
            connection.async().ssubscribe(channel).whenComplete((v, e) -> {
                if (e != null) {
                    failed("subscribe", channel, e); // subscribed again when Redis is back
                }
            });
        } catch (RuntimeException e) {
            failed("subscribe", channel, e);
        }
    }

    private void unsubscribe(String channel) {
        try {
            connection.async().sunsubscribe(channel).whenComplete((v, e) -> {
                if (e != null) {
                    failed("unsubscribe", channel, e); // unsubscribed when Redis confirms it again
                }
            });
        } catch (RuntimeException e) {
            failed("unsubscribe", channel, e);
        }
    }

    /** Redis confirmed a subscription: kept if the channel is held, else (held no more) ended. */
    private void confirmed(String channel) {
        subscribed.add(channel);
        held.compute(channel, (c, n) -> {
            if (n == null) {
                unsubscribe(c);
            }
            return n;
        });
    }

    /** Redis ended a subscription: ours, or its own (the slot moved); subscribed again if still held. */
    private void dropped(String channel) {
        subscribed.remove(channel);
        held.computeIfPresent(channel, (c, n) -> {
            subscribe(c);
            return n;
        });
    }

    /**
     * After a reconnect, every channel held is subscribed again, one command per channel: those
     * refused while Redis was down, and those Lettuce fails to subscribe again itself (on a
     * Cluster it sends a node's channels in one {@code SSUBSCRIBE}, which Redis refuses with
     * {@code CROSSSLOT} when they are of several slots). Subscribing twice to a channel is one
     * subscription.
     */
    private void subscribeHeld() {
        for (String channel : held.keySet()) {
            held.computeIfPresent(channel, (c, n) -> {
                subscribe(c);
                return n;
            });
        }
    }

    /** A message on a channel: another edge's fan-out, delivered here; this edge's own, skipped. */
    private void received(String channel, byte[] bytes) {
        Message m;
        try {
            m = Message.decode(bytes);
            if (!channel.equals(channel(SubscriptionRegistry.eventKey(m.originKeyName(), m.frame().eventId())))) {
                throw new Message.Malformed("its event belongs to another channel");
            }
        } catch (Message.Malformed e) {
            metrics.fanOutMessage("malformed");
            warn(() -> LogLine.of("fanout-message-malformed").with("channel", channel).with("bytes", bytes.length)
                    .with("reason", e.getMessage()).toString());
            return;
        }
        if (m.edgeId().equals(edgeId)) {
            return;
        }
        try {
            local.fanOutHere(m.originKeyName(), m.frame().eventId(), m.frame());
            metrics.fanOutMessage("received");
        } catch (RuntimeException e) {
            metrics.fanOutMessage("failed");
            LOG.log(Level.WARNING, LogLine.of("fanout-receive-failed").with("channel", channel).with("from", m.edgeId()).toString(), e);
        }
    }

    private void failed(String what, String channel, Throwable error) {
        health.failed(what);
        warn(() -> LogLine.of("redis-" + what + "-failed").with("channel", channel).with("reason", String.valueOf(error)).toString());
    }

    /** A warning at most every 10 s (Redis down fails every fan-out); the others at FINE. */
    private void warn(Supplier<String> line) {
        long now = System.nanoTime();
        long last = lastWarning.get();
        if (now - last >= WARN_EVERY_NANOS && lastWarning.compareAndSet(last, now)) {
            LOG.warning(line);
        } else {
            LOG.fine(line);
        }
    }

    /** {@code surrogate:{p<N>}:ev:<eh>}, N = the first 4 hex digits of eh mod {@value #PARTITIONS}. */
    public static String channel(String eventKey) {
        String eh = SharedKeys.eventHash(eventKey);
        return "surrogate:{p" + Integer.parseInt(eh, 0, 4, 16) % PARTITIONS + "}:ev:" + eh;
    }

    @Override
    public void close() {
        reconnects.dispose();
        try {
            connection.close();
        } catch (RuntimeException e) {
            LOG.fine(() -> "closing the pub/sub connection: " + e);
        }
    }

    /**
     * One fan-out between edges, encoded once by the edge it was posted to. Big-endian:
     * version byte {@code 1}; the sender's edge id; the position (8 bytes, not negative); the
     * origin key name; the event id; the content type (each string: 2 bytes of length, then
     * UTF-8); the body (4 bytes of length, then the bytes), and nothing after it.
     */
    record Message(String edgeId, String originKeyName, EventFrame frame) {
        static final byte VERSION = 1;

        /** A message this edge cannot read: dropped. */
        static final class Malformed extends Exception {
            private static final long serialVersionUID = 1L;

            Malformed(String message) {
                super(message, null, false, false);
            }
        }

        static byte[] encode(String edgeId, String originKeyName, EventFrame frame) {
            byte[] edge = utf8(edgeId);
            byte[] key = utf8(originKeyName);
            byte[] id = utf8(frame.eventId());
            byte[] ct = utf8(frame.contentType());
            byte[] body = frame.data();
            ByteBuffer b = ByteBuffer.allocate(1 + 2 + edge.length + 8 + 2 + key.length + 2 + id.length + 2 + ct.length + 4 + body.length);
            b.put(VERSION);
            b.putShort((short) edge.length).put(edge);
            b.putLong(frame.position());
            b.putShort((short) key.length).put(key);
            b.putShort((short) id.length).put(id);
            b.putShort((short) ct.length).put(ct);
            b.putInt(body.length).put(body);
            return b.array();
        }

        private static byte[] utf8(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            if (b.length > 0xFFFF) {
                throw new IllegalArgumentException("longer than 65535 bytes: " + s.substring(0, 40) + "...");
            }
            return b;
        }

        static Message decode(byte[] bytes) throws Malformed {
            if (bytes == null) {
                throw new Malformed("empty");
            }
            ByteBuffer b = ByteBuffer.wrap(bytes);
            try {
                byte version = b.get();
                if (version != VERSION) {
                    throw new Malformed("version " + version + ", not " + VERSION);
                }
                String edge = string(b, "edge id");
                if (edge.isEmpty()) {
                    throw new Malformed("no edge id");
                }
                long position = b.getLong();
                if (position < 0) {
                    throw new Malformed("a negative position");
                }
                String key = string(b, "origin key name");
                if (key.isEmpty()) {
                    throw new Malformed("no origin key name");
                }
                String id = string(b, "event id");
                String ct = string(b, "content type");
                int length = b.getInt();
                if (length < 0 || length != b.remaining()) {
                    throw new Malformed("a body of " + length + " bytes with " + b.remaining() + " left");
                }
                byte[] body = new byte[length];
                b.get(body);
                return new Message(edge, key, new EventFrame(id, body, ct, position));
            } catch (java.nio.BufferUnderflowException e) {
                throw new Malformed("cut short");
            }
        }

        private static String string(ByteBuffer b, String what) throws Malformed {
            int length = Short.toUnsignedInt(b.getShort());
            if (length > b.remaining()) {
                throw new Malformed("the " + what + " is cut short");
            }
            ByteBuffer slice = b.slice(b.position(), length);
            b.position(b.position() + length);
            try {
                return StandardCharsets.UTF_8.newDecoder().decode(slice).toString();
            } catch (CharacterCodingException e) {
                throw new Malformed("the " + what + " is not UTF-8");
            }
        }
    }
}
