package io.surrogate.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.TransientFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The pure parts of {@link FailureAnswer}: what is transient, the delay's bounds, Retry-After, the data line. */
class FailureAnswerTest {
    private static final long NOW = Instant.parse("2026-12-02T12:00:00Z").toEpochMilli();

    @Test
    void transientIs429AndEvery5xx() {
        for (int status : new int[] {429, 500, 502, 503, 504, 599}) {
            assertThat(FailureAnswer.Failure.of(status, "r", "m").isTransient()).as("%d", status).isTrue();
        }
        for (int status : new int[] {400, 401, 403, 404, 409, 410, 413, 428}) {
            assertThat(FailureAnswer.Failure.of(status, "r", "m").isTransient()).as("%d", status).isFalse();
        }
    }

    @Test
    void theDelayStaysInItsWindowAndReachesBothEnds() {
        SplittableRandom random = new SplittableRandom(7);
        TransientFailure narrow = new TransientFailure(TransientFailure.Answer.EVENT_STREAM, Duration.ofMillis(1000), Duration.ofMillis(1003));
        boolean[] seen = new boolean[4];
        for (int i = 0; i < 1000; i++) {
            long d = FailureAnswer.retryMillis(FailureAnswer.Failure.of(503, "r", "m"), narrow, random);
            assertThat(d).isBetween(1000L, 1003L);
            seen[(int) (d - 1000)] = true;
        }
        assertThat(seen).containsOnly(true);
        for (int i = 0; i < 1000; i++) {
            long d = FailureAnswer.retryMillis(FailureAnswer.Failure.of(503, "r", "m").retryAfter(3), narrow, random);
            assertThat(d).as("R to 2R, the rule's window aside").isBetween(3000L, 6000L);
        }
        TransientFailure zero = new TransientFailure(TransientFailure.Answer.EVENT_STREAM, Duration.ZERO, Duration.ZERO);
        assertThat(FailureAnswer.retryMillis(FailureAnswer.Failure.of(503, "r", "m"), zero, random)).isZero();
    }

    @Test
    void retryAfterIsSecondsOrAnHttpDateAndNeverMoreThanAnHour() {
        assertThat(FailureAnswer.retryAfterSeconds("120", NOW)).isEqualTo(120);
        assertThat(FailureAnswer.retryAfterSeconds(" 7 ", NOW)).isEqualTo(7);
        assertThat(FailureAnswer.retryAfterSeconds("Wed, 02 Dec 2026 12:00:30 GMT", NOW)).isEqualTo(30);
        assertThat(FailureAnswer.retryAfterSeconds("Wed, 02 Dec 2026 11:00:00 GMT", NOW)).as("past").isZero();
        assertThat(FailureAnswer.retryAfterSeconds("99999999999999", NOW)).isEqualTo(FailureAnswer.MAX_RETRY_AFTER_SECONDS);
        assertThat(FailureAnswer.retryAfterSeconds("Thu, 01 Dec 2050 00:00:00 GMT", NOW)).isEqualTo(FailureAnswer.MAX_RETRY_AFTER_SECONDS);
        for (String bad : new String[] {null, "", "soon", "-5", "1.5", "Wed, 32 Dec 2026 12:00:30 GMT"}) {
            assertThat(FailureAnswer.retryAfterSeconds(bad, NOW)).as("'%s'", bad).isZero();
        }
        assertThat(FailureAnswer.Failure.of(503, "r", "m").retryAfter(-3).retryAfterSeconds()).isZero();
    }

    @Test
    void theDataLineIsOneJsonObjectWhateverTheMessage() {
        assertThat(FailureAnswer.data(FailureAnswer.Failure.of(503, "origin-busy", "wait \"a\"\\b\nc\u2028"), 1500))
                .isEqualTo("{\"status\":503,\"reason\":\"origin-busy\",\"message\":\"wait \\\"a\\\"\\\\b\\u000ac\\u2028\",\"retry\":1500}")
                .doesNotContain("\n", "\r");
    }
}
