package io.surrogate.engine.token;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.Mac;
import com.google.crypto.tink.RegistryConfiguration;
import java.security.GeneralSecurityException;

/**
 * A keyset of the keyring by name, with its primitive made once. {@link #toString()} names
 * the key and never shows material.
 */
public final class NamedKey {
    private final String name;
    private final KeyPurpose purpose;
    private final KeysetHandle handle;
    private final boolean throwaway;
    private final Aead aead;
    private final Mac mac;

    NamedKey(String name, KeyPurpose purpose, KeysetHandle handle, boolean throwaway) throws GeneralSecurityException {
        this.name = name;
        this.purpose = purpose;
        this.handle = handle;
        this.throwaway = throwaway;
        TinkKeys.register();
        this.aead = purpose == KeyPurpose.TOKEN ? handle.getPrimitive(RegistryConfiguration.get(), Aead.class) : null;
        this.mac = purpose == KeyPurpose.HMAC ? handle.getPrimitive(RegistryConfiguration.get(), Mac.class) : null;
    }

    public String name() {
        return name;
    }

    public KeyPurpose purpose() {
        return purpose;
    }

    /** True when made up for a dry run or a validation without a keyring. */
    public boolean throwaway() {
        return throwaway;
    }

    KeysetHandle handle() {
        return handle;
    }

    Aead aead() {
        if (aead == null) {
            throw new IllegalStateException("key '" + name + "' is a " + purpose.label() + " key, not a token key");
        }
        return aead;
    }

    Mac mac() {
        if (mac == null) {
            throw new IllegalStateException("key '" + name + "' is a " + purpose.label() + " key, not an hmac key");
        }
        return mac;
    }

    @Override
    public String toString() {
        return "key '" + name + "' (" + purpose.label() + (throwaway ? ", throwaway" : "") + ")";
    }
}
