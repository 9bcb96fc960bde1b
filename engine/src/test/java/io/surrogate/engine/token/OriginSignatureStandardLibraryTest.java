package io.surrogate.engine.token;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * An origin has only its standard library: it must be able to produce and check
 * X-Event-Signature from the exported secret and the documented canonical string, without Tink.
 * Here the JDK's own javax.crypto plays the origin, with the canonical string written out by
 * hand rather than taken from {@link OriginSignature#canonical}.
 */
class OriginSignatureStandardLibraryTest {
    private final NamedKey key = new ThrowawayKeys().get("origin", KeyPurpose.HMAC);
    private final byte[] secret = TinkKeys.hmacSecret(key);

    private static String standardHmac(byte[] secret, String text) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static String handWritten(String method, String path, String id, String user, String token, long t, String n, byte[] body)
            throws Exception {
        String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        return "surrogate-v1\n" + method + "\n" + path + "\n" + id + "\n" + user + "\n" + token + "\n" + t + "\n" + n + "\n" + digest;
    }

    @Test
    void theEdgesSignatureIsPlainHmacSha256OverTheDocumentedString() throws Exception {
        byte[] body = "You've Got Mail!".getBytes(StandardCharsets.UTF_8);
        OriginSignature.Signed signed = new OriginSignature.Signed("POST", "/deliver-event", "2", "B", "v1.k.AAAA", body);
        OriginSignature.Header header = OriginSignature.sign(signed, key, 1_795_953_600L, "0123456789abcdef");

        assertThat(header.render()).startsWith("t=1795953600;n=0123456789abcdef;v1=");
        assertThat(header.signatureHex()).isEqualTo(standardHmac(secret,
                handWritten("POST", "/deliver-event", "2", "B", "v1.k.AAAA", 1_795_953_600L, "0123456789abcdef", body)));
    }

    @Test
    void anOriginSignatureMadeWithTheStandardLibraryVerifies() throws Exception {
        byte[] body = "BSC: 78.34".getBytes(StandardCharsets.UTF_8);
        long t = 1_795_953_600L;
        String hex = standardHmac(secret, handWritten("POST", "/deliver-event", "quote:BSC", "", "v1.k.BBBB", t, "fedcba9876543210", body));

        OriginSignature.Check check = OriginSignature.verify("t=" + t + ";n=fedcba9876543210;v1=" + hex,
                new OriginSignature.Signed("POST", "/deliver-event", "quote:BSC", "", "v1.k.BBBB", body), key,
                Instant.ofEpochSecond(t + 10), 300);
        assertThat(check).isEqualTo(OriginSignature.Check.VALID);
    }
}
