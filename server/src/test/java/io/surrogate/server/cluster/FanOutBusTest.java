package io.surrogate.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.cluster.SlotHash;
import io.surrogate.server.subscribe.SubscriptionRegistry;
import io.surrogate.server.transport.EventFrame;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The fan-out message between edges and the channel names, without Redis. */
class FanOutBusTest {

    @Test
    void aMessageReadsBackAsItWasWritten() throws Exception {
        EventFrame frame = new EventFrame("quote:BSC ü", "{\"p\":1}\r\nline".getBytes(StandardCharsets.UTF_8), "application/json", 42);
        FanOutBus.Message m = FanOutBus.Message.decode(FanOutBus.Message.encode("edge-2", "origin", frame));
        assertThat(m.edgeId()).isEqualTo("edge-2");
        assertThat(m.originKeyName()).isEqualTo("origin");
        assertThat(m.frame().eventId()).isEqualTo("quote:BSC ü");
        assertThat(m.frame().contentType()).isEqualTo("application/json");
        assertThat(m.frame().position()).isEqualTo(42);
        assertThat(m.frame().data()).isEqualTo(frame.data());
        EventFrame empty = new EventFrame("", new byte[0], "text/plain", 0);
        assertThat(FanOutBus.Message.decode(FanOutBus.Message.encode("e", "k", empty)).frame().size()).isZero();
    }

    /** Any message cut short, grown, or with a byte changed is read or refused as malformed: never another exception. */
    @Test
    void aDamagedMessageIsMalformedNeverAnotherFailure() throws Exception {
        byte[] good = FanOutBus.Message.encode("edge-1", "origin", new EventFrame("e", "body".getBytes(StandardCharsets.UTF_8), "text/plain", 7));
        for (int n = 0; n < good.length; n++) {
            byte[] cut = Arrays.copyOf(good, n);
            assertThatThrownBy(() -> FanOutBus.Message.decode(cut)).isInstanceOf(FanOutBus.Message.Malformed.class);
        }
        byte[] longer = Arrays.copyOf(good, good.length + 1);
        assertThatThrownBy(() -> FanOutBus.Message.decode(longer)).isInstanceOf(FanOutBus.Message.Malformed.class)
                .hasMessageContaining("body");
        assertThatThrownBy(() -> FanOutBus.Message.decode(null)).isInstanceOf(FanOutBus.Message.Malformed.class);
        byte[] version = good.clone();
        version[0] = 2;
        assertThatThrownBy(() -> FanOutBus.Message.decode(version)).hasMessageContaining("version 2");
        Random random = new Random(13);
        for (int i = 0; i < 20_000; i++) {
            byte[] bad = good.clone();
            bad[random.nextInt(bad.length)] = (byte) random.nextInt(256);
            try {
                FanOutBus.Message.decode(bad);
            } catch (FanOutBus.Message.Malformed expected) {
                // refused: fine
            }
        }
    }

    @Test
    void eachEventHasOneChannelInOneOfSixtyFourPartitionsThatSpreadOverTheClusterShards() {
        String key = SubscriptionRegistry.eventKey("origin", "quote:BSC");
        String eh = SharedKeys.eventHash(key);
        assertThat(eh).matches("[0-9a-f]{16}");
        assertThat(FanOutBus.channel(key)).isEqualTo("surrogate:{p" + Integer.parseInt(eh.substring(0, 4), 16) % 64 + "}:ev:" + eh);
        assertThat(FanOutBus.channel(SubscriptionRegistry.eventKey("other-origin", "quote:BSC"))).isNotEqualTo(FanOutBus.channel(key));
        Set<String> partitions = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            String c = FanOutBus.channel(SubscriptionRegistry.eventKey("origin", "e" + i));
            partitions.add(c.substring(0, c.indexOf('}') + 1));
        }
        assertThat(partitions).hasSize(FanOutBus.PARTITIONS);
        int[] perThird = new int[3];
        for (String p : partitions) {
            int slot = SlotHash.getSlot(p + ":x");
            perThird[slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2]++;
        }
        // three masters of a third of the slots each: every one gets a fair share of the partitions
        assertThat(Arrays.stream(perThird).boxed().toList()).allSatisfy(n -> assertThat(n).isBetween(12, 32));
    }
}
