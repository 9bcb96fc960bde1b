package io.surrogate.server;

import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.TinkKeys;
import io.surrogate.server.cluster.RedisServer;
import io.surrogate.server.cluster.RedisSettings;
import io.surrogate.server.origin.Delivery;
import io.surrogate.server.origin.SampleOrigin;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Several real edges on loopback sharing one Redis (or Redis Cluster), one keyring and one rule
 * file, in front of one real {@link SampleOrigin} (issue 13). Edge {@code i} is {@code edge-<i+1>};
 * the edges run on the system clock. The origin posts to one edge at a time ({@link #at}).
 */
final class EdgesOnRedis implements AutoCloseable {
    final Path dir;
    final SampleOrigin origin;
    final List<EdgeServer> edges = new ArrayList<>();

    EdgesOnRedis(int count, String rules, RedisSettings redis) throws Exception {
        dir = Files.createTempDirectory("surrogate-edges-test-");
        try {
            Path keys = Files.createDirectory(dir.resolve("keys"));
            Path rulesDir = Files.createDirectory(dir.resolve("rules"));
            Files.writeString(rulesDir.resolve("test.xml"), rules);
            Keyring.write(keys, EdgeFixture.TOKEN_KEY, TinkKeys.generate(KeyPurpose.TOKEN));
            Keyring.write(keys, EdgeFixture.ORIGIN_KEY, TinkKeys.generate(KeyPurpose.HMAC));
            byte[] secret = TinkKeys.hmacSecret(Keyring.open(keys).find(EdgeFixture.ORIGIN_KEY).orElseThrow());
            origin = new SampleOrigin(new InetSocketAddress("127.0.0.1", 0), secret, null).start();
            for (int i = 0; i < count; i++) {
                InetSocketAddress any = new InetSocketAddress("127.0.0.1", 0);
                ServerConfig config = new ServerConfig(any, any, Optional.of(origin.baseUri()), List.of(rulesDir), keys, "edge-" + (i + 1),
                        Optional.empty(), ServerConfig.DEFAULT_MAX_BODY, ServerConfig.DEFAULT_MAX_EVENT_SIZE,
                        ServerConfig.DEFAULT_MAX_QUEUED_BYTES, ServerConfig.DEFAULT_SIGNATURE_WINDOW, ServerConfig.DEFAULT_REPLAY_CAPACITY,
                        false, 0, Optional.empty()).withRedis(redis);
                edges.add(EdgeServer.start(config));
            }
            at(0);
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    EdgeServer edge(int i) {
        return edges.get(i);
    }

    int clientPort(int i) {
        return edges.get(i).clientAddress().getPort();
    }

    /** The origin posts to edge {@code i} from now on. */
    EdgesOnRedis at(int i) {
        origin.setEdge(URI.create("http://127.0.0.1:" + edges.get(i).originAddress().getPort()));
        return this;
    }

    /** A fan-out of {@code event} posted to edge {@code i}. */
    synchronized Delivery fanOutAt(int i, String event, String body) {
        return at(i).origin.fanOut(event, body.getBytes(StandardCharsets.UTF_8));
    }

    /** An SSE client of {@code /fan?e=EVENT} at edge {@code i}. */
    RawClient sse(int i, String event) throws IOException {
        return RawClient.open(clientPort(i), "GET", "/fan?e=" + event, "Accept: text/event-stream");
    }

    /** A counter or gauge of edge {@code i} with one tag, 0 when it is not exported yet. */
    double metric(int i, String name, String tag, String value) {
        String labels = tag == null ? "" : "\\{[^}]*" + tag + "=\"" + Pattern.quote(value) + "\"[^}]*\\}";
        Matcher m = Pattern.compile("(?m)^" + name + labels + " ([0-9.eE+-]+)$").matcher(edges.get(i).metricsText());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /** How many connections subscribe to sharded {@code channel}, summed over {@code nodes} (a node that does not own it adds none). */
    static int shardSubscribers(List<RedisServer> nodes, String channel) {
        int n = 0;
        for (RedisServer node : nodes) {
            if (!node.alive()) {
                continue;
            }
            try {
                String[] lines = node.cli("pubsub", "shardnumsub", channel).split("\n");
                for (int l = 0; l + 1 < lines.length; l++) {
                    if (lines[l].trim().equals(channel) && lines[l + 1].trim().matches("[0-9]+")) {
                        n += Integer.parseInt(lines[l + 1].trim());
                    }
                }
            } catch (IOException e) {
                // a node restarting: counted as none
            }
        }
        return n;
    }

    @Override
    public void close() throws IOException {
        for (EdgeServer e : edges) {
            e.close();
        }
        if (origin != null) {
            origin.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
