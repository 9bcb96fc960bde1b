package io.surrogate.engine.token;

import com.google.crypto.tink.InsecureSecretKeyAccess;
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
        if (key.purpose() != KeyPurpose.HMAC) {
            throw new IllegalArgumentException(key + " is not an hmac key");
        }
        HmacKey hmac = (HmacKey) key.handle().getPrimary().getKey();
        return hmac.getKeyBytes().toByteArray(InsecureSecretKeyAccess.get());
    }

    /** The HS256 secret of a jwt key's primary, for the token issuer ({@code keys export}). */
    public static byte[] jwtSecret(NamedKey key) {
        if (key.purpose() != KeyPurpose.JWT) {
            throw new IllegalArgumentException(key + " is not a jwt key");
        }
        return ((JwtHmacKey) key.handle().getPrimary().getKey()).getKeyBytes().toByteArray(InsecureSecretKeyAccess.get());
    }
}
