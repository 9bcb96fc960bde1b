package io.surrogate.engine.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DurationsTest {
    @Test
    void parsesEveryUnit() {
        assertThat(Durations.parse("250ms")).contains(Duration.ofMillis(250));
        assertThat(Durations.parse("15s")).contains(Duration.ofSeconds(15));
        assertThat(Durations.parse("5m")).contains(Duration.ofMinutes(5));
        assertThat(Durations.parse("1h")).contains(Duration.ofHours(1));
        assertThat(Durations.parse("7d")).contains(Duration.ofDays(7));
        assertThat(Durations.parse(" 0s ")).contains(Duration.ZERO);
        assertThat(Durations.parse("999999999d")).contains(Duration.ofDays(999_999_999));
    }

    @Test
    void refusesWhatIsNotANumberAndAUnit() {
        for (String bad : new String[] {null, "", "s", "15", "15 s", "1.5s", "-1s", "15S", "15sec", "1000000000s", "1h30m",
                "\u0661\u0665s", "\uff11s", "+5s"}) {
            assertThat(Durations.parse(bad)).as("'%s'", bad).isEmpty();
        }
    }

    @Test
    void formatsTheShortestExactForm() {
        assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(Durations.format(Duration.ofSeconds(3600))).isEqualTo("1h");
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Durations.format(Duration.ofDays(2))).isEqualTo("2d");
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
    }

    @Test
    void formatThenParseIsTheIdentityUpToTheLongestRuleDuration() {
        Random r = new Random(42);
        for (int i = 0; i < 2000; i++) {
            Duration d = Duration.ofMillis(r.nextInt(4) == 0 ? r.nextInt(1000) * 1000L : (long) (r.nextDouble() * 86_400_000L * 7));
            assertThat(Durations.parse(Durations.format(d))).as("%s", d).contains(d);
        }
    }
}
