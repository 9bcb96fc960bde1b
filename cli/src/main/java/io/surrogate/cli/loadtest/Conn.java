package io.surrogate.cli.loadtest;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * A non-blocking HTTP/1.1 client connection on one {@link Loop}: connects from a given local
 * address, writes requests, and feeds what it reads to a {@link ResponseParser}. Subclasses
 * say what the responses mean. Only the loop's thread touches it.
 */
abstract class Conn implements ResponseParser.Handler {
    final Loop loop;
    private final InetSocketAddress remote;
    private final InetSocketAddress local;
    SocketChannel channel;
    private SelectionKey key;
    private ByteBuffer out;
    final ResponseParser parser = new ResponseParser(this);
    boolean closed;

    Conn(Loop loop, InetSocketAddress remote, InetSocketAddress local) {
        this.loop = loop;
        this.remote = remote;
        this.local = local;
    }

    /** Opens the socket and starts connecting; {@link #connected} follows, or {@link #failed}. */
    final void open() {
        try {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            if (local != null) {
                channel.bind(local);
            }
            if (channel.connect(remote)) {
                key = channel.register(loop.selector, 0, this);
                connected();
            } else {
                key = channel.register(loop.selector, SelectionKey.OP_CONNECT, this);
            }
        } catch (IOException e) {
            closeQuietly();
            failed("connect: " + e.getMessage());
        }
    }

    /** Queues bytes to write; writes what the socket takes now. */
    final void send(byte[] request) {
        out = ByteBuffer.wrap(request);
        try {
            channel.write(out);
        } catch (IOException e) {
            closeQuietly();
            lost("write: " + e.getMessage());
            return;
        }
        key.interestOps(out.hasRemaining() ? SelectionKey.OP_WRITE | SelectionKey.OP_READ : SelectionKey.OP_READ);
    }

    final void ready(SelectionKey k) {
        try {
            if (!k.isValid()) {
                return;
            }
            if (k.isConnectable()) {
                channel.finishConnect();
                k.interestOps(SelectionKey.OP_READ);
                connected();
            }
            if (k.isValid() && k.isWritable() && out != null) {
                channel.write(out);
                if (!out.hasRemaining()) {
                    out = null;
                    k.interestOps(SelectionKey.OP_READ);
                }
            }
            if (k.isValid() && k.isReadable()) {
                ByteBuffer in = loop.in;
                in.clear();
                int n = channel.read(in);
                if (n < 0) {
                    closeQuietly();
                    lost("closed by the server");
                    return;
                }
                in.flip();
                parser.feed(in);
            }
        } catch (IOException e) {
            closeQuietly();
            lost(e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    final void closeQuietly() {
        closed = true;
        if (key != null) {
            key.cancel();
        }
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    /** The TCP connection is up. */
    abstract void connected();

    /** The connection could not be opened. */
    abstract void failed(String why);

    /** An open connection failed or the server closed it. */
    abstract void lost(String why);
}
