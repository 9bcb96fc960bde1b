package io.surrogate.server;

import static io.surrogate.server.ProxiedClients.get;
import static io.surrogate.server.ProxiedClients.trusting;
import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.TinkTokenCodec;
import io.surrogate.server.ProxiedClients.Answer;
import io.surrogate.server.ProxiedClients.ClientLog;
import io.surrogate.server.http.TrustedProxies;
import io.surrogate.server.http.TrustedProxies.Header;
import io.surrogate.server.origin.SampleOrigin;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The PROXY protocol (v1 text, v2 binary, haproxy.org's proxy-protocol.txt) on the client
 * listener: the address in the header is the client for the rules and the logs; a connection
 * that does not start with a header is closed without an answer.
 */
class ProxyProtocolTest {
    private static final String PROXY = "127.0.0.1";

    @Test
    void version1GivesTheClient() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(ProxiedClients.RULES, c -> c.withProxies(TrustedProxies.NONE.withProxyProtocol(true)))) {
            byte[] tcp4 = ascii("PROXY TCP4 203.0.113.7 192.0.2.1 4711 443\r\n");
            assertThat(get(f.clientPort(), PROXY, tcp4, "/whoami")).isEqualTo(new Answer(200, "203.0.113.7 4711"));
            assertThat(get(f.clientPort(), PROXY, tcp4, "/inside")).isEqualTo(new Answer(200, "inside"));
            byte[] tcp6 = ascii("PROXY TCP6 2001:db8::7 2001:db8::1 4711 443\r\n");
            assertThat(get(f.clientPort(), PROXY, tcp6, "/whoami")).isEqualTo(new Answer(200, "2001:db8::7 4711"));
            byte[] outside = ascii("PROXY TCP4 198.51.100.9 192.0.2.1 4711 443\r\n");
            assertThat(get(f.clientPort(), PROXY, outside, "/inside").status()).isEqualTo(404);
            byte[] unknown = ascii("PROXY UNKNOWN\r\n");
            assertThat(get(f.clientPort(), PROXY, unknown, "/whoami").body()).as("UNKNOWN: the socket's peer").startsWith("127.0.0.1 ");
        }
    }

    @Test
    void version2GivesTheClientForRulesRateLimitsAndLogs() throws Exception {
        try (ClientLog log = new ClientLog();
                EdgeFixture f = EdgeFixture.start(ProxiedClients.RULES, c -> c.withProxies(TrustedProxies.NONE.withProxyProtocol(true)))) {
            int port = f.clientPort();
            byte[] tcp4 = v2(0x21, 0x11, "203.0.113.7", "192.0.2.1", 4711, 443, new byte[0]);
            assertThat(get(port, PROXY, tcp4, "/whoami")).isEqualTo(new Answer(200, "203.0.113.7 4711"));
            assertThat(get(port, PROXY, tcp4, "/inside")).isEqualTo(new Answer(200, "inside"));
            // TCP over IPv6, with a TLV (PP2_TYPE_AUTHORITY, "edge.example") the edge skips
            byte[] authority = tlv(0x02, "edge.example".getBytes(StandardCharsets.US_ASCII));
            byte[] tcp6 = v2(0x21, 0x21, "2001:db8::7", "2001:db8::1", 4712, 443, authority);
            assertThat(get(port, PROXY, tcp6, "/whoami")).isEqualTo(new Answer(200, "2001:db8::7 4712"));
            assertThat(get(port, PROXY, tcp6, "/inside").status()).isEqualTo(200);
            // LOCAL (the proxy's own health check): the socket's peer
            byte[] local = v2(0x20, 0x00, null, null, 0, 0, new byte[0]);
            assertThat(get(port, PROXY, local, "/whoami").body()).startsWith("127.0.0.1 ");

            assertThat(get(port, PROXY, tcp4, "/limited")).isEqualTo(new Answer(200, "counted 203.0.113.7"));
            assertThat(get(port, PROXY, tcp4, "/limited").status()).isEqualTo(429);
            assertThat(get(port, PROXY, v2(0x21, 0x11, "203.0.113.8", "192.0.2.1", 4711, 443, new byte[0]), "/limited").status())
                    .as("another client, its own count").isEqualTo(200);
            assertThat(log.events("rate-limited")).hasSize(1).allSatisfy(l -> assertThat(l).contains("from=203.0.113.7:4711"));

            // the PORT nonce is made from the client's port, not the proxy's
            try (Socket held = new Socket("127.0.0.1", port)) {
                held.getOutputStream().write(tcp4);
                held.getOutputStream().write("GET /sub?e=7 HTTP/1.1\r\nHost: edge\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String token = f.origin.awaitReceived(SampleOrigin.SUBSCRIBE_PATH, 1, HeldClients.WAIT).get(0).token();
                assertThat(TinkTokenCodec.open(token, Keyring.open(f.keys)).nonce()).startsWith("port-4711-c");
            }
            f.awaitUnsubscribes(1);
        }
    }

    @Test
    void aConnectionWithoutTheHeaderIsClosedWithoutAnAnswer() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(ProxiedClients.RULES, c -> c.withProxies(TrustedProxies.NONE.withProxyProtocol(true)))) {
            int port = f.clientPort();
            assertThat(get(port, PROXY, "/whoami")).isEqualTo(new Answer(0, ""));
            assertThat(get(port, PROXY, "/whoami", "X-Forwarded-For: 203.0.113.7")).isEqualTo(new Answer(0, ""));
            assertThat(get(port, PROXY, ascii("PROXY TCP4 not-an-ip 192.0.2.1 4711 443\r\n"), "/whoami")).isEqualTo(new Answer(0, ""));
            byte[] badVersion = v2(0x11, 0x11, "203.0.113.7", "192.0.2.1", 4711, 443, new byte[0]);
            assertThat(get(port, PROXY, badVersion, "/whoami")).isEqualTo(new Answer(0, ""));
            byte[] udp = v2(0x21, 0x12, "203.0.113.7", "192.0.2.1", 4711, 443, new byte[0]);
            assertThat(get(port, PROXY, udp, "/whoami")).as("UDP is not a client of this listener").isEqualTo(new Answer(0, ""));
            // and the listener still serves one that does
            assertThat(get(port, PROXY, ascii("PROXY TCP4 203.0.113.7 192.0.2.1 4711 443\r\n"), "/whoami").status()).isEqualTo(200);
        }
    }

    @Test
    void aTrustedProxyBehindThePROXYHeaderMaySayWhoTheClientIs() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(ProxiedClients.RULES,
                c -> c.withProxies(trusting(Header.X_FORWARDED_FOR, "10.0.0.0/8").withProxyProtocol(true)))) {
            byte[] fromTrusted = v2(0x21, 0x11, "10.0.0.5", "192.0.2.1", 4711, 443, new byte[0]);
            assertThat(get(f.clientPort(), PROXY, fromTrusted, "/whoami", "X-Forwarded-For: 203.0.113.7").body()).isEqualTo("203.0.113.7 0");
            byte[] fromClient = v2(0x21, 0x11, "198.51.100.9", "192.0.2.1", 4711, 443, new byte[0]);
            assertThat(get(f.clientPort(), PROXY, fromClient, "/whoami", "X-Forwarded-For: 203.0.113.7").body())
                    .as("the PROXY header's source is not trusted").isEqualTo("198.51.100.9 4711");
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * A v2 header written from the specification: the 12-byte signature, version and command,
     * family and transport, the length of what follows (addresses, ports, TLVs), big-endian.
     */
    static byte[] v2(int versionCommand, int familyTransport, String source, String destination, int sourcePort, int destinationPort,
            byte[] tlvs) throws Exception {
        ByteArrayOutputStream addresses = new ByteArrayOutputStream();
        if (source != null) {
            addresses.write(InetAddress.getByName(source).getAddress());
            addresses.write(InetAddress.getByName(destination).getAddress());
            addresses.write(sourcePort >> 8);
            addresses.write(sourcePort & 0xFF);
            addresses.write(destinationPort >> 8);
            addresses.write(destinationPort & 0xFF);
        }
        addresses.write(tlvs);
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        header.write(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        header.write(versionCommand);
        header.write(familyTransport);
        header.write(addresses.size() >> 8);
        header.write(addresses.size() & 0xFF);
        addresses.writeTo(header);
        return header.toByteArray();
    }

    private static byte[] tlv(int type, byte[] value) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(type);
        b.write(value.length >> 8);
        b.write(value.length & 0xFF);
        b.writeBytes(value);
        return b.toByteArray();
    }
}
