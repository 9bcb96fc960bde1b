package io.surrogate.server;

import io.surrogate.server.http.TrustedProxies;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * What the proxy tests share: rules that show which client the edge saw, a request written
 * from a chosen loopback address (127.0.0.1 and 127.0.0.2 are both this machine, so one can be
 * a trusted proxy and the other not), and a capture of the client logger's lines.
 */
final class ProxiedClients {
    private ProxiedClients() {}

    /**
     * {@code /whoami} answers "IP PORT" as the rules see them; {@code /inside} answers 200 only
     * for a client in 203.0.113.0/24 or 2001:db8::/32 (404 otherwise); {@code /limited} allows
     * one request a minute per client address; {@code /sub?e=EVENT} subscribes with a token
     * whose nonce is made from the client's port.
     */
    static final String RULES = """
            <rules xmlns="urn:surrogate:rules:1" xmlns:match="urn:surrogate:match:1"
                   xmlns:variable="urn:surrogate:variable:1" xmlns:edgeservices="urn:surrogate:edgeservices:1">
              <match:uri.path value="/whoami">
                <variable:extract name="IP" from="client-ip"/>
                <variable:extract name="PORT" from="client-port"/>
                <edgeservices:respond status="200">$(IP) $(PORT)</edgeservices:respond>
              </match:uri.path>
              <match:uri.path value="/inside">
                <match:client.ip value="203.0.113.0/24, 2001:db8::/32">
                  <edgeservices:respond status="200">inside</edgeservices:respond>
                </match:client.ip>
              </match:uri.path>
              <match:uri.path value="/sub">
                <variable:extract from="query" key="e" name="EVENT" required="true"/>
                <edgeservices:event.handle-subscription>
                  <token><key>tok</key><nonce-source>PORT</nonce-source></token>
                  <event-id>$(EVENT)</event-id>
                  <transport>sse</transport>
                </edgeservices:event.handle-subscription>
              </match:uri.path>
              <match:uri.path value="/limited">
                <variable:extract name="IP" from="client-ip"/>
                <edgeservices:rate-limit key="ip:$(IP)" limit="1" per="1m"/>
                <edgeservices:respond status="200">counted $(IP)</edgeservices:respond>
              </match:uri.path>
            </rules>
            """;

    static TrustedProxies trusting(TrustedProxies.Header header, String... blocks) {
        return TrustedProxies.NONE.withPeers(Arrays.stream(blocks).map(TrustedProxies::block).toList()).withHeader(header);
    }

    /** An answer: status and body; status 0 when the edge closed the connection without one. */
    record Answer(int status, String body) {}

    /** {@code GET path} with {@code headers} ("Name: value" each), after {@code preface}, sent from {@code from}. */
    static Answer get(int port, String from, byte[] preface, String path, String... headers) throws IOException {
        StringBuilder request = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: edge\r\nConnection: close\r\n");
        for (String h : headers) {
            request.append(h).append("\r\n");
        }
        request.append("\r\n");
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(from, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(preface);
                out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (SocketException closedByTheEdge) {
                // the edge may close before the request is written; what it answered is still read
            }
            String text = readAll(s.getInputStream());
            if (text.isEmpty()) {
                return new Answer(0, "");
            }
            int status = Integer.parseInt(text.split(" ", 3)[1]);
            int body = text.indexOf("\r\n\r\n");
            return new Answer(status, body < 0 ? "" : text.substring(body + 4).strip());
        }
    }

    static Answer get(int port, String from, String path, String... headers) throws IOException {
        return get(port, from, new byte[0], path, headers);
    }

    private static String readAll(InputStream in) throws IOException {
        try {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (SocketException reset) {
            return "";
        }
    }

    /** The messages of {@code surrogate.client} at FINE and above while open. */
    static final class ClientLog extends Handler implements AutoCloseable {
        private final Logger logger = Logger.getLogger("surrogate.client");
        private final Level level = logger.getLevel();
        private final boolean parents = logger.getUseParentHandlers();
        private final List<String> lines = new ArrayList<>();

        ClientLog() {
            setLevel(Level.FINE);
            logger.setLevel(Level.FINE);
            logger.setUseParentHandlers(false);
            logger.addHandler(this);
        }

        @Override
        public synchronized void publish(LogRecord r) {
            lines.add(r.getMessage());
        }

        synchronized List<String> events(String event) {
            return lines.stream().filter(l -> l.startsWith("event=" + event + " ")).toList();
        }

        synchronized void clear() {
            lines.clear();
        }

        @Override
        public void flush() {}

        @Override
        public void close() {
            logger.removeHandler(this);
            logger.setLevel(level);
            logger.setUseParentHandlers(parents);
        }
    }
}
