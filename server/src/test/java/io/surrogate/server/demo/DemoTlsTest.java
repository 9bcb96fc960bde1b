package io.surrogate.server.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.Test;

/** The demo's page over https:// too: HTTP/2 by ALPN, and the certificate is the one whose fingerprint the demo prints. */
class DemoTlsTest {
    /** Trusts a server whose leaf has this SHA-256 fingerprint, as a user comparing the printed one would. */
    private static SSLContext pinned(String fingerprint, AtomicReference<String> seen) throws Exception {
        X509ExtendedTrustManager pin = new X509ExtendedTrustManager() {
            private void check(X509Certificate[] chain) throws java.security.cert.CertificateException {
                try {
                    String f = HexFormat.ofDelimiter(":").withUpperCase()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(chain[0].getEncoded()));
                    seen.set(f);
                    if (!f.equals(fingerprint)) {
                        throw new java.security.cert.CertificateException("not the printed certificate: " + f);
                    }
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws java.security.cert.CertificateException {
                check(chain);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws java.security.cert.CertificateException {
                check(chain);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws java.security.cert.CertificateException {
                check(chain);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
                throw new UnsupportedOperationException();
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new javax.net.ssl.TrustManager[] {pin}, null);
        return ctx;
    }

    @Test
    void thePageIsServedOverHttpsWithHttp2AndThePrintedCertificate() throws Exception {
        try (Demo demo = Demo.start(0, 0, Duration.ofHours(1))) {
            assertThat(demo.page().getScheme()).isEqualTo("http");
            assertThat(demo.securePage().getScheme()).isEqualTo("https");
            AtomicReference<String> seen = new AtomicReference<>();
            HttpClient client = HttpClient.newBuilder().sslContext(pinned(demo.fingerprint(), seen)).build();
            HttpResponse<String> page = client.send(HttpRequest.newBuilder(demo.securePage()).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(seen.get()).isEqualTo(demo.fingerprint());
            HttpResponse<String> plain = HttpClient.newHttpClient().send(HttpRequest.newBuilder(demo.page()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(plain.body()).isEqualTo(page.body());
        }
    }
}
