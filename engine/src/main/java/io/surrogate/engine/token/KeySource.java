package io.surrogate.engine.token;

import java.util.Optional;
import java.util.Set;

/** Where the compiler finds the keys that rules name: a keyring directory, or throwaway keys. */
public interface KeySource {
    /** The key of that name, whatever its purpose; empty when the keyring has no such key. */
    Optional<NamedKey> find(String name);

    /** The names this source knows, for "did you mean" and listings. */
    Set<String> names();

    /** True when keys are made up on demand (dry-run or validate without a keyring). */
    boolean throwaway();

    /** Problems met while opening the source (unreadable files), as "file: reason". */
    default java.util.List<String> problems() {
        return java.util.List.of();
    }
}
