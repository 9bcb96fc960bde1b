package io.surrogate.server.transport;

import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import io.undertow.util.AttachmentKey;
import java.util.ArrayList;
import java.util.List;

/**
 * What the edge keeps per client connection: its number (the rules' {@code CONNECTION} nonce)
 * and the responses held on it, each told when the connection closes. HTTP/1.1 holds one at a
 * time; a protocol with streams may hold many, so this is a set, kept without allocating for
 * the usual one. Touched on the connection's IO thread only.
 */
public final class ConnectionState {
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
