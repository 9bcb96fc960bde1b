package io.surrogate.engine.token;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeyStatus;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.jwt.JwtHmacKey;
import com.google.crypto.tink.jwt.JwtMacConfig;
import com.google.crypto.tink.mac.HmacKey;
import com.google.crypto.tink.mac.MacConfig;
import java.security.GeneralSecurityException;

/** Tink keysets: generate, rotate, read and write the keyring's JSON files. */
public final class TinkKeys {
    private static volatile boolean registered;

    private TinkKeys() {}

    /** Tink still needs its key managers registered before generating keys. */
    static void register() throws GeneralSecurityException {
        if (!registered) {
            synchronized (TinkKeys.class) {
                if (!registered) {
                    AeadConfig.register();
                    MacConfig.register();
                    JwtMacConfig.register();
                    registered = true;
                }
            }
        }
    }

    public static KeysetHandle generate(KeyPurpose purpose) throws GeneralSecurityException {
        register();
        return KeysetHandle.generateNew(purpose.parameters(), RegistryConfiguration.get());
    }

    /** A new primary key; the old ones keep verifying (and decrypting) until removed. */
    public static KeysetHandle rotate(KeysetHandle current, KeyPurpose purpose) throws GeneralSecurityException {
        register();
        return KeysetHandle.newBuilder(current)
                .addEntry(KeysetHandle.generateEntryFromParameters(purpose.parameters()).withRandomId().makePrimary())
                .build();
    }

    /**
     * A new key, enabled but not primary: edges open tokens and verify signatures made with it,
     * but still mint and sign with the old primary until {@link #promote} (staged rotation).
     */
    public static KeysetHandle addStaged(KeysetHandle current, KeyPurpose purpose) throws GeneralSecurityException {
        register();
        return KeysetHandle.newBuilder(current)
                .addEntry(KeysetHandle.generateEntryFromParameters(purpose.parameters()).withRandomId().setStatus(KeyStatus.ENABLED))
                .build();
    }

    /** The key {@code id} becomes the primary; it must be in the keyset and enabled. */
    public static KeysetHandle promote(KeysetHandle current, int id) throws GeneralSecurityException {
        register();
        KeysetHandle.Builder b = KeysetHandle.newBuilder(current);
        b.getAt(indexOf(current, id)).makePrimary();
        return b.build();
    }

    /** The key {@code id} leaves the keyset for good; never the primary. */
    public static KeysetHandle retire(KeysetHandle current, int id) throws GeneralSecurityException {
        register();
        int index = indexOf(current, id);
        if (current.getPrimary().getId() == id) {
            throw new GeneralSecurityException("key id " + Integer.toUnsignedString(id) + " is the primary; promote another key first");
        }
        KeysetHandle.Builder b = KeysetHandle.newBuilder(current);
        b.deleteAt(index);
        return b.build();
    }

    private static int indexOf(KeysetHandle h, int id) throws GeneralSecurityException {
        for (int i = 0; i < h.size(); i++) {
            if (h.getAt(i).getId() == id) {
                if (h.getAt(i).getStatus() != KeyStatus.ENABLED) {
                    throw new GeneralSecurityException("key id " + Integer.toUnsignedString(id) + " is not enabled");
                }
                return i;
            }
        }
        throw new GeneralSecurityException("no key id " + Integer.toUnsignedString(id) + " in this keyset");
    }

    /** Cleartext JSON: for a keyring directory readable only by the edge's user. */
    public static String toJson(KeysetHandle handle) throws GeneralSecurityException {
        register();
        return TinkJsonProtoKeysetFormat.serializeKeyset(handle, RegistryConfiguration.get(), InsecureSecretKeyAccess.get());
    }

    public static KeysetHandle fromJson(String json) throws GeneralSecurityException {
        register();
        return TinkJsonProtoKeysetFormat.parseKeyset(json, RegistryConfiguration.get(), InsecureSecretKeyAccess.get());
    }

    /** The raw secret of an hmac key's primary, for handing to the origin ({@code keys export}). */
    public static byte[] hmacSecret(NamedKey key) {
        return hmacSecret(key, key.handle().getPrimary().getId());
    }

    /** The raw secret of one key id of an hmac keyset, primary or not (staged rotation: the origin learns it first). */
    public static byte[] hmacSecret(NamedKey key, int id) {
        if (key.purpose() != KeyPurpose.HMAC) {
            throw new IllegalArgumentException(key + " is not an hmac key");
        }
        return ((HmacKey) entry(key, id)).getKeyBytes().toByteArray(InsecureSecretKeyAccess.get());
    }

    /** The key of one key id of a keyset; IllegalArgumentException when it has none. */
    private static com.google.crypto.tink.Key entry(NamedKey key, int id) {
        KeysetHandle h = key.handle();
        for (int i = 0; i < h.size(); i++) {
            if (h.getAt(i).getId() == id) {
                return h.getAt(i).getKey();
            }
        }
        throw new IllegalArgumentException(key + " has no key id " + Integer.toUnsignedString(id));
    }

    /** Parses a key id as {@code keys list} prints it (unsigned decimal); empty when it is not one. */
    public static java.util.OptionalInt parseId(String text) {
        try {
            return java.util.OptionalInt.of(Integer.parseUnsignedInt(text));
        } catch (NumberFormatException e) {
            return java.util.OptionalInt.empty();
        }
    }

    /** The HS256 secret of a jwt key's primary, for the token issuer ({@code keys export}). */
    public static byte[] jwtSecret(NamedKey key) {
        return jwtSecret(key, key.handle().getPrimary().getId());
    }

    /** The HS256 secret of one key id of a jwt keyset (staged rotation: the issuer learns it before it is primary). */
    public static byte[] jwtSecret(NamedKey key, int id) {
        if (key.purpose() != KeyPurpose.JWT) {
            throw new IllegalArgumentException(key + " is not a jwt key");
        }
        return ((JwtHmacKey) entry(key, id)).getKeyBytes().toByteArray(InsecureSecretKeyAccess.get());
    }
}
