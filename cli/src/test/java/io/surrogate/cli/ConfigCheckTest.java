package io.surrogate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code surrogate config check FILE}: every problem with its code and position, exit codes like validate. */
class ConfigCheckTest {
    private static final Pattern DIAGNOSTIC = Pattern.compile("(?m)^(.+?):(\\d+):(\\d+): error\\[(C\\d{3})\\]: ");

    @TempDir
    Path tmp;

    private Path file(String toml) throws IOException {
        Path f = tmp.resolve("surrogate.toml");
        Files.writeString(f, toml);
        return f;
    }

    /** code@line:col of each diagnostic printed, in order. */
    private static List<String> diagnostics(Cli.Result r) {
        List<String> all = new ArrayList<>();
        Matcher m = DIAGNOSTIC.matcher(r.out());
        while (m.find()) {
            all.add(m.group(4) + "@" + m.group(2) + ":" + m.group(3));
        }
        return all;
    }

    @Test
    void aGoodFileIsOk() throws IOException {
        Path f = file("""
                # the edge for mail.foo.com
                rules = "/etc/surrogate/rules"
                keys = "/var/lib/surrogate/keys"
                origin = "http://127.0.0.1:8000"
                listen = "0.0.0.0:8080"   # behind the load balancer
                max-clients = 50000
                no-watch = false
                log-level = "info"
                """);
        Cli.Result r = Cli.run("config", "check", f).expectCode(0);
        assertThat(r.out()).isEqualTo(f + ": ok, 7 settings" + System.lineSeparator());
        assertThat(r.err()).isEmpty();
    }

    @Test
    void everyProblemIsReportedWithItsPosition() throws IOException {
        Path f = file("""
                rules = "r"
                max-bodyy = 10
                max-body = "64k"
                max-clients = 99999999999
                rules = "again"
                origin = "http://[::1"
                edge-id = ["a", "b"]

                [tls]
                cert = "x.pem"
                """);
        Cli.Result r = Cli.run("config", "check", f).expectCode(SurrogateCommand.EXIT_ERRORS);
        assertThat(diagnostics(r)).containsExactly("C201@2:1", "C202@3:12", "C203@4:15", "C103@5:1", "C203@6:10", "C202@7:11", "C201@9:1");
        assertThat(r.out()).contains("help: did you mean 'max-body'?", "help: first set at line 1; keep one",
                "invalid value for 'max-clients': '99999999999' is not an int", "(--edge-id takes one value)",
                "no [tables] and no dotted keys");
        assertThat(r.out()).endsWith(f + ": 7 errors" + System.lineSeparator());
    }

    @Test
    void malformedTomlIsReportedWhereTheParserStopped() throws IOException {
        Path f = file("rules = \"r\"\nkeys = /var/lib/surrogate/keys\n");
        Cli.Result r = Cli.run("config", "check", f).expectCode(SurrogateCommand.EXIT_ERRORS);
        assertThat(diagnostics(r)).hasSize(1).first().asString().startsWith("C102@2:");
    }

    @Test
    void aMissingFileIsBadUsage() {
        Cli.Result r = Cli.run("config", "check", tmp.resolve("nope.toml")).expectCode(SurrogateCommand.EXIT_USAGE);
        assertThat(r.err()).startsWith("error: no such file: ");
        Cli.run("config", "check", tmp).expectCode(SurrogateCommand.EXIT_USAGE);
        Cli.run("config").expectCode(SurrogateCommand.EXIT_USAGE);
    }
}
