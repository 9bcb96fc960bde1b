package io.surrogate.server.origin;

import java.time.Instant;

/**
 * A live subscription as the origin keeps it: just the token the edge minted and the event
 * and user headers as the edge sent them (header-escaped), to be sent back unchanged.
 */
public record Subscription(String token, String eventId, String user, Instant since) {

    /** The start of a token, enough to tell tokens apart in a log. */
    static String abbreviate(String token) {
        return token == null || token.length() <= 16 ? String.valueOf(token) : token.substring(0, 16) + "...";
    }

    /** The event and the start of the token; never the user, as this goes to the log. */
    @Override
    public String toString() {
        return "event=" + eventId + " token=" + abbreviate(token);
    }
}
