package io.surrogate.server.http;

import com.google.common.net.InetAddresses;
import io.surrogate.engine.match.ClientIpMatcher;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The peers whose word on the client's real address the edge takes (issue 11), and how they
 * give it. {@link #NONE}: nobody's; the client is the socket's peer.
 *
 * <p>A request whose socket peer falls in one of {@link #peers} has its client read from the
 * {@link #header} (see {@link ClientAddress} for the walk); from any other peer that header is
 * ignored. With {@link #proxyProtocol} the client listener expects every connection to start
 * with a PROXY protocol header (v1 or v2) and takes its source address as the socket's peer.
 *
 * @param peers the address blocks of the proxies trusted to say who the client is; empty: none
 * @param header the header those proxies write
 * @param proxyProtocol the client listener requires the PROXY protocol (v1 or v2)
 */
public record TrustedProxies(List<ClientIpMatcher.Cidr> peers, Header header, boolean proxyProtocol) {
    public static final TrustedProxies NONE = new TrustedProxies(List.of(), Header.X_FORWARDED_FOR, false);

    /** The header a trusted proxy writes the client's address into. */
    public enum Header {
        /** {@code X-Forwarded-For: client, proxy1, proxy2}: nginx, HAProxy, most load balancers. */
        X_FORWARDED_FOR("x-forwarded-for", "X-Forwarded-For"),
        /** RFC 7239's {@code Forwarded: for=client, for=proxy1}. */
        FORWARDED("forwarded", "Forwarded");

        private final String option;
        private final String fieldName;

        Header(String option, String fieldName) {
            this.option = option;
            this.fieldName = fieldName;
        }

        /** The header's name on the wire. */
        public String fieldName() {
            return fieldName;
        }

        /** As the command line writes it: {@code x-forwarded-for}, {@code forwarded}. */
        public String option() {
            return option;
        }

        public static Optional<Header> byOption(String text) {
            for (Header h : values()) {
                if (h.option.equalsIgnoreCase(text.trim())) {
                    return Optional.of(h);
                }
            }
            return Optional.empty();
        }
    }

    public TrustedProxies {
        peers = List.copyOf(peers);
        Objects.requireNonNull(header, "header");
    }

    /** Whether the peer's word on the client is taken. */
    public boolean trusts(InetAddress peer) {
        for (ClientIpMatcher.Cidr block : peers) {
            if (block.contains(peer)) {
                return true;
            }
        }
        return false;
    }

    /**
     * An address block as an operator writes it: {@code 10.0.0.0/8}, {@code 192.0.2.7},
     * {@code 2001:db8::/32}, {@code ::1}. Bits beyond the prefix are ignored.
     *
     * @throws IllegalArgumentException naming the text and what is wrong with it
     */
    public static ClientIpMatcher.Cidr block(String text) {
        String t = text.trim();
        int slash = t.indexOf('/');
        String address = slash < 0 ? t : t.substring(0, slash);
        if (address.startsWith("[") && address.endsWith("]")) {
            address = address.substring(1, address.length() - 1);
        }
        if (address.isEmpty() || address.indexOf('%') >= 0 || !InetAddresses.isInetAddress(address)) {
            throw new IllegalArgumentException("'" + text + "' is not an address block; write an address with an optional prefix length: "
                    + "10.0.0.0/8, 192.0.2.7, 2001:db8::/32");
        }
        InetAddress a = InetAddresses.forString(address);
        int max = a.getAddress().length * 8;
        int prefix = max;
        if (slash >= 0) {
            String p = t.substring(slash + 1);
            if (!p.matches("[0-9]{1,3}") || Integer.parseInt(p) > max) {
                throw new IllegalArgumentException("'" + text + "': the prefix length must be a number from 0 to " + max);
            }
            prefix = Integer.parseInt(p);
        }
        String canonical = InetAddresses.toAddrString(a);
        return new ClientIpMatcher.Cidr(a.getAddress(), prefix, prefix == max ? canonical : canonical + "/" + prefix);
    }

    /** With these blocks trusted. */
    public TrustedProxies withPeers(List<ClientIpMatcher.Cidr> blocks) {
        return new TrustedProxies(blocks, header, proxyProtocol);
    }

    public TrustedProxies withHeader(Header h) {
        return new TrustedProxies(peers, h, proxyProtocol);
    }

    public TrustedProxies withProxyProtocol(boolean on) {
        return new TrustedProxies(peers, header, on);
    }

    @Override
    public String toString() {
        return "trusted-proxies(" + (peers.isEmpty() ? "none" : peers.stream().map(ClientIpMatcher.Cidr::text).collect(Collectors.joining(" ")))
                + ", header=" + header.option() + (proxyProtocol ? ", proxy-protocol" : "") + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrustedProxies t && t.header == header && t.proxyProtocol == proxyProtocol
                && t.peers.stream().map(ClientIpMatcher.Cidr::text).toList().equals(peers.stream().map(ClientIpMatcher.Cidr::text).toList());
    }

    @Override
    public int hashCode() {
        return Objects.hash(header, proxyProtocol, peers.stream().map(ClientIpMatcher.Cidr::text).toList());
    }
}
