package io.surrogate.engine.match;

import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.print.CanonicalXml;
import java.net.InetAddress;
import java.util.List;
import java.util.stream.Collectors;

/** {@code match:client.ip}: the client address falls in one of the CIDR blocks. */
public final class ClientIpMatcher implements Matcher {
    /** An address block: the network's bytes and the prefix length. */
    public record Cidr(byte[] network, int prefix, String text) {
        public boolean contains(InetAddress address) {
            byte[] a = address.getAddress();
            if (a.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (a[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return (a[full] & mask) == (network[full] & mask);
        }
    }

    private final List<Cidr> blocks;

    public ClientIpMatcher(List<Cidr> blocks) {
        this.blocks = List.copyOf(blocks);
    }

    @Override
    public boolean test(EvaluationContext ctx) {
        InetAddress client = ctx.request().clientAddress();
        for (Cidr c : blocks) {
            if (c.contains(client)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String observed(EvaluationContext ctx) {
        return "client " + ctx.request().clientIp();
    }

    @Override
    public String elementName() {
        return "match:client.ip";
    }

    @Override
    public List<CanonicalXml.Attr> attributes() {
        return CanonicalXml.attrs("value", blocks.stream().map(Cidr::text).collect(Collectors.joining(" ")));
    }
}
