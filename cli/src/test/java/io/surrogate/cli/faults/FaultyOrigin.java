package io.surrogate.cli.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP front for a real origin that fails the way networks fail: in {@link Mode#FORWARD} it
 * passes bytes both ways; in {@link Mode#BLACK_HOLE} it stops accepting, so once its backlog of
 * one is full a new connection hangs in the handshake (a host that drops packets); in
 * {@link Mode#RESET} it accepts and resets at once; in {@link Mode#SILENT} it accepts, reads and
 * never answers.
 */
final class FaultyOrigin implements AutoCloseable {
    enum Mode { FORWARD, BLACK_HOLE, RESET, SILENT }

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final List<Socket> backlogFillers = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    private final Thread acceptor;
    final AtomicInteger accepted = new AtomicInteger();
    private volatile Mode mode = Mode.FORWARD;
    private volatile boolean closed;

    FaultyOrigin(InetSocketAddress target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "faulty-origin");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Switches mode; into {@link Mode#BLACK_HOLE}, the backlog is filled so that connects hang. */
    void mode(Mode next) throws IOException {
        synchronized (lock) {
            mode = next;
            lock.notifyAll();
        }
        // connections made before the fault (the edge's keep-alive pool) fail with it
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
        if (next == Mode.BLACK_HOLE) {
            // the acceptor has stopped; fill the queue (backlog 1 lets the kernel queue two)
            for (int i = 0; i < 4; i++) {
                Socket s = new Socket();
                try {
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port()), 300);
                    backlogFillers.add(s);
                } catch (IOException full) {
                    s.close();
                    break;
                }
            }
        } else {
            for (Socket s : backlogFillers) {
                s.close();
            }
            backlogFillers.clear();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            synchronized (lock) {
                while (mode == Mode.BLACK_HOLE && !closed) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            accepted.incrementAndGet();
            open.add(client);
            switch (mode) {
                case RESET -> reset(client);
                case SILENT -> drain(client);
                case BLACK_HOLE -> { } // taken while switching: held open, never read or answered
                default -> forward(client);
            }
        }
    }

    private void reset(Socket client) {
        try {
            client.setSoLinger(true, 0);
            client.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    private void drain(Socket client) {
        Thread t = new Thread(() -> {
            try (InputStream in = client.getInputStream()) {
                in.transferTo(OutputStream.nullOutputStream());
            } catch (IOException ignored) {
                // the edge gave up
            }
        }, "faulty-origin-silent");
        t.setDaemon(true);
        t.start();
    }

    private void forward(Socket client) {
        Socket upstream = new Socket();
        try {
            upstream.connect(target, 2_000);
        } catch (IOException e) {
            reset(client);
            return;
        }
        open.add(upstream);
        pipe(client, upstream);
        pipe(upstream, client);
    }

    private void pipe(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            try {
                from.getInputStream().transferTo(to.getOutputStream());
                to.shutdownOutput();
            } catch (SocketException gone) {
                closeQuietly(to);
            } catch (IOException e) {
                closeQuietly(to);
            }
        }, "faulty-origin-pipe");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        synchronized (lock) {
            lock.notifyAll();
        }
        server.close();
        for (Socket s : open) {
            closeQuietly(s);
        }
        for (Socket s : backlogFillers) {
            closeQuietly(s);
        }
    }
}
