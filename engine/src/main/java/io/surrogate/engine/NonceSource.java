package io.surrogate.engine;

import java.util.Optional;

/** Where a token's nonce comes from. */
public enum NonceSource {
    /** the client's source port (the seed's choice), with the connection id to keep it unique */
    PORT,
    /** the server's id of the client connection */
    CONNECTION,
    /** 96 random bits */
    RANDOM;

    public static Optional<NonceSource> byName(String name) {
        for (NonceSource s : values()) {
            if (s.name().equals(name)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
