package io.surrogate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A wrong command line exits 2 and says what is wrong on stderr. */
class UsageTest {
    static final Path MAIL = Cli.SAMPLES.resolve("mail");

    private static void usageError(Object... args) {
        Cli.Result r = Cli.run(args).expectCode(SurrogateCommand.EXIT_USAGE);
        assertThat(r.err()).as("stderr of %s", java.util.Arrays.toString(args)).isNotBlank();
    }

    @Test
    void noArguments() {
        usageError();
    }

    @Test
    void aCommandGroupWithoutItsSubcommand() {
        usageError("keys");
        usageError("token");
    }

    @Test
    void unknownCommandOrOption() {
        usageError("frobnicate");
        usageError("validate", "--frobnicate", MAIL);
        usageError("dry-run", "--rules", MAIL, "--frobnicate", "GET", "/x");
        usageError("keys", "list", "--frobnicate");
    }

    @Test
    void missingFiles(@TempDir Path tmp) {
        usageError("validate", tmp.resolve("nope.xml"));
        usageError("validate");
        usageError("dry-run", "--rules", tmp.resolve("nope"), "GET", "http://h/x");
        usageError("dry-run", "--rules", MAIL, "--request", tmp.resolve("nope.http"));
        usageError("dry-run", "--rules", tmp, "GET", "http://h/x");
        usageError("validate", "--keys", tmp.resolve("no-keyring"), MAIL);
        usageError("token", "verify", "--keys", tmp.resolve("no-keyring"), "v1.k.AAAA");
    }

    @Test
    void dryRunTakesARequestFileOrAMethodAndUrlNotBoth() {
        Cli.Result both = Cli.run("dry-run", "--rules", MAIL, "--request", MAIL.resolve("subscribe.http"), "GET", "http://h/x")
                .expectCode(SurrogateCommand.EXIT_USAGE);
        assertThat(both.err()).contains("--request").contains("METHOD URL");
        usageError("dry-run", "--rules", MAIL);
        usageError("dry-run", "--rules", MAIL, "GET");
        usageError("dry-run", "--rules", MAIL, "--request", MAIL.resolve("subscribe.http"), "-H", "X-A: b");
    }

    @Test
    void dryRunOfADirectoryOfRuleSetsNamesThem() {
        Cli.Result r = Cli.run("dry-run", "--rules", Cli.SAMPLES, "GET", "http://mail.foo.com/x").expectCode(SurrogateCommand.EXIT_USAGE);
        assertThat(r.err()).contains(MAIL.toString());
        assertThat(r.out()).doesNotContain("decision");
    }

    @Test
    void dryRunRefusesBadValues() {
        usageError("dry-run", "--rules", MAIL, "--now", "yesterday", "GET", "http://h/x");
        usageError("dry-run", "--rules", MAIL, "--client", "not-an-ip", "GET", "http://h/x");
        usageError("dry-run", "--rules", MAIL, "GET", "mail.foo.com/x");
        usageError("dry-run", "--rules", MAIL, "G=T", "http://h/x");
        usageError("dry-run", "--rules", MAIL, "GET", "http://h/x", "-H", "no colon");
    }
}
