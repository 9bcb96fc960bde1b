package io.surrogate.server.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.io.ByteArrayInputStream;

/**
 * A throwaway self-signed certificate made in memory (the demo's, and the tests'): a fresh
 * P-256 or RSA-2048 key, a v3 certificate for the given DNS names and IP addresses, valid from
 * an hour before {@code now} for {@code lifetime}. Never for production: nobody vouches for it.
 */
public final class SelfSigned {
    private static final DateTimeFormatter UTC_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter GENERALIZED_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private SelfSigned() {}

    /** For {@code localhost} and {@code 127.0.0.1}, EC P-256. */
    public static CertifiedKey localhost(Instant now, Duration lifetime) {
        return make("EC", "localhost", List.of("localhost"), List.of("127.0.0.1", "::1"), now, lifetime);
    }

    /**
     * @param algorithm {@code EC} (P-256) or {@code RSA} (2048 bits)
     * @param commonName the subject's and issuer's CN
     * @param ips literal addresses only (never looked up)
     */
    public static CertifiedKey make(String algorithm, String commonName, List<String> dnsNames, List<String> ips, Instant now,
            Duration lifetime) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
            if (algorithm.equals("EC")) {
                g.initialize(new ECGenParameterSpec("secp256r1"));
            } else {
                g.initialize(2048);
            }
            KeyPair pair = g.generateKeyPair();
            byte[] signatureAlgorithm = algorithm.equals("EC") ? Der.sequence(Der.oid("1.2.840.10045.4.3.2"))
                    : Der.sequence(Der.oid("1.2.840.113549.1.1.11"), Der.nothing());
            byte[] name = Der.sequence(Der.tlv(Der.SET, Der.sequence(Der.oid("2.5.4.3"), Der.utf8(commonName))));
            List<byte[]> altNames = new ArrayList<>();
            for (String dns : dnsNames) {
                altNames.add(Der.tlv(0x82, dns.getBytes(StandardCharsets.US_ASCII)));
            }
            for (String ip : ips) {
                if (!ip.matches("[0-9a-fA-F:.]+")) {
                    throw new IllegalArgumentException("not a literal IP address: " + ip);
                }
                altNames.add(Der.tlv(0x87, InetAddress.getByName(ip).getAddress()));
            }
            byte[] extensions = Der.explicit(3, Der.sequence(
                    Der.sequence(Der.oid("2.5.29.19"), Der.tlv(Der.OCTET_STRING, Der.sequence())), // basic constraints: not a CA
                    Der.sequence(Der.oid("2.5.29.17"), Der.tlv(Der.OCTET_STRING, Der.sequence(altNames.toArray(byte[][]::new))))));
            byte[] tbs = Der.sequence(
                    Der.explicit(0, Der.integer(BigInteger.TWO)),
                    Der.integer(new BigInteger(63, new SecureRandom()).add(BigInteger.ONE)),
                    signatureAlgorithm,
                    name,
                    Der.sequence(time(now.minus(Duration.ofHours(1))), time(now.plus(lifetime))),
                    name,
                    pair.getPublic().getEncoded(),
                    extensions);
            Signature s = Signature.getInstance(algorithm.equals("EC") ? "SHA256withECDSA" : "SHA256withRSA");
            s.initSign(pair.getPrivate());
            s.update(tbs);
            byte[] der = Der.sequence(tbs, signatureAlgorithm, Der.bits(s.sign()));
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
            return new CertifiedKey(List.of(cert), pair.getPrivate());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("making a self-signed " + algorithm + " certificate", e);
        }
    }

    private static byte[] time(Instant t) {
        // RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime after
        return t.atZone(ZoneOffset.UTC).getYear() < 2050 ? Der.tlv(0x17, UTC_TIME.format(t).getBytes(StandardCharsets.US_ASCII))
                : Der.tlv(Der.GENERALIZED_TIME, GENERALIZED_TIME.format(t).getBytes(StandardCharsets.US_ASCII));
    }

    /** PEM text: {@code CERTIFICATE} blocks of the chain. */
    public static String certificatePem(CertifiedKey key) {
        StringBuilder s = new StringBuilder();
        try {
            for (X509Certificate c : key.chain()) {
                s.append(pem("CERTIFICATE", c.getEncoded()));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("encoding a certificate", e);
        }
        return s.toString();
    }

    /** PEM text: the key as PKCS#8 {@code PRIVATE KEY}. */
    public static String keyPem(CertifiedKey key) {
        return pem("PRIVATE KEY", key.key().getEncoded());
    }

    static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    /** Writes the pair as two PEM files, the key readable by its owner only where the file system has POSIX permissions. */
    public static PemPair write(CertifiedKey key, Path certificate, Path privateKey) throws IOException {
        Files.writeString(certificate, certificatePem(key), StandardCharsets.US_ASCII);
        Files.deleteIfExists(privateKey);
        try {
            Files.createFile(privateKey, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(privateKey);
        }
        Files.writeString(privateKey, keyPem(key), StandardCharsets.US_ASCII);
        return new PemPair(certificate, privateKey);
    }
}
