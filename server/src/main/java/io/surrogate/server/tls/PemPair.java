package io.surrogate.server.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * A listener's certificate chain and private key, as two PEM files (they may be one file holding
 * both). Read at start and again whenever either file changes ({@link ReloadingKeyManager}).
 *
 * @param certificate the leaf certificate first, then its intermediates
 * @param key the leaf's private key: PKCS#8, PKCS#1 (RSA) or SEC1 (EC), unencrypted
 */
public record PemPair(Path certificate, Path key) {
    public PemPair {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(key, "key");
    }

    /** The pair read and checked; the message of a failure names the file and what is wrong with it. */
    public CertifiedKey load() throws PemReader.Unreadable {
        List<X509Certificate> chain;
        try {
            chain = PemReader.certificates(read(certificate));
        } catch (PemReader.Unreadable e) {
            throw new PemReader.Unreadable("certificate '" + certificate + "': " + e.getMessage());
        }
        PrivateKey privateKey;
        try {
            privateKey = PemReader.privateKey(read(key));
        } catch (PemReader.Unreadable e) {
            throw new PemReader.Unreadable("key '" + key + "': " + e.getMessage());
        }
        if (!CertifiedKey.matches(chain.get(0), privateKey)) {
            throw new PemReader.Unreadable("key '" + key + "' does not belong to certificate '" + certificate + "' (its "
                    + privateKey.getAlgorithm() + " key does not match the certificate's "
                    + chain.get(0).getPublicKey().getAlgorithm() + " public key)");
        }
        return new CertifiedKey(chain, privateKey);
    }

    private static String read(Path file) throws PemReader.Unreadable {
        try {
            if (Files.size(file) > 1024 * 1024) {
                throw new PemReader.Unreadable("larger than 1 MiB; not a PEM file");
            }
            return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new PemReader.Unreadable("no such file");
        } catch (AccessDeniedException e) {
            throw new PemReader.Unreadable("not readable by this user");
        } catch (IOException e) {
            throw new PemReader.Unreadable("cannot be read (" + e.getMessage() + ")");
        }
    }

    @Override
    public String toString() {
        return "cert=" + certificate + " key=" + key;
    }
}
