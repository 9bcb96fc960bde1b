package io.surrogate.server;

import static io.surrogate.server.ProxiedClients.get;
import static io.surrogate.server.ProxiedClients.trusting;
import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.server.ProxiedClients.Answer;
import io.surrogate.server.ProxiedClients.ClientLog;
import io.surrogate.server.http.TrustedProxies.Header;
import org.junit.jupiter.api.Test;

/**
 * The client behind a trusted proxy, as the rules ({@code client.ip}, {@code client-ip},
 * {@code client-port}, a rate limit keyed by the address) and the log lines see it, on a real
 * edge: this test's sockets from 127.0.0.1 are the trusted proxy, from 127.0.0.2 an untrusted
 * client; 10.0.0.0/8 stands for further trusted hops. The walk is the one operations.md
 * ("Behind a proxy") describes.
 */
class ForwardedClientTest {
    private static final String PROXY = "127.0.0.1";
    private static final String STRANGER = "127.0.0.2";

    @Test
    void xForwardedForFromATrustedPeerIsTheClientForRulesRateLimitsAndLogs() throws Exception {
        try (ClientLog log = new ClientLog();
                EdgeFixture f = EdgeFixture.start(ProxiedClients.RULES, c -> c.withProxies(trusting(Header.X_FORWARDED_FOR, "127.0.0.1", "10.0.0.0/8")))) {
            int port = f.clientPort();
            // the client wrote the left part; the proxy appended the address it saw
            assertThat(get(port, PROXY, "/whoami", "X-Forwarded-For: 198.51.100.9, 203.0.113.7"))
                    .isEqualTo(new Answer(200, "203.0.113.7 0"));
            assertThat(get(port, PROXY, "/inside", "X-Forwarded-For: 203.0.113.7")).isEqualTo(new Answer(200, "inside"));
            assertThat(get(port, PROXY, "/inside", "X-Forwarded-For: 198.51.100.9").status()).as("outside the rule's block").isEqualTo(404);
            // trusted hops are passed; all trusted: the leftmost
            assertThat(get(port, PROXY, "/whoami", "X-Forwarded-For: 198.51.100.9, 203.0.113.7, 10.1.2.3, 10.0.0.1").body())
                    .isEqualTo("203.0.113.7 0");
            assertThat(get(port, PROXY, "/whoami", "X-Forwarded-For: 10.9.9.9, 10.1.2.3").body()).isEqualTo("10.9.9.9 0");
            // ports, IPv6 with and without brackets
            assertThat(get(port, PROXY, "/whoami", "X-Forwarded-For: 203.0.113.7:4711").body()).isEqualTo("203.0.113.7 4711");
            assertThat(get(port, PROXY, "/whoami", "X-Forwarded-For: [2001:db8::7]:4711").body()).isEqualTo("2001:db8::7 4711");
            assertThat(get(port, PROXY, "/whoami", "X-Forwarded-For: 2001:db8:0:0::7").body()).isEqualTo("2001:db8::7 0");
            assertThat(get(port, PROXY, "/inside", "X-Forwarded-For: [2001:db8::7]").status()).isEqualTo(200);
            // two lines are one list, in order
            assertThat(get(port, PROXY, "/whoami", "X-Forwarded-For: 198.51.100.9", "X-Forwarded-For: 203.0.113.7, 10.0.0.1").body())
                    .isEqualTo("203.0.113.7 0");
            // no header from the trusted peer: the peer
            assertThat(get(port, PROXY, "/whoami").body()).startsWith("127.0.0.1 ");

            // the rate limit counts the client, not the proxy; its log line names the client
            assertThat(get(port, PROXY, "/limited", "X-Forwarded-For: 203.0.113.7")).isEqualTo(new Answer(200, "counted 203.0.113.7"));
            assertThat(get(port, PROXY, "/limited", "X-Forwarded-For: 203.0.113.7").status()).isEqualTo(429);
            assertThat(get(port, PROXY, "/limited", "X-Forwarded-For: 203.0.113.8").status()).as("another client, its own count").isEqualTo(200);
            assertThat(log.events("rate-limited")).hasSize(1).allSatisfy(l -> assertThat(l).contains("from=203.0.113.7:0"));
            assertThat(log.events("forwarded-ignored")).isEmpty();
        }
    }

