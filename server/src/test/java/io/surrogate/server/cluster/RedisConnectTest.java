package io.surrogate.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link Redis} finds whether its seeds are one Redis or a Cluster, on real servers. */
class RedisConnectTest {

    @Test
    void connectsToOneRedisAndSaysSo() throws Exception {
        try (RedisServer server = RedisServer.start(); Redis redis = Redis.connect(RedisSettings.of(List.of(server.uri())))) {
            assertThat(redis.isCluster()).isFalse();
            redis.commands().set("surrogate:test", "x".getBytes(StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS);
            assertThat(server.cli("get", "surrogate:test")).contains("x");
        }
    }

    @Test
    void findsTheClusterFromOneSeed() throws Exception {
        try (RedisServer.Cluster cluster = RedisServer.cluster();
                Redis redis = Redis.connect(RedisSettings.of(List.of(cluster.nodes().get(1).uri())))) {
            assertThat(redis.isCluster()).isTrue();
            // keys in every slot range: the client routes each to its node
            for (int i = 0; i < 30; i++) {
                redis.commands().set("k" + i, new byte[] {(byte) i}).get(5, TimeUnit.SECONDS);
            }
            assertThat(redis.commands().get("k29").get(5, TimeUnit.SECONDS)).containsExactly(29);
        }
    }

    @Test
    void nothingListeningIsAClearError() throws Exception {
        RedisServer gone = RedisServer.start();
        gone.close();
        assertThatThrownBy(() -> Redis.connect(RedisSettings.of(List.of(gone.uri())).withCommandTimeout(Duration.ofMillis(500))))
                .isInstanceOf(Redis.Unreachable.class).hasMessageContaining("cannot reach Redis at [" + gone.url() + "]");
    }
}
