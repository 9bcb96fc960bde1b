package io.surrogate.server;

import static io.surrogate.server.HeldClients.WAIT;
import static io.surrogate.server.HeldClients.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.surrogate.server.tls.CertifiedKey;
import io.surrogate.server.tls.PemPair;
import io.surrogate.server.tls.PemReader;
import io.surrogate.server.tls.SelfSigned;
import io.surrogate.server.tls.TlsSettings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on the client listener with certificates the test makes: the JDK's HttpClient negotiates
 * HTTP/2 by ALPN and holds SSE streams on one connection; h2c by Upgrade on a plain listener;
 * a replaced certificate is served to new connections without a restart; bad PEM files are
 * refused with a message that says what is wrong.
 */
class TlsTest {
    private static final String RULES = EdgeFixture.rule("repeatable", "sse", "1s", "");

    @TempDir
    Path dir;

    private PemPair write(CertifiedKey key, String name) throws Exception {
        return SelfSigned.write(key, dir.resolve(name + ".crt"), dir.resolve(name + ".key"));
    }

    private static CertifiedKey localhost() {
        return SelfSigned.localhost(Instant.now(), Duration.ofDays(1));
    }

    private static SSLContext trusting(X509Certificate... certs) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        for (int i = 0; i < certs.length; i++) {
            store.setCertificateEntry("c" + i, certs[i]);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** Lines of an SSE body as they come. */
    private static BlockingQueue<String> lines(HttpResponse<java.io.InputStream> r) {
        BlockingQueue<String> q = new LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                for (String l; (l = in.readLine()) != null;) {
                    q.add(l);
                }
            } catch (Exception e) {
                // the stream ended
            }
        });
        t.setDaemon(true);
        t.start();
        return q;
    }

    private static boolean awaitLine(BlockingQueue<String> q, String line) throws InterruptedException {
        for (String l; (l = q.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)) != null;) {
            if (l.equals(line)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void overHttpsTheJdkClientNegotiatesHttp2AndTenSseStreamsShareOneConnection() throws Exception {
        CertifiedKey key = localhost();
        PemPair pair = write(key, "edge");
        try (EdgeFixture f = EdgeFixture.start(RULES, c -> c.withTls(TlsSettings.NONE.withClient(pair)))) {
            HttpClient client = HttpClient.newBuilder().sslContext(trusting(key.leaf())).version(HttpClient.Version.HTTP_2).build();
            List<BlockingQueue<String>> streams = new ArrayList<>();
            List<java.io.InputStream> bodies = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                HttpResponse<java.io.InputStream> r = client.send(
                        HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + f.clientPort() + "/fan?e=mail"))
                                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
                assertThat(r.version()).as("ALPN chose h2").isEqualTo(HttpClient.Version.HTTP_2);
                assertThat(r.statusCode()).isEqualTo(200);
                streams.add(lines(r));
                bodies.add(r.body());
            }
            assertThat(EdgeFixture.eventually(WAIT, () -> f.edge.heldConnections() == 10)).isTrue();
            assertThat(HeldClients.gauge(f, "surrogate_client_connections")).as("the ten share one connection").isEqualTo(1.0);
            assertThat(f.origin.fanOut("mail", bytes("you have mail")).body()).isEqualTo("delivered\n10\n");
            for (BlockingQueue<String> s : streams) {
                assertThat(awaitLine(s, "data: you have mail")).isTrue();
            }
            for (java.io.InputStream body : bodies) {
                body.close(); // the JDK's client resets the stream
            }
            assertThat(f.awaitUnsubscribes(10)).hasSize(10);
            f.assertQuiet(WAIT);
        }
    }

    @Test
    void h2cByUpgradeHoldsSseAndReceives() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(RULES)) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
            HttpResponse<java.io.InputStream> r = client.send(HttpRequest.newBuilder(f.client("/sub?e=mail&u=B"))
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(r.version()).as("upgraded to h2c").isEqualTo(HttpClient.Version.HTTP_2);
            BlockingQueue<String> lines = lines(r);
            assertThat(EdgeFixture.eventually(WAIT, () -> f.edge.heldConnections() == 1)).isTrue();
            String token = f.origin.awaitReceived(io.surrogate.server.origin.SampleOrigin.SUBSCRIBE_PATH, 1, WAIT).get(0).token();
            assertThat(f.origin.deliver(token, "mail", "B", bytes("over h2c")).status()).isEqualTo(200);
            assertThat(awaitLine(lines, "data: over h2c")).isTrue();
            r.body().close();
            assertThat(f.awaitUnsubscribes(1)).hasSize(1);
            f.assertQuiet(WAIT);
        }
    }

    @Test
    void aReplacedCertificateIsServedToNewConnectionsWithoutARestart() throws Exception {
        CertifiedKey first = localhost();
        PemPair pair = write(first, "edge");
        try (EdgeFixture f = EdgeFixture.start(RULES, c -> c.withTls(TlsSettings.NONE.withClient(pair)))) {
            assertThat(served(f, first, null)).isEqualTo(first.leaf());

            // a half-done renewal (the certificate replaced, its key not yet) is not taken
            CertifiedKey next = localhost();
            replace(SelfSigned.certificatePem(next), pair.certificate());
            assertThat(served(f, first, next)).as("the old pair is kept while they do not match").isEqualTo(first.leaf());
            replace(SelfSigned.keyPem(next), pair.key());
            assertThat(served(f, first, next)).as("the new pair once both are in place").isEqualTo(next.leaf());

            // garbage in place of the key: the new pair stays in use
            replace("not a key", pair.key());
            assertThat(served(f, first, next)).isEqualTo(next.leaf());
            f.assertQuiet(WAIT);
        }
    }

    private void replace(String text, Path target) throws Exception {
        Path tmp = Files.createTempFile(dir, "new", ".pem");
        Files.writeString(tmp, text);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The leaf certificate a new TLS connection is given (the client trusts either pair). */
    private static X509Certificate served(EdgeFixture f, CertifiedKey a, CertifiedKey b) throws Exception {
        SSLContext ctx = b == null ? trusting(a.leaf()) : trusting(a.leaf(), b.leaf());
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", f.clientPort())) {
            s.startHandshake();
            assertThat(s.getSession().getProtocol()).isIn("TLSv1.3", "TLSv1.2");
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }

    @Test
    void tls12AloneIsAcceptedAndTls11IsNot() throws Exception {
        CertifiedKey key = localhost();
        PemPair pair = write(key, "edge");
        try (EdgeFixture f = EdgeFixture.start(RULES, c -> c.withTls(TlsSettings.NONE.withClient(pair)))) {
            try (SSLSocket s = (SSLSocket) trusting(key.leaf()).getSocketFactory().createSocket("127.0.0.1", f.clientPort())) {
                s.setEnabledProtocols(new String[] {"TLSv1.2"});
                s.startHandshake();
                assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.2");
            }
            f.assertQuiet(WAIT);
        }
    }

    @Test
    void rsaAndTraditionalKeyFormatsAreRead() throws Exception {
        CertifiedKey rsa = SelfSigned.make("RSA", "rsa.test", List.of("localhost"), List.of("127.0.0.1"), Instant.now(),
                Duration.ofDays(1));
        PemPair pair = write(rsa, "rsa");
        assertThat(pair.load().algorithm()).isEqualTo("RSA");
        // PKCS#1: the PKCS#8 structure's inner OCTET STRING
        byte[] pkcs8 = rsa.key().getEncoded();
        byte[] pkcs1 = innerKey(pkcs8);
        Files.writeString(pair.key(), pem("RSA PRIVATE KEY", pkcs1));
        assertThat(pair.load().key()).isEqualTo(rsa.key());

        CertifiedKey ec = localhost();
        PemPair ecPair = write(ec, "ec");
        byte[] sec1 = innerKey(ec.key().getEncoded()); // the JDK's SEC1 leaves the curve to PKCS#8's algorithm
        Files.writeString(ecPair.key(), pem("EC PRIVATE KEY", sec1));
        assertThatThrownBy(ecPair::load).hasMessageContaining("does not name its curve");
        // as openssl writes it: [0] prime256v1 inside
        byte[] curve = {(byte) 0xa0, 0x0a, 0x06, 0x08, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x03, 0x01, 0x07};
        int content = sec1.length - 2;
        assertThat(sec1[1] & 0xff).as("a short SEC1 structure").isEqualTo(content);
        byte[] named = new byte[sec1.length + curve.length];
        System.arraycopy(sec1, 0, named, 0, sec1.length);
        System.arraycopy(curve, 0, named, sec1.length, curve.length);
        named[1] = (byte) (content + curve.length);
        Files.writeString(ecPair.key(), pem("EC PRIVATE KEY", named));
        assertThat(((java.security.interfaces.ECPrivateKey) ecPair.load().key()).getS())
                .isEqualTo(((java.security.interfaces.ECPrivateKey) ec.key()).getS());
    }

    /** The last element's content of a PKCS#8 SEQUENCE: the algorithm's own key structure (SEC1 from the JDK names its curve). */
    private static byte[] innerKey(byte[] pkcs8) {
        int i = 0;
        // outer SEQUENCE header
        i = skipHeader(pkcs8, i);
        // INTEGER version, SEQUENCE algorithm
        i = skipElement(pkcs8, i);
        i = skipElement(pkcs8, i);
        int start = skipHeader(pkcs8, i);
        return java.util.Arrays.copyOfRange(pkcs8, start, pkcs8.length);
    }

    private static int skipHeader(byte[] b, int i) {
        int len = b[i + 1] & 0xff;
        return i + 2 + (len >= 0x80 ? len & 0x7f : 0);
    }

    private static int skipElement(byte[] b, int i) {
        int len = b[i + 1] & 0xff;
        int head = 2;
        if (len >= 0x80) {
            int n = len & 0x7f;
            len = 0;
            for (int k = 0; k < n; k++) {
                len = (len << 8) | (b[i + 2 + k] & 0xff);
            }
            head += n;
        }
        return i + head + len;
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + java.util.Base64.getMimeEncoder().encodeToString(der) + "\n-----END " + label
                + "-----\n";
    }

    @Test
    void badPemFilesAreRefusedWithWhatIsWrong() throws Exception {
        PemPair a = write(localhost(), "a");
        PemPair b = write(localhost(), "b");
        assertThatThrownBy(() -> new PemPair(a.certificate(), b.key()).load()).isInstanceOf(PemReader.Unreadable.class)
                .hasMessageContaining("does not belong to certificate");
        assertThatThrownBy(() -> new PemPair(dir.resolve("missing.crt"), a.key()).load())
                .hasMessageContaining("missing.crt").hasMessageContaining("no such file");
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "hello\n");
        assertThatThrownBy(() -> new PemPair(garbage, a.key()).load()).hasMessageContaining("no '-----BEGIN CERTIFICATE-----' block");
        assertThatThrownBy(() -> new PemPair(a.certificate(), a.certificate()).load())
                .hasMessageContaining("no private key block").hasMessageContaining("CERTIFICATE");
        Path encrypted = Files.writeString(dir.resolve("enc.key"), pem("ENCRYPTED PRIVATE KEY", new byte[] {1, 2, 3}));
        assertThatThrownBy(() -> new PemPair(a.certificate(), encrypted).load()).hasMessageContaining("encrypted");

        assertThatThrownBy(() -> EdgeFixture.start(RULES, c -> c.withTls(TlsSettings.NONE.withClient(new PemPair(a.certificate(),
                b.key())))))
                .isInstanceOf(EdgeServer.StartException.class).hasMessageContaining("client listener's TLS key");
    }
}
