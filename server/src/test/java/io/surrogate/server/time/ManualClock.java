package io.surrogate.server.time;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/** A clock that moves only when told: {@link #advance}. */
public final class ManualClock implements InstantSource {
    private long millis;

    public ManualClock(Instant start) {
        this.millis = start.toEpochMilli();
    }

    @Override
    public synchronized Instant instant() {
        return Instant.ofEpochMilli(millis);
    }

    @Override
    public synchronized long millis() {
        return millis;
    }

    public synchronized void advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("time does not go back: " + d);
        }
        millis += d.toMillis();
    }

    synchronized void set(long epochMillis) {
        millis = Math.max(millis, epochMillis);
    }
}
