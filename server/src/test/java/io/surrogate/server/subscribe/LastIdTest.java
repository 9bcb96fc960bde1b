package io.surrogate.server.subscribe;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A client's Last-Event-ID, the text it chose: only the edge's own forms are read, anything else is none. */
class LastIdTest {

    @Test
    void readsTheFormsTheEdgeWrites() {
        SubscribeFlow.LastId alone = SubscribeFlow.LastId.parse("9f2c4e6a8b0d1f3e-12");
        assertThat(alone.handleHex()).isEqualTo("9f2c4e6a8b0d1f3e");
        assertThat(alone.handle()).isEqualTo(Long.parseUnsignedLong("9f2c4e6a8b0d1f3e", 16));
        assertThat(alone.seq()).isEqualTo(12);
        assertThat(alone.position()).isZero();
        SubscribeFlow.LastId shared = SubscribeFlow.LastId.parse("ffffffffffffffff-0.1839338377820160");
        assertThat(shared.handle()).isEqualTo(-1L);
        assertThat(shared.seq()).isZero();
        assertThat(shared.position()).isEqualTo(1839338377820160L);
    }

    @Test
    void anythingElseIsNoId() {
        String[] hostile = {
            null, "", "-", "9f2c4e6a8b0d1f3e", "9f2c4e6a8b0d1f3e-", "9f2c4e6a8b0d1f3e-.", "9f2c4e6a8b0d1f3e-1.", "9f2c4e6a8b0d1f3e-.5",
            "9F2C4E6A8B0D1F3E-1",                 // the edge writes lowercase
            "+f2c4e6a8b0d1f3e-1",                 // Long's parser would take the sign
            "9f2c4e6a8b0d1f3e-+1", "9f2c4e6a8b0d1f3e--1", "9f2c4e6a8b0d1f3e-1.-2",
            "9f2c4e6a8b0d1f3e-\uff11",            // a fullwidth digit, which Character.digit reads as 1
            "9f2c4e6a8b0d1f3e-1.2.3", "9f2c4e6a8b0d1f3e-1 ", " 9f2c4e6a8b0d1f3e-1", "9f2c4e6a8b0d1f3e-1\r\nX: y",
            "9f2c4e6a8b0d1f3e-99999999999999999999",   // past a long
            "9f2c4e6a8b0d1f3e-1." + "9".repeat(19),    // 9999999999999999999 does not fit a long either
            "9f2c4e6a8b0d1f3e-" + "1".repeat(5_000),   // huge
            "9f2c4e6a8b0d1f3g-1", "x".repeat(16) + "-1",
        };
        for (String id : hostile) {
            assertThat(SubscribeFlow.LastId.parse(id)).as("%s", id == null ? "null" : id.length() > 60 ? id.length() + " chars" : id)
                    .isNull();
        }
    }
}
