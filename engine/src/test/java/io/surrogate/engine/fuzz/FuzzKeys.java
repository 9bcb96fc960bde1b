package io.surrogate.engine.fuzz;

import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.KeySource;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.engine.token.ThrowawayKeys;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The fuzz targets' keyring: a token key "tokens", and an hmac key "origin" (a token that names
 * it must be refused as not a token key). Made fresh in each JVM; no key material is committed.
 */
final class FuzzKeys implements KeySource {
    static final FuzzKeys INSTANCE = new FuzzKeys();

    private final ThrowawayKeys made = new ThrowawayKeys();
    private final Map<String, NamedKey> keys = Map.of(
            "tokens", made.get("tokens", KeyPurpose.TOKEN),
            "origin", made.get("origin", KeyPurpose.HMAC));

    private FuzzKeys() {}

    NamedKey token() {
        return keys.get("tokens");
    }

    NamedKey hmac() {
        return keys.get("origin");
    }

    @Override
    public Optional<NamedKey> find(String name) {
        return Optional.ofNullable(keys.get(name));
    }

    @Override
    public Set<String> names() {
        return keys.keySet();
    }

    @Override
    public boolean throwaway() {
        return false;
    }
}
