package io.surrogate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve --admin-token-file}: a file that will not do stops serve before it listens, with what is wrong. */
class AdminTokenOptionTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS) // a serve that started would block until stopped
    void aWeakOrMissingTokenFileIsAUsageError() throws Exception {
        Path keys = tmp.resolve("keys");
        Cli.run("keys", "generate", "ywewu238347i3u", "--keys", keys).expectCode(0);
        Path weak = Files.writeString(tmp.resolve("weak"), "secret\n");
        Cli.Result r = Cli.run("serve", "--rules", Cli.SAMPLES.resolve("mail"), "--keys", keys, "--listen", "127.0.0.1:0",
                "--origin-listen", "127.0.0.1:0", "--admin-token-file", weak).expectCode(SurrogateCommand.EXIT_USAGE);
        assertThat(r.err()).startsWith("error: --admin-token-file: " + weak + ": the admin token must have at least 16 characters (it has 6)");
        assertThat(r.out()).as("nothing started").isEmpty();
        Cli.Result missing = Cli.run("serve", "--rules", Cli.SAMPLES.resolve("mail"), "--keys", keys, "--listen", "127.0.0.1:0",
                "--origin-listen", "127.0.0.1:0", "--admin-token-file", tmp.resolve("nope")).expectCode(SurrogateCommand.EXIT_USAGE);
        assertThat(missing.err()).startsWith("error: --admin-token-file: " + tmp.resolve("nope") + " is not a file");
    }
}