    @Test
    void fromAnUntrustedPeerTheHeadersAreIgnored() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(ProxiedClients.RULES, c -> c.withProxies(trusting(Header.X_FORWARDED_FOR, "127.0.0.1")))) {
            Answer seen = get(f.clientPort(), STRANGER, "/whoami", "X-Forwarded-For: 203.0.113.7");
            assertThat(seen.body()).startsWith("127.0.0.2 ").isNotEqualTo("127.0.0.2 0");
            assertThat(get(f.clientPort(), STRANGER, "/inside", "X-Forwarded-For: 203.0.113.7").status()).isEqualTo(404);
        }
        try (EdgeFixture f = EdgeFixture.start(ProxiedClients.RULES)) {
            assertThat(get(f.clientPort(), PROXY, "/inside", "X-Forwarded-For: 203.0.113.7", "Forwarded: for=203.0.113.7").status())
                    .as("no trusted proxies configured: nobody's word is taken").isEqualTo(404);
        }
        try (EdgeFixture f = EdgeFixture.start(ProxiedClients.RULES, c -> c.withProxies(trusting(Header.FORWARDED, "127.0.0.1")))) {
            assertThat(get(f.clientPort(), PROXY, "/whoami", "X-Forwarded-For: 203.0.113.7").body())
                    .as("the proxies write Forwarded: X-Forwarded-For is the client's").startsWith("127.0.0.1 ");
        }
    }

    @Test
    void forwardedFromATrustedPeerIsTheClient() throws Exception {
        try (ClientLog log = new ClientLog();
                EdgeFixture f = EdgeFixture.start(ProxiedClients.RULES, c -> c.withProxies(trusting(Header.FORWARDED, "127.0.0.1", "10.0.0.0/8")))) {
            int port = f.clientPort();
            assertThat(get(port, PROXY, "/whoami", "Forwarded: for=198.51.100.9;proto=https, for=\"[2001:db8::7]:4711\";by=_edge"))
                    .isEqualTo(new Answer(200, "2001:db8::7 4711"));
            assertThat(get(port, PROXY, "/inside", "Forwarded: For=203.0.113.7;Proto=http").body()).isEqualTo("inside");
            assertThat(get(port, PROXY, "/whoami", "Forwarded: for=203.0.113.7, for=10.0.0.1;by=10.0.0.2").body()).isEqualTo("203.0.113.7 0");
            assertThat(get(port, PROXY, "/whoami", "Forwarded: for=\"203.0.113.7:_port\"").body()).as("an obfuscated port").isEqualTo("203.0.113.7 0");
            assertThat(get(port, PROXY, "/whoami", "Forwarded: for=\"\\2\\03.0.113.7\"").body()).as("a quoted-pair").isEqualTo("203.0.113.7 0");
            // an obfuscated or unknown hop left of the client is never read
            assertThat(get(port, PROXY, "/whoami", "Forwarded: for=_hidden, for=unknown, for=203.0.113.7").body()).isEqualTo("203.0.113.7 0");
            assertThat(get(port, PROXY, "/whoami", "Forwarded: for=198.51.100.9", "Forwarded: for=203.0.113.7").body())
                    .as("two lines, one list").isEqualTo("203.0.113.7 0");
            assertThat(get(port, PROXY, "/limited", "Forwarded: for=203.0.113.7").status()).isEqualTo(200);
            assertThat(get(port, PROXY, "/limited", "Forwarded: for=203.0.113.7").status()).isEqualTo(429);
            assertThat(log.events("rate-limited")).hasSize(1).allSatisfy(l -> assertThat(l).contains("from=203.0.113.7:0"));
            assertThat(log.events("forwarded-ignored")).isEmpty();
        }
    }

    @Test
    void hostileXForwardedForIsIgnoredOrReadOnlyWhereTheProxyWrote() throws Exception {
        try (ClientLog log = new ClientLog();
                EdgeFixture f = EdgeFixture.start(ProxiedClients.RULES, c -> c.withProxies(trusting(Header.X_FORWARDED_FOR, "127.0.0.1", "10.0.0.0/8")))) {
            int port = f.clientPort();
            // garbage the client wrote, left of what the proxy appended: never read
            String clientGarbage = "X-Forwarded-For: <script>, 1.2.3, ::::, unknown, _x, \"1.2.3.4\", 203.0.113.7";
            assertThat(get(port, PROXY, "/whoami", clientGarbage).body()).isEqualTo("203.0.113.7 0");
            // 13 KB of client-written entries: only the right end is read
            assertThat(get(port, PROXY, "/whoami", "X-Forwarded-For: " + "198.51.100.1, ".repeat(1000) + "203.0.113.7").body())
                    .isEqualTo("203.0.113.7 0");
            assertThat(log.events("forwarded-ignored")).isEmpty();

            // where the walk needs an address and finds none: the header is ignored, the peer is the client
            String[][] ignored = {
                {"X-Forwarded-For: garbage", "not-an-address"},
                {"X-Forwarded-For: 203.0.113.7, 10.0.0.1, not-an-ip", "not-an-address"},
                {"X-Forwarded-For: [2001:db8::7", "not-an-address"},
                {"X-Forwarded-For: [203.0.113.7]", "not-an-address"},
                {"X-Forwarded-For: 203.0.113.7:99999", "not-an-address"},
                {"X-Forwarded-For: fe80::1%eth0", "not-an-address"},
                {"X-Forwarded-For: unknown", "unknown"},
                {"X-Forwarded-For: 203.0.113.7, _hidden", "obfuscated"},
                {"X-Forwarded-For: 203.0.113.7, " + "10.0.0.1, ".repeat(16) + "10.0.0.2", "too-many-hops"},
                {"X-Forwarded-For: " + "9".repeat(200), "not-an-address"},
            };
            for (String[] c : ignored) {
                log.clear();
                assertThat(get(port, PROXY, "/whoami", c[0]).body()).as(c[0]).startsWith("127.0.0.1 ");
                assertThat(log.events("forwarded-ignored")).as(c[0]).hasSize(1)
                        .allSatisfy(l -> assertThat(l).contains("reason=" + c[1]).contains("peer=127.0.0.1:").doesNotContain("203.0.113.7"));
            }
            assertThat(get(port, PROXY, "/whoami", "X-Forwarded-For: 203.0.113.7, " + "10.0.0.1, ".repeat(14) + "10.0.0.2").body())
                    .as("16 entries, the client the last: the most read").isEqualTo("203.0.113.7 0");

            // 10,000 entries pass the edge's 16 KiB header limit: refused before any rule runs
            log.clear();
            Answer tooMany = get(port, PROXY, "/limited", "X-Forwarded-For: " + "10.0.0.1,".repeat(10_000) + "203.0.113.7");
            assertThat(tooMany.status()).isEqualTo(400);
            assertThat(get(port, PROXY, "/limited", "X-Forwarded-For: 203.0.113.7").status()).as("the refused one was not counted").isEqualTo(200);
        }
    }

    @Test
    void hostileForwardedIsIgnoredWhereTheWalkNeedsIt() throws Exception {
        try (ClientLog log = new ClientLog();
                EdgeFixture f = EdgeFixture.start(ProxiedClients.RULES, c -> c.withProxies(trusting(Header.FORWARDED, "127.0.0.1", "10.0.0.0/8")))) {
            int port = f.clientPort();
            String[][] ignored = {
                {"Forwarded: for=_hidden", "obfuscated"},
                {"Forwarded: for=unknown", "unknown"},
                {"Forwarded: for=[2001:db8::7]", "malformed"}, // RFC 7239: brackets only inside quotes
                {"Forwarded: for=\"2001:db8::7\"", "not-an-address"}, // and an IPv6 address only in brackets
                {"Forwarded: for=\"[2001:db8::7]:x\"", "not-an-address"},
                {"Forwarded: for=203.0.113.7;for=198.51.100.9", "malformed"}, // a parameter twice in one element
                {"Forwarded: for=\"203.0.113.7", "malformed"}, // unterminated quote
                {"Forwarded: for=203.0.113.7 proto=http", "malformed"},
                {"Forwarded: proto=https", "no-for"},
                {"Forwarded: for=203.0.113.7, by=10.0.0.1", "no-for"},
                {"Forwarded: for=\"" + "1".repeat(5000) + "\"", "not-an-address"},
                {"Forwarded: for=203.0.113.7, " + "for=10.0.0.1, ".repeat(16) + "for=10.0.0.2", "too-many-hops"},
            };
            for (String[] c : ignored) {
                log.clear();
                assertThat(get(port, PROXY, "/whoami", c[0]).body()).as(c[0]).startsWith("127.0.0.1 ");
                assertThat(log.events("forwarded-ignored")).as(c[0]).hasSize(1)
                        .allSatisfy(l -> assertThat(l).contains("reason=" + c[1]).contains("header=Forwarded"));
            }
            log.clear();
            assertThat(get(port, PROXY, "/whoami", "Forwarded: for=\"" + "1".repeat(5000) + "\", for=203.0.113.7").body())
                    .as("a huge value left of the client is not read as an address").isEqualTo("203.0.113.7 0");
            assertThat(get(port, PROXY, "/whoami", "Forwarded: " + "for=198.51.100.1, ".repeat(700) + "for=203.0.113.7").body())
                    .isEqualTo("203.0.113.7 0");
            assertThat(log.events("forwarded-ignored")).isEmpty();
        }
    }
}
