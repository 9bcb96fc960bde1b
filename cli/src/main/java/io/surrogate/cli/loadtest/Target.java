package io.surrogate.cli.loadtest;

import java.net.InetSocketAddress;
import java.util.List;

/** The system under load: where subscribers connect, how an event is published, its processes. */
public interface Target extends AutoCloseable {
    /** {@code surrogate} or {@code nchan}. */
    String name();

    /** What was started and how (flags, version), for the report. */
    String describe();

    /** Where subscriber {@code i} connects. */
    InetSocketAddress clientAddress(int i);

    /** Subscriber {@code i}'s request path for a channel. */
    String subscribePath(int i, String channel);

    /** Every address subscribers connect to; subscriber {@code i} uses the one at {@code i mod size}. */
    List<InetSocketAddress> clientAddresses();

    /** The request path of subscriber {@code {i}} of channel {@code c{i}}, with {@code {i}} left in (for {@link Worker}). */
    String subscribeTemplate();

    /** Where a publish goes first. */
    InetSocketAddress publishAddress(int subscriber);

    /** The request bytes of a publish, built (and signed) now. */
    byte[] publishRequest(Publish p);

    /**
     * What an answer to a publish says: the number of subscribers it reached now (0 when the
     * server queued it for a subscriber between connections), or -1 when it was refused.
     */
    int delivered(int status, String body);

    /** Held subscribers as the server counts them. */
    long heldOnServer() throws Exception;

    /** True when the server holds nothing and has told its origin of every drop. */
    boolean settled() throws Exception;

    /** The server's processes, for memory and CPU. */
    List<Long> pids() throws Exception;

    /** The Redis processes the server uses (read beside {@link #pids}); none without Redis. */
    default List<Long> redisPids() {
        return List.of();
    }

    /** What the Redis the server uses holds ({@code used_memory}, KiB); null without Redis. */
    default Long redisUsedKiB() throws java.io.IOException {
        return null;
    }

    @Override
    void close();
}
