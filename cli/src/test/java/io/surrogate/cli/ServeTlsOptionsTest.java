package io.surrogate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.server.tls.CertifiedKey;
import io.surrogate.server.tls.PemPair;
import io.surrogate.server.tls.SelfSigned;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve}'s TLS options: an incomplete, unreadable or mismatched pair is a usage error naming the option and the file, never a stack trace. */
class ServeTlsOptionsTest {
    private static final Path MAIL = Cli.SAMPLES.resolve("mail");

    private static Cli.Result serve(Path keys, Object... tls) {
        Object[] args = new Object[6 + tls.length];
        Object[] base = {"serve", "--rules", MAIL, "--keys", keys, "--listen=127.0.0.1:0"};
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(tls, 0, args, base.length, tls.length);
        Cli.Result r = Cli.run(args).expectCode(SurrogateCommand.EXIT_USAGE);
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ").contains("try 'surrogate serve --help'");
        return r;
    }

    @Test
    void badPairsAreUsageErrorsThatSayWhatIsWrong(@TempDir Path tmp) throws Exception {
        Path keys = Files.createDirectory(tmp.resolve("keys"));
        CertifiedKey one = SelfSigned.localhost(Instant.now(), Duration.ofDays(1));
        CertifiedKey other = SelfSigned.localhost(Instant.now(), Duration.ofDays(1));
        PemPair a = SelfSigned.write(one, tmp.resolve("a.crt"), tmp.resolve("a.key"));
        PemPair b = SelfSigned.write(other, tmp.resolve("b.crt"), tmp.resolve("b.key"));

        assertThat(serve(keys, "--tls-cert", a.certificate()).err()).contains("--tls-key is missing");
        assertThat(serve(keys, "--origin-tls-key", a.key()).err()).contains("--origin-tls-cert is missing");
        assertThat(serve(keys, "--tls-cert", a.certificate(), "--tls-key", b.key()).err())
                .contains("--tls-cert/--tls-key").contains("does not belong to certificate");
        assertThat(serve(keys, "--tls-cert", tmp.resolve("nope.crt"), "--tls-key", a.key()).err())
                .contains("nope.crt").contains("no such file");
        Path garbage = Files.writeString(tmp.resolve("garbage.pem"), "not pem\n");
        assertThat(serve(keys, "--tls-cert", a.certificate(), "--tls-key", garbage).err())
                .contains("garbage.pem").contains("no private key block");
        assertThat(serve(keys, "--origin-tls-cert", garbage, "--origin-tls-key", a.key()).err())
                .contains("--origin-tls-cert/--origin-tls-key").contains("no '-----BEGIN CERTIFICATE-----' block");
    }
}
