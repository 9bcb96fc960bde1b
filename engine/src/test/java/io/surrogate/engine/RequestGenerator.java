package io.surrogate.engine;

import io.surrogate.engine.request.EdgeRequest;
import io.surrogate.engine.request.Headers;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Random;

/** Random requests over the vocabulary of {@link RuleGenerator}. Hosts are given as a server might: any case. */
final class RequestGenerator {
    private RequestGenerator() {}

    static EdgeRequest request(Random r) {
        StringBuilder path = new StringBuilder();
        int segments = r.nextInt(4);
        for (int i = 0; i < segments; i++) {
            path.append('/').append(RuleGenerator.pick(r, RuleGenerator.SEGMENTS).replace(" ", r.nextBoolean() ? "%20" : " "));
        }
        if (path.length() == 0 || r.nextInt(6) == 0) {
            path.append('/');
        }
        StringBuilder query = new StringBuilder();
        for (int i = r.nextInt(3); i > 0; i--) {
            query.append(query.length() == 0 ? "" : "&").append(RuleGenerator.pick(r, RuleGenerator.NAMES)).append('=')
                    .append(RuleGenerator.pick(r, RuleGenerator.VALUES));
        }
        Headers.Builder headers = Headers.builder();
        if (r.nextBoolean()) {
            headers.add(RuleGenerator.pick(r, RuleGenerator.NAMES), RuleGenerator.pick(r, RuleGenerator.VALUES));
        }
        try {
            return new EdgeRequest(RuleGenerator.pick(r, RuleGenerator.METHODS), path.toString(), query.toString(),
                    RuleGenerator.pick(r, RuleGenerator.HOSTS), headers.build(), new byte[0],
                    InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) r.nextInt(256)}), 1024 + r.nextInt(60000), r.nextInt(1000));
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
