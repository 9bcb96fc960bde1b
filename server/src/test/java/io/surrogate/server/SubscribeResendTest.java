package io.surrogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.token.OriginSignature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * protocol.md: a subscribe the edge resends on a new connection, after its reused keep-alive
 * connection failed before any answer, is signed afresh: the same token, a new nonce.
 */
class SubscribeResendTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void theResendAfterAStaleKeepAliveConnectionHasANewNonce() throws Exception {
        try (DroppingOrigin origin = new DroppingOrigin();
                EdgeFixture f = EdgeFixture.start(EdgeFixture.rule("repeatable", "sse", "1s",
                        "<origin>http://127.0.0.1:" + origin.port() + "</origin>"))) {
            try (RawClient a = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=A")) {
                assertThat(a.status).isEqualTo(200);
                origin.dropNext.set(1); // the next request on the kept connection is read, then the connection closed unanswered
                try (RawClient b = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B")) {
                    assertThat(b.status).as("held after the resend").isEqualTo(200);
                    assertThat(origin.accepted.get()).isEqualTo(2);
                    List<String[]> seen = origin.subscribes;
                    assertThat(seen).hasSize(3);
                    String[] dropped = seen.get(1);
                    String[] resent = seen.get(2);
                    assertThat(resent[0]).as("the same token").isEqualTo(dropped[0]);
                    String droppedNonce = OriginSignature.Header.parse(dropped[1]).orElseThrow().nonce();
                    String resentNonce = OriginSignature.Header.parse(resent[1]).orElseThrow().nonce();
                    assertThat(resentNonce).isNotEqualTo(droppedNonce);
                }
            }
            f.assertQuiet(WAIT);
        }
    }

    /** An HTTP/1.1 origin that answers 202 to everything, but reads and drops the request while {@link #dropNext} is above zero. */
    static final class DroppingOrigin implements AutoCloseable {
        final ServerSocket server;
        final ExecutorService threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "dropping-origin");
            t.setDaemon(true);
            return t;
        });
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger dropNext = new AtomicInteger();
        /** Token and signature of each /subscribe-event, in order. */
        final List<String[]> subscribes = new CopyOnWriteArrayList<>();

        DroppingOrigin() throws IOException {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
            threads.execute(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        accepted.incrementAndGet();
                        threads.execute(() -> serve(s));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve(Socket s) {
            try (s) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        return;
                    }
                    String[] lines = head.split("\r\n");
                    String token = null;
                    String signature = null;
                    int length = 0;
                    for (int i = 1; i < lines.length; i++) {
                        int colon = lines[i].indexOf(':');
                        String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
                        String value = lines[i].substring(colon + 1).trim();
                        switch (name) {
                            case "x-event-token" -> token = value;
                            case "x-event-signature" -> signature = value;
                            case "content-length" -> length = Integer.parseInt(value);
                            default -> { }
                        }
                    }
                    in.readNBytes(length);
                    if (lines[0].startsWith("POST /subscribe-event ")) {
                        subscribes.add(new String[] {token, signature});
                    }
                    if (dropNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        return;
                    }
                    out.write("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
            } catch (IOException e) {
                // the edge went away
            }
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b == -1) {
                    return null;
                }
                head.write(b);
                matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            return text.substring(0, text.length() - 4);
        }

        @Override
        public void close() throws IOException {
            server.close();
            threads.shutdownNow();
        }
    }
}
