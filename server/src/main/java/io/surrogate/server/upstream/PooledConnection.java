package io.surrogate.server.upstream;

import io.undertow.client.ClientConnection;
import org.xnio.XnioIoThread;

/** A pooled connection. Its fields other than {@code discarded} are read and written on its IO thread only. */
final class PooledConnection {
    final String key;
    final ClientConnection client;
    final XnioIoThread thread;
    /** The exchange in progress, or null when idle. */
    Exchange exchange;
    int uses;
    /** Out of the books (closed, or its place given to another connection). Under the pool's lock. */
    boolean discarded;

    PooledConnection(String key, ClientConnection client) {
        this.key = key;
        this.client = client;
        this.thread = client.getIoThread();
    }
}
