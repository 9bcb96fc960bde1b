package io.surrogate.engine.token;

import java.security.GeneralSecurityException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keys made up on first use, in memory only: a dry run or a validation without a keyring still
 * mints and signs, and says so. Each name gets the purpose it is first asked for.
 */
public final class ThrowawayKeys implements KeySource {
    private final Map<String, NamedKey> keys = new ConcurrentHashMap<>();

    @Override
    public Optional<NamedKey> find(String name) {
        return Optional.empty();
    }

    /** The key of that name, made for the purpose on first use. */
    public NamedKey get(String name, KeyPurpose purpose) {
        String id = name + "/" + purpose.label();
        return keys.computeIfAbsent(id, n -> {
            try {
                return new NamedKey(name, purpose, TinkKeys.generate(purpose), true);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("Tink cannot generate a " + purpose.algorithm() + " key", e);
            }
        });
    }

    @Override
    public Set<String> names() {
        return Set.of();
    }

    @Override
    public boolean throwaway() {
        return true;
    }
}
