package io.surrogate.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.surrogate.server.http.ClientAddress.Resolution;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The parts of the address walk a real edge cannot reach easily: the operator's blocks as
 * written, and a fuzzer whose only contract is that any header value gives an answer (the
 * peer when the header is ignored), never an exception.
 */
class ClientAddressTest {
    private static final InetSocketAddress PEER = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40_000);

    @Test
    void blocksAreAddressesWithAPrefixAndNothingElse() throws Exception {
        TrustedProxies p = TrustedProxies.NONE.withPeers(List.of(TrustedProxies.block(" 10.0.0.0/8"), TrustedProxies.block("[2001:db8::]/32"),
                TrustedProxies.block("::ffff:192.0.2.7")));
        assertThat(p.trusts(InetAddress.getByName("10.200.1.1"))).isTrue();
        assertThat(p.trusts(InetAddress.getByName("11.0.0.1"))).isFalse();
        assertThat(p.trusts(InetAddress.getByName("2001:db8:ffff::1"))).isTrue();
        assertThat(p.trusts(InetAddress.getByName("2001:db9::1"))).isFalse();
        assertThat(p.trusts(InetAddress.getByName("192.0.2.7"))).as("an IPv4-mapped block is its IPv4 address").isTrue();
        assertThat(p.toString()).isEqualTo("trusted-proxies(10.0.0.0/8 2001:db8::/32 192.0.2.7, header=x-forwarded-for)");
        assertThatThrownBy(() -> TrustedProxies.block("10.0.0.0/33")).hasMessage("'10.0.0.0/33': the prefix length must be a number from 0 to 32");
        assertThatThrownBy(() -> TrustedProxies.block("2001:db8::/129")).hasMessageContaining("from 0 to 128");
        for (String bad : List.of("", "proxy.example", "10.0.0", "10.0.0.0/", "10.0.0.0/-1", "fe80::1%eth0", "10.0.0.0/8/8")) {
            assertThatThrownBy(() -> TrustedProxies.block(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "'");
        }
    }

    @Test
    void anyHeaderValueGivesAnAnswerNeverAnException() {
        TrustedProxies trustAll = TrustedProxies.NONE.withPeers(List.of(TrustedProxies.block("0.0.0.0/0"), TrustedProxies.block("::/0")));
        String alphabet = "0123456789abcdef.:[]_\"\\;,= \t\u0000\u00ff/%forFORunknown";
        Random random = new Random(11);
        for (int round = 0; round < 20_000; round++) {
            StringBuilder value = new StringBuilder();
            int length = random.nextInt(60);
            for (int i = 0; i < length; i++) {
                value.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            for (TrustedProxies.Header header : TrustedProxies.Header.values()) {
                Resolution r = ClientAddress.resolve(trustAll.withHeader(header), PEER, List.of(value.toString(), "for=" + value));
                assertThat(r.client()).isNotNull();
                if (r.ignored().isPresent()) {
                    assertThat(r.client()).isSameAs(PEER);
                }
            }
        }
    }
}
