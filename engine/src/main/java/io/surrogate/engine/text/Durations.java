package io.surrogate.engine.text;

import java.time.Duration;
import java.util.Optional;

/** The rule language's durations: a number and a unit, ms, s, m, h or d. */
public final class Durations {
    private Durations() {}

    public static Optional<Duration> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String t = text.trim();
        int i = 0;
        // ASCII digits only: Character.isDigit (and Long.parseLong) also take Arabic-Indic and fullwidth digits
        while (i < t.length() && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
            i++;
        }
        if (i == 0 || i > 9) {
            return Optional.empty();
        }
        long n = Long.parseLong(t.substring(0, i));
        return switch (t.substring(i)) {
            case "ms" -> Optional.of(Duration.ofMillis(n));
            case "s" -> Optional.of(Duration.ofSeconds(n));
            case "m" -> Optional.of(Duration.ofMinutes(n));
            case "h" -> Optional.of(Duration.ofHours(n));
            case "d" -> Optional.of(Duration.ofDays(n));
            default -> Optional.empty();
        };
    }

    /** The shortest exact form: 90s stays 90s, 3600s prints as 1h. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 86_400_000L == 0 && ms > 0) {
            return ms / 86_400_000L + "d";
        }
        if (ms % 3_600_000L == 0 && ms > 0) {
            return ms / 3_600_000L + "h";
        }
        if (ms % 60_000L == 0 && ms > 0) {
            return ms / 60_000L + "m";
        }
        if (ms % 1000L == 0) {
            return ms / 1000L + "s";
        }
        return ms + "ms";
    }
}
