package io.surrogate.cli.loadtest;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Keep-alive publishing connections, per server address, on one {@link Loop}: at most
 * {@code maxPerAddress} open, one request in flight on each, the rest queued in order. A
 * {@code 421} with {@code X-Event-Edge} (Surrogate: another edge minted the token) sends the
 * publish again, rebuilt and re-signed, to that edge. Only the loop's thread calls it.
 */
final class Publishers {
    /** Answers, on the loop's thread. */
    interface Listener {
        void answered(Publish p, int status, String body, long now);

        /** No answer: the connection failed. */
        void failed(Publish p, String why);
    }

    private final Loop loop;
    private final Target target;
    private final int maxPerAddress;
    private final Listener listener;
    private final Map<InetSocketAddress, Pool> pools = new HashMap<>();
    private int inFlight;
    private long redirected;

    Publishers(Loop loop, Target target, int maxPerAddress, Listener listener) {
        this.loop = loop;
        this.target = target;
        this.maxPerAddress = maxPerAddress;
        this.listener = listener;
    }

    /** Publishes waiting or in flight. */
    int pending() {
        int queued = 0;
        for (Pool p : pools.values()) {
            queued += p.queue.size();
        }
        return queued + inFlight;
    }

    long redirected() {
        return redirected;
    }

    void submit(Publish p) {
        pools.computeIfAbsent(p.to, Pool::new).submit(p);
    }

    private final class Pool {
        final InetSocketAddress address;
        final ArrayDeque<Publish> queue = new ArrayDeque<>();
        final ArrayDeque<Connection> idle = new ArrayDeque<>();
        final List<Connection> all = new ArrayList<>();

        Pool(InetSocketAddress address) {
            this.address = address;
        }

        void submit(Publish p) {
            Connection c = idle.poll();
            if (c != null) {
                c.start(p);
            } else {
                queue.add(p);
                if (all.size() < maxPerAddress) {
                    Connection fresh = new Connection(this);
                    all.add(fresh);
                    fresh.open();
                }
            }
        }

        void free(Connection c) {
            Publish next = queue.poll();
            if (next != null) {
                c.start(next);
            } else {
                idle.push(c);
            }
        }
    }

    private final class Connection extends Conn {
        private final Pool pool;
        private Publish current;
        private int status;
        private final StringBuilder body = new StringBuilder();
        private String edge;
        private boolean closeAfter;

        Connection(Pool pool) {
            super(Publishers.this.loop, pool.address, null);
            this.pool = pool;
        }

        void start(Publish p) {
            current = p;
            inFlight++;
            p.attempts++;
            p.sentNanos = System.nanoTime();
            send(target.publishRequest(p));
        }

        @Override
        void connected() {
            pool.free(this);
        }

        @Override
        public void head(int status, Map<String, String> headers) {
            this.status = status;
            this.edge = headers.get("x-event-edge");
            // nginx closes a keep-alive connection after 1,000 requests and says so on the last answer
            this.closeAfter = "close".equalsIgnoreCase(headers.getOrDefault("connection", ""));
            body.setLength(0);
        }

        @Override
        public void body(ByteBuffer data) {
            if (body.length() < 512) {
                body.append(StandardCharsets.ISO_8859_1.decode(data));
            }
        }

        @Override
        public void end() {
            Publish p = current;
            current = null;
            inFlight--;
            if (p == null) {
                return;
            }
            if (status == 421 && edge != null && p.attempts < 3) {
                redirected++;
                int colon = edge.lastIndexOf(':');
                p.to = new InetSocketAddress(edge.substring(0, colon), Integer.parseInt(edge.substring(colon + 1)));
                if (closeAfter) {
                    closeQuietly();
                    pool.all.remove(this);
                } else {
                    pool.free(this);
                }
                submit(p);
                return;
            }
            listener.answered(p, status, body.toString(), System.nanoTime());
            if (closeAfter) {
                closeQuietly();
                pool.all.remove(this);
                if (!pool.queue.isEmpty()) {
                    Connection fresh = new Connection(pool);
                    pool.all.add(fresh);
                    fresh.open();
                }
                return;
            }
            pool.free(this);
        }

        @Override
        void failed(String why) {
            drop(why);
            Publish p;
            while ((p = pool.queue.poll()) != null) { // the server cannot be reached: fail what waits, not loop on connects
                listener.failed(p, why);
            }
        }

        @Override
        void lost(String why) {
            drop(why);
        }

        private void drop(String why) {
            pool.all.remove(this);
            pool.idle.remove(this);
            Publish p = current;
            current = null;
            if (p != null) {
                inFlight--;
                listener.failed(p, why);
            }
            if (!pool.queue.isEmpty() && pool.all.size() < maxPerAddress) {
                Connection fresh = new Connection(pool);
                pool.all.add(fresh);
                fresh.open();
            }
        }
    }
}
