package io.surrogate.server.transport;

import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpServerConnection;
import java.io.IOException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.xnio.ChannelListener;
import org.xnio.conduits.ConduitStreamSourceChannel;

/**
 * Notices a client that goes away while its response is held. A client that goes away sends
 * FIN; reading the idle request side sees it at once, where a write would only fail one or two
 * heartbeats later. Bytes a client sends meanwhile (a pipelined request after a long-poll) are
 * put back for Undertow to parse after the answer. Also used while the origin decides on a
 * subscription, so a client that leaves then is never held.
 */
public final class CloseWatcher {
    private CloseWatcher() {}

    /** Watches on the exchange's IO thread until {@code done}; {@code close} gets the reason. */
    public static void watch(HttpServerExchange exchange, BooleanSupplier done, Consumer<String> close) {
        if (!(exchange.getConnection() instanceof HttpServerConnection http)) {
            // HTTP/2: the connection's close reaches every stream's response (ConnectionState); a
            // stream's RST_STREAM wakes its response's writer (StreamedResponse), and a parked
            // long-poll hears of it at the end of its wait
            return;
        }
        ConduitStreamSourceChannel source = http.getChannel().getSourceChannel();
        source.getReadSetter().set((ChannelListener<ConduitStreamSourceChannel>) ch -> {
            if (done.getAsBoolean()) {
                ch.suspendReads();
                return;
            }
            PooledByteBuffer pooled = exchange.getConnection().getByteBufferPool().allocate();
            boolean keep = false;
            try {
                int n = ch.read(pooled.getBuffer());
                if (n < 0) {
                    close.accept("client-closed");
                } else if (n > 0) {
                    pooled.getBuffer().flip();
                    ch.suspendReads();
                    http.ungetRequestBytes(pooled);
                    keep = true;
                }
            } catch (IOException e) {
                close.accept("read-failed");
            } finally {
                if (!keep) {
                    pooled.close();
                }
            }
        });
        // the request's body conduit is spent; watch the socket itself (Undertow resets the conduits for the next request)
        source.setConduit(http.getOriginalSourceConduit());
        source.resumeReads();
    }
}
