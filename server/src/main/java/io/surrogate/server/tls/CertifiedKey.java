package io.surrogate.server.tls;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;

/** A certificate chain (leaf first) and the private key of its leaf, checked to belong together. */
public record CertifiedKey(List<X509Certificate> chain, PrivateKey key) {
    public CertifiedKey {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("an empty certificate chain");
        }
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    /** The private key's algorithm: {@code RSA} or {@code EC}. */
    public String algorithm() {
        return key.getAlgorithm();
    }

    /** The leaf's SHA-256 fingerprint, colon-separated upper-case hex (as browsers and openssl print it). */
    public String fingerprint() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(leaf().getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(d);
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("SHA-256 of a certificate", e);
        }
    }

    /** True when the key signs what the leaf's public key verifies. */
    static boolean matches(X509Certificate leaf, PrivateKey key) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> null;
        };
        if (algorithm == null || !key.getAlgorithm().equals(leaf.getPublicKey().getAlgorithm())) {
            return false;
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature s = Signature.getInstance(algorithm);
            s.initSign(key);
            s.update(challenge);
            byte[] signature = s.sign();
            Signature v = Signature.getInstance(algorithm);
            v.initVerify(leaf.getPublicKey());
            v.update(challenge);
            return v.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
