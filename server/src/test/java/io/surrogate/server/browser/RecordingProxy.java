package io.surrogate.server.browser;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain TCP relay on loopback in front of the edge's client listener that keeps the head
 * of every HTTP/1.1 request a client sent through it, so a test can see which headers
 * reached the edge (a browser's {@code Last-Event-ID}). When the edge closes a connection the
 * relay closes the client's; when the edge is down a client's connection is closed at once,
 * as a refused connect would be.
 */
final class RecordingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int target;
    private final List<String> heads = new ArrayList<>();
    private final List<Socket> sockets = new ArrayList<>();
    private final Thread acceptor;

    RecordingProxy(int targetPort) throws IOException {
        this.target = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::accept, "recording-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Every request head (request line and headers) clients sent, oldest first. */
    List<String> heads() {
        synchronized (heads) {
            return List.copyOf(heads);
        }
    }

    /** Closes every connection relayed so far, both sides, as a network that drops would. */
    void dropAll() throws IOException {
        synchronized (sockets) {
            for (Socket s : sockets) {
                s.close();
            }
            sockets.clear();
        }
    }

    private void accept() {
        while (!listener.isClosed()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return;
            }
            Socket upstream = new Socket();
            synchronized (sockets) {
                sockets.add(client);
                sockets.add(upstream);
            }
            try {
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target));
            } catch (IOException e) {
                close(client, upstream);
                continue;
            }
            pump(client, upstream, true);
            pump(upstream, client, false);
        }
    }

    private void pump(Socket from, Socket to, boolean record) {
        Thread t = new Thread(() -> {
            StringBuilder head = new StringBuilder();
            byte[] buffer = new byte[8192];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) != -1) {
                    if (record) {
                        head.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                        int end;
                        while ((end = head.indexOf("\r\n\r\n")) >= 0) {
                            synchronized (heads) {
                                heads.add(head.substring(0, end));
                            }
                            // a GET has no body: what follows is the next request on the connection
                            head.delete(0, end + 4);
                        }
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // one side closed: close both
            } finally {
                close(from, to);
            }
        }, "recording-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void close(Socket a, Socket b) {
        try {
            a.close();
        } catch (IOException ignored) {
            // already closed
        }
        try {
            b.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        synchronized (sockets) {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
