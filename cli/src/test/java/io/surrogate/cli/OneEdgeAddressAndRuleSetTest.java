package io.surrogate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * What {@code dry-run} shows is what {@code serve} does: the edge address its tokens name, and
 * the refusal of a directory that holds rule sets rather than rule files.
 */
class OneEdgeAddressAndRuleSetTest {
    @TempDir
    Path tmp;

    @Test
    void dryRunTokensNameTheOriginSideAddressServeListensOnByDefault() {
        String serveDefault = new CommandLine(new SurrogateCommand()).getSubcommands().get("serve").getCommandSpec()
                .findOption("--origin-listen").defaultValue();
        Path mail = Cli.SAMPLES.resolve("mail");
        Cli.Result r = Cli.run("dry-run", "--json", "--rules", mail, "--request", mail.resolve("subscribe.http")).expectCode(0);
        assertThat(r.json().getAsJsonObject("token").get("edgeAddress").getAsString()).isEqualTo(serveDefault).isEqualTo("127.0.0.1:9090");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS) // a serve that started would block until stopped
    void serveRefusesADirectoryOfRuleSetsAsDryRunDoes() throws Exception {
        Path keys = Files.createDirectory(tmp.resolve("keys"));
        Cli.Result serve = Cli.run("serve", "--rules", Cli.SAMPLES, "--keys", keys, "--listen", "127.0.0.1:0", "--origin-listen", "127.0.0.1:0")
                .expectCode(SurrogateCommand.EXIT_USAGE);
        Cli.Result dryRun = Cli.run("dry-run", "--rules", Cli.SAMPLES, "GET", "http://mail.foo.com/").expectCode(SurrogateCommand.EXIT_USAGE);
        String sets = Cli.SAMPLES.resolve("mail") + ", ";
        assertThat(serve.err()).startsWith("error: --rules: no *.xml rule files in " + Cli.SAMPLES + "; serve runs one rule set, and it holds ")
                .contains(sets).contains("try 'surrogate serve --help'");
        assertThat(dryRun.err()).startsWith("error: no *.xml rule files in " + Cli.SAMPLES + "; dry-run runs one rule set, and it holds ")
                .contains(sets);
        assertThat(serve.err().lines().findFirst().orElseThrow().replaceFirst(".*holds ", ""))
                .as("both name the same rule sets").isEqualTo(dryRun.err().lines().findFirst().orElseThrow().replaceFirst(".*holds ", ""));
        assertThat(serve.out()).as("nothing started").isEmpty();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anEmptyDirectoryIsRefusedToo() throws Exception {
        Path keys = Files.createDirectory(tmp.resolve("keys"));
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        Cli.Result serve = Cli.run("serve", "--rules", empty, "--keys", keys, "--listen", "127.0.0.1:0", "--origin-listen", "127.0.0.1:0")
                .expectCode(SurrogateCommand.EXIT_USAGE);
        assertThat(serve.err()).startsWith("error: --rules: no *.xml rule files in " + empty + "\n");
    }
}
