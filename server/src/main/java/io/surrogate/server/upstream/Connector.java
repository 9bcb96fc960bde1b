package io.surrogate.server.upstream;

import io.undertow.client.ClientCallback;
import io.undertow.client.ClientConnection;
import io.undertow.client.UndertowClient;
import io.undertow.connector.ByteBufferPool;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;
import org.xnio.ssl.XnioSsl;

/**
 * Opens connections to origins on an IO thread: a name is resolved on the worker's task threads
 * first (a slow DNS server must not stall an IO thread), then Undertow's HTTP/1.1 client
 * connects, with a connect timeout of {@link OriginClient#CONNECT_TIMEOUT} (the request fails as
 * unreachable), or the request's own timeout when that is shorter (it fails as a timeout). A
 * connect not done by then is given up (see
 * {@link ConnectionPool#connectTimedOut}): Undertow's client cannot cancel it, so its socket
 * stays with the kernel until the kernel's own connect gives up, and is closed the moment it
 * connects or fails. The pool lets at most {@link OriginClient#MAX_CONNECTS_PER_ORIGIN} connects
 * to one origin hold a place at once.
 */
final class Connector {
    private static final OptionMap SOCKET_OPTIONS = OptionMap.create(Options.TCP_NODELAY, true);

    private final SSLContext tls;
    private final OriginScheduler scheduler;
    private final Duration connectTimeout;
    private final AtomicReference<XnioSsl> ssl = new AtomicReference<>();
    private volatile XnioWorker worker;
    private volatile ByteBufferPool buffers;
    private ConnectionPool pool;

    Connector(SSLContext tls, OriginScheduler scheduler, Duration connectTimeout) {
        this.tls = tls;
        this.scheduler = scheduler;
        this.connectTimeout = connectTimeout;
    }

    void pool(ConnectionPool pool) {
        this.pool = pool;
    }

    void start(XnioWorker worker, ByteBufferPool buffers) {
        this.buffers = buffers;
        this.worker = worker;
    }

    /** Opens a connection for {@code call} on {@code thread}, after closing {@code evicted} (whose place it takes) if any; the place is counted already. */
    void connectOn(XnioIoThread thread, OriginCall call, PooledConnection evicted) {
        Runnable task = () -> {
            if (evicted != null) {
                pool.kill(evicted);
            }
            connect(call, thread);
        };
        if (Thread.currentThread() == thread) {
            task.run();
            return;
        }
        try {
            thread.execute(task);
        } catch (RejectedExecutionException stopped) {
            pool.connectFailed(call, new IOException("the worker has stopped"));
        }
    }

    /** On {@code thread}. */
    private void connect(OriginCall call, XnioIoThread thread) {
        String host = call.uri.getHost();
        if (literalAddress(host)) {
            connectNow(call, thread);
            return;
        }
        // The lookup fills the JVM's address cache (30 s by default), so the connect, which
        // resolves the name again on the IO thread, finds it there.
        try {
            worker.execute(() -> {
                try {
                    InetAddress.getAllByName(host);
                } catch (UnknownHostException e) {
                    pool.connectFailed(call, e);
                    return;
                }
                try {
                    thread.execute(() -> connectNow(call, thread));
                } catch (RejectedExecutionException stopped) {
                    pool.connectFailed(call, new IOException("the worker has stopped"));
                }
            });
        } catch (RejectedExecutionException stopped) {
            pool.connectFailed(call, new IOException("the worker has stopped"));
        }
    }

    private static boolean literalAddress(String host) {
        if (host.startsWith("[")) {
            return true;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if ((c < '0' || c > '9') && c != '.') {
                return false;
            }
        }
        return true;
    }

    private void connectNow(OriginCall call, XnioIoThread thread) {
        XnioSsl tlsLayer = null;
        if (call.https()) {
            try {
                tlsLayer = ssl();
            } catch (IOException e) {
                pool.connectFailed(call, e);
                return;
            }
        }
        PendingConnect pending = new PendingConnect(call);
        try {
            Duration timeout = pending.ownTimeout ? connectTimeout : call.timeout;
            pending.timer = scheduler.after(timeout, thread, () -> pool.on(thread, pending::timedOut, null));
        } catch (RejectedExecutionException stopped) {
            pool.connectFailed(call, new IOException("the worker has stopped"));
            return;
        }
        try {
            UndertowClient.getInstance().connect(pending, null, call.origin, thread, tlsLayer, buffers, SOCKET_OPTIONS);
        } catch (RuntimeException e) {
            pending.failed(new IOException(e));
        }
    }

    /** The TLS layer for https origins, made at the first one (the JVM's default context is looked up outside any lock). */
    private XnioSsl ssl() throws IOException {
        XnioSsl s = ssl.get();
        if (s != null) {
            return s;
        }
        SSLContext context = tls;
        if (context == null) {
            try {
                context = SSLContext.getDefault();
            } catch (NoSuchAlgorithmException e) {
                throw new IOException("no TLS context for https origins", e);
            }
        }
        ssl.compareAndSet(null, new UndertowXnioSsl(worker.getXnio(), OptionMap.EMPTY, context));
        return ssl.get();
    }

    /** A connect under way, on its IO thread: settled once, by its outcome or by its timeout, whichever comes first. */
    private final class PendingConnect implements ClientCallback<ClientConnection> {
        private final OriginCall call;
        /** The connect timeout is shorter than the request's: reaching it means unreachable, not a slow answer. */
        final boolean ownTimeout;
        private final AtomicBoolean settled = new AtomicBoolean();
        volatile OriginScheduler.Scheduled timer;

        PendingConnect(OriginCall call) {
            this.call = call;
            this.ownTimeout = connectTimeout.compareTo(call.timeout) < 0;
        }

        @Override
        public void completed(ClientConnection connection) {
            if (settled.compareAndSet(false, true)) {
                timer.cancel();
                pool.connected(call, connection);
            } else {
                IoUtils.safeClose(connection);
                pool.abandonedConnectEnded(call);
            }
        }

        @Override
        public void failed(IOException e) {
            if (settled.compareAndSet(false, true)) {
                OriginScheduler.Scheduled t = timer;
                if (t != null) {
                    t.cancel();
                }
                pool.connectFailed(call, e);
            } else {
                pool.abandonedConnectEnded(call);
            }
        }

        void timedOut() {
            if (settled.compareAndSet(false, true)) {
                pool.connectTimedOut(call, ownTimeout ? OriginClient.UNREACHABLE : OriginClient.TIMED_OUT);
            }
        }
    }
}
