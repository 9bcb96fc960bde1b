package io.surrogate.server.transport;

import io.undertow.protocols.http2.Http2Channel;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http2.Http2ServerConnection;
import io.undertow.util.HttpString;
import io.undertow.server.ServerConnection;
import io.undertow.util.AttachmentKey;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import org.xnio.IoUtils;

/**
 * What the edge keeps per client connection: its number (the rules' {@code CONNECTION} nonce)
 * and the responses held on it, each told when the connection closes. HTTP/1.1 holds one at a
 * time; HTTP/2 holds one per stream, any number, so this is a set, kept without allocating for
 * the usual one. Touched on the connection's IO thread only (an HTTP/2 connection's streams all
 * run on its one IO thread).
 *
 * <p>Under HTTP/2 Undertow makes a {@code ServerConnection} per stream, but their attachments
 * and close listeners are the shared connection's ({@code Http2Channel}): the state is attached
 * once per TCP connection, counted once, and its held responses hear of the connection's close
 * together. A single stream's end (the client's RST_STREAM) is not a connection close: the
 * response notices it itself ({@link StreamedResponse}) and leaves the others alone.
 */
public final class ConnectionState {
    private static final HttpString PATH = new HttpString(":path");
    private static final AttachmentKey<ConnectionState> KEY = AttachmentKey.create(ConnectionState.class);

    private final long number;
    /** null, one {@link HeldResponse}, or a list of them when a connection holds several. */
    private Object held;

    private ConnectionState(long number) {
        this.number = number;
    }

    /** Attaches a fresh state to a connection at its first request; its held responses hear of its close. */
    public static ConnectionState attach(ServerConnection connection, long number, Runnable onClose) {
        ConnectionState state = new ConnectionState(number);
        connection.putAttachment(KEY, state);
        connection.addCloseListener(c -> {
            onClose.run();
            state.closed();
        });
        return state;
    }

    /** The state of a connection that has one, or null. */
    public static ConnectionState of(ServerConnection connection) {
        return connection.getAttachment(KEY);
    }

    static ConnectionState of(HttpServerExchange exchange) {
        ConnectionState s = exchange.getConnection().getAttachment(KEY);
        return s != null ? s : new ConnectionState(0); // a connection not admitted by the edge (tests): held responses go untracked
    }

    /**
     * Ends what carries the exchange: under HTTP/1.1 its connection; under HTTP/2 only its stream
     * (RST_STREAM CANCEL), the connection's other streams untouched.
     */
    public static void abort(HttpServerExchange exchange) {
        if (exchange.getConnection() instanceof Http2ServerConnection h2 && !exchange.getRequestHeaders().contains(PATH)
                && UPGRADED_CHANNEL != null) {
            // the request that came by Upgrade: h2c is stream 1 and has no request channel, so
            // Undertow 2.4.4's close of it fails quietly; its Http2Channel is reset directly (the
            // field has a public getter from Undertow 2.4.5 on)
            ((Http2Channel) UPGRADED_CHANNEL.get(h2)).sendRstStream(1, Http2Channel.ERROR_CANCEL);
            return;
        }
        IoUtils.safeClose(exchange.getConnection());
    }

    private static final VarHandle UPGRADED_CHANNEL = channelField();

    private static VarHandle channelField() {
        try {
            return MethodHandles.privateLookupIn(Http2ServerConnection.class, MethodHandles.lookup())
                    .findVarHandle(Http2ServerConnection.class, "channel", Http2Channel.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // then the stream ends when its connection does
        }
    }

    public long number() {
        return number;
    }

    /** Records a held response; the ones already released are dropped first, so the set stays as small as what is held. */
    @SuppressWarnings("unchecked")
    void hold(HeldResponse<?> response) {
        if (held == null || held instanceof HeldResponse<?> one && one.released()) {
            held = response;
        } else if (held instanceof HeldResponse<?> one) {
            List<HeldResponse<?>> many = new ArrayList<>(2);
            many.add(one);
            many.add(response);
            held = many;
        } else {
            List<HeldResponse<?>> many = (List<HeldResponse<?>>) held;
            many.removeIf(HeldResponse::released);
            many.add(response);
        }
    }

    @SuppressWarnings("unchecked")
    private void closed() {
        Object h = held;
        held = null;
        if (h instanceof HeldResponse<?> one) {
            one.closed();
        } else if (h != null) {
            for (HeldResponse<?> r : List.copyOf((List<HeldResponse<?>>) h)) {
                r.closed();
            }
        }
    }
}
