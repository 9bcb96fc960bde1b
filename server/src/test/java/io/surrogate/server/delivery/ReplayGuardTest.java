package io.surrogate.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.server.delivery.ReplayStore.Result;
import org.junit.jupiter.api.Test;

class ReplayGuardTest {
    private static final long NOW = 1_795_953_600L;

    @Test
    void aNonceIsFreshOnceThenAReplayUntilItsWindowHasPassed() {
        ReplayGuard g = new ReplayGuard(1000, 300);
        assertThat(g.check("9f2c4e6a8b0d1f3e", NOW, NOW)).isEqualTo(Result.FRESH);
        assertThat(g.check("9f2c4e6a8b0d1f3e", NOW, NOW + 1)).isEqualTo(Result.REPLAY);
        assertThat(g.check("9f2c4e6a8b0d1f3e", NOW + 5, NOW + 300)).isEqualTo(Result.REPLAY);
        assertThat(g.check("9f2c4e6a8b0d1f3f", NOW, NOW + 1)).isEqualTo(Result.FRESH);
        // signed at NOW, remembered until NOW + 300: after that the signature is stale anyway
        assertThat(g.check("9f2c4e6a8b0d1f3e", NOW + 301, NOW + 301)).isEqualTo(Result.FRESH);
    }

    @Test
    void manyNoncesGrowTheTableAndEveryOneIsStillKnown() {
        ReplayGuard g = new ReplayGuard(200_000, 300);
        for (int i = 0; i < 100_000; i++) {
            assertThat(g.check("nonce-" + i, NOW, NOW)).isEqualTo(Result.FRESH);
        }
        for (int i = 0; i < 100_000; i += 7) {
            assertThat(g.check("nonce-" + i, NOW, NOW)).as("nonce-%d", i).isEqualTo(Result.REPLAY);
        }
        assertThat(g.size()).isEqualTo(100_000);
    }

    @Test
    void atItsCapacityItRefusesUntilNoncesExpireButStillKnowsReplays() {
        ReplayGuard g = new ReplayGuard(5000, 10);
        for (int i = 0; i < 5000; i++) {
            assertThat(g.check("n-" + i, NOW, NOW)).isEqualTo(Result.FRESH);
        }
        Result last = Result.FRESH;
        int accepted = 0;
        for (int i = 5000; i < 20_000 && last != Result.FULL; i++) {
            last = g.check("n-" + i, NOW, NOW);
            accepted += last == Result.FRESH ? 1 : 0;
        }
        assertThat(last).isEqualTo(Result.FULL);
        assertThat(accepted).as("fresh nonces beyond the capacity").isZero();
        assertThat(g.check("n-42", NOW, NOW)).isEqualTo(Result.REPLAY);
        // the window passes: room again, and the old nonces are forgotten
        assertThat(g.check("later", NOW + 11, NOW + 11)).isEqualTo(Result.FRESH);
        assertThat(g.check("n-42", NOW + 11, NOW + 11)).isEqualTo(Result.FRESH);
    }

    @Test
    void expiredSlotsAreReusedSoASteadyRateNeverFillsIt() {
        ReplayGuard g = new ReplayGuard(3000, 10);
        // 200 a second for 10 minutes: 2,000 live at any time, 120,000 in all
        for (int s = 0; s < 600; s++) {
            for (int i = 0; i < 200; i++) {
                assertThat(g.check("s" + s + "-" + i, NOW + s, NOW + s)).isEqualTo(Result.FRESH);
            }
        }
        assertThat(g.size()).isLessThan(8192);
    }
}
