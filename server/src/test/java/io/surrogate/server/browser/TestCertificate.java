package io.surrogate.server.browser;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway self-signed certificate for 127.0.0.1 and localhost, made by the JDK's own
 * keytool for one test class: its PEM files (for the edge) and the SHA-256 of its public key,
 * which Chromium is told to trust with {@code --ignore-certificate-errors-spki-list} (so the
 * browser still checks every other certificate).
 */
final class TestCertificate {
    private static final char[] PASSWORD = "browser-test".toCharArray();

    private final Path certificate;
    private final Path key;
    private final String spkiSha256;

    private TestCertificate(Path certificate, Path key, String spkiSha256) {
        this.certificate = certificate;
        this.key = key;
        this.spkiSha256 = spkiSha256;
    }

    static TestCertificate make(Path dir) throws IOException, GeneralSecurityException, InterruptedException {
        Path p12 = dir.resolve("edge.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "edge", "-keyalg", "EC", "-groupname", "secp256r1",
                "-sigalg", "SHA256withECDSA", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-keystore", p12.toString(), "-storetype", "PKCS12", "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD))
                .redirectErrorStream(true).start();
        byte[] output;
        try (InputStream in = process.getInputStream()) {
            output = in.readAllBytes();
        }
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("keytool could not make the test certificate: " + new String(output, StandardCharsets.UTF_8));
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            store.load(in, PASSWORD);
        }
        X509Certificate cert = (X509Certificate) store.getCertificate("edge");
        PrivateKey privateKey = (PrivateKey) store.getKey("edge", PASSWORD);
        Path certificate = Files.writeString(dir.resolve("edge.crt"), pem("CERTIFICATE", cert.getEncoded()));
        Path key = Files.writeString(dir.resolve("edge.key"), pem("PRIVATE KEY", privateKey.getEncoded()));
        String spki = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(cert.getPublicKey().getEncoded()));
        return new TestCertificate(certificate, key, spki);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** The certificate, PEM. */
    Path certificate() {
        return certificate;
    }

    /** Its private key, PKCS#8 PEM. */
    Path key() {
        return key;
    }

    /** Chromium's flag that trusts this certificate and no other unknown one. */
    List<String> chromiumFlags() {
        return List.of("--ignore-certificate-errors-spki-list=" + spkiSha256);
    }
}
