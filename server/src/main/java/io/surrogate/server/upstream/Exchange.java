package io.surrogate.server.upstream;

import io.surrogate.server.LogLine;
import io.undertow.client.ClientCallback;
import io.undertow.client.ClientExchange;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.util.Headers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.logging.Logger;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;

/**
 * One exchange of a request on a connection: writes the body, reads the answer (keeping
 * {@link OriginClient#MAX_ANSWER_BODY}), and gives the connection back. All on the connection's
 * thread.
 *
 * <p>Retry: when a connection that already served a request fails before the origin's answer
 * has begun (reset, or closed: the origin ended the keep-alive just as this request went out),
 * the request is sent once more on a new connection, signed again with a new timestamp and
 * nonce when the caller gave a way to sign (see {@link OriginCall#signAgain}). The race this
 * heals (an idle connection closed by the origin at the moment it is reused) is the common
 * one; the origin can only see the request twice if it read the first copy and then dropped
 * the connection without answering. A connection seen closed before use is never sent on (see
 * {@link ConnectionPool#start}); a new connection's failure is not retried.
 */
final class Exchange implements ClientCallback<ClientExchange> {
    private static final Logger LOG = Logger.getLogger("surrogate.origin");
    private static final byte[] NONE = new byte[0];

    private final OriginCall call;
    private final PooledConnection c;
    private final boolean reused;
    private final ConnectionPool pool;
    private ClientExchange exchange;
    private boolean answering;
    private boolean sent;
    private ByteBuffer toSend;
    private boolean shut;
    private StreamSinkChannel requestChannel;
    private StreamSourceChannel responseChannel;
    private int status;
    private String contentType;
    private String retryAfter;
    private byte[] kept = NONE;
    private int keptLength;
    private long dropped;

    Exchange(OriginCall call, PooledConnection c, boolean reused, ConnectionPool pool) {
        this.call = call;
        this.c = c;
        this.reused = reused;
        this.pool = pool;
    }

    OriginCall call() {
        return call;
    }

    private boolean current() {
        return c.exchange == this;
    }

    @Override
    public void completed(ClientExchange ex) {
        if (!current()) {
            return;
        }
        if (exchange == null) {
            exchange = ex;
            ex.setResponseListener(this);
            byte[] body = call.body();
            if (body.length == 0) {
                sent = true; // the client sends a request without a body itself
            } else {
                toSend = ByteBuffer.wrap(body);
                requestChannel = ex.getRequestChannel();
                write();
            }
            return;
        }
        answering = true;
        status = ex.getResponse().getResponseCode();
        contentType = ex.getResponse().getResponseHeaders().getFirst(Headers.CONTENT_TYPE);
        retryAfter = ex.getResponse().getResponseHeaders().getFirst(Headers.RETRY_AFTER);
        responseChannel = ex.getResponseChannel();
        read();
    }

    @Override
    public void failed(IOException e) {
        if (!current()) {
            return;
        }
        c.exchange = null;
        call.conn = null;
        pool.kill(c);
        if (call.result.isDone()) {
            return;
        }
        if (reused && !answering && !call.retried) {
            call.retried = true;
            LOG.fine(() -> LogLine.of("origin-retry").with("origin", call.origin).with("error", e).toString());
            if (call.signAgain()) {
                pool.dispatch(call, true, true);
            }
            return;
        }
        LOG.fine(() -> LogLine.of("origin-request-failed").with("origin", call.origin).with("error", e).toString());
        pool.finish(call, OriginClient.UNREACHABLE);
    }

    private void write() {
        try {
            while (toSend.hasRemaining()) {
                if (requestChannel.write(toSend) == 0) {
                    waitToWrite();
                    return;
                }
            }
            if (!shut) {
                requestChannel.shutdownWrites();
                shut = true;
            }
            if (!requestChannel.flush()) {
                waitToWrite();
                return;
            }
            requestChannel.suspendWrites();
            sent = true;
        } catch (IOException e) {
            failed(e);
        }
    }

    private void waitToWrite() {
        requestChannel.getWriteSetter().set(channel -> {
            if (current()) {
                write();
            }
        });
        requestChannel.resumeWrites();
    }

    private void read() {
        PooledByteBuffer pooled = c.client.getBufferPool().allocate();
        try {
            ByteBuffer b = pooled.getBuffer();
            while (true) {
                b.clear();
                int n = responseChannel.read(b);
                if (n == -1) {
                    answered();
                    return;
                }
                if (n == 0) {
                    responseChannel.getReadSetter().set(channel -> {
                        if (current()) {
                            read();
                        }
                    });
                    responseChannel.resumeReads();
                    return;
                }
                b.flip();
                keep(b);
                if (dropped > OriginClient.MAX_DRAINED) {
                    // not worth reading on for the connection: close it, answer with what was kept
                    c.exchange = null;
                    call.conn = null;
                    pool.kill(c);
                    pool.finish(call, answer());
                    return;
                }
            }
        } catch (IOException e) {
            failed(e);
        } finally {
            pooled.close();
        }
    }

    private void keep(ByteBuffer b) {
        int take = Math.min(b.remaining(), OriginClient.MAX_ANSWER_BODY - keptLength);
        if (take > 0) {
            if (keptLength + take > kept.length) {
                kept = Arrays.copyOf(kept, Math.min(OriginClient.MAX_ANSWER_BODY, Math.max(keptLength + take, kept.length * 2)));
            }
            b.get(kept, keptLength, take);
            keptLength += take;
        }
        dropped += b.remaining();
    }

    private OriginClient.Answer answer() {
        return new OriginClient.Answer(status, contentType, keptLength == kept.length ? kept : Arrays.copyOf(kept, keptLength), null, retryAfter);
    }

    /** The whole answer is read: the connection goes back (kept only if the request went out whole), then the caller hears. */
    private void answered() {
        c.exchange = null;
        call.conn = null;
        OriginClient.Answer a = answer();
        pool.release(c, sent);
        pool.finish(call, a);
    }
}
