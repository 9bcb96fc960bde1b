package io.surrogate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** {@code --help} on every command and subcommand exits 0 and shows at least one example. */
class HelpTest {
    static Stream<String> commands() {
        List<String> all = new ArrayList<>();
        collect(new CommandLine(new SurrogateCommand()), "", all);
        assertThat(all).contains("", "validate", "dry-run", "keys generate", "keys list", "keys rotate", "keys export",
                "token decode", "token verify");
        return all.stream();
    }

    private static void collect(CommandLine cli, String path, List<String> out) {
        out.add(path);
        for (var e : cli.getSubcommands().entrySet()) {
            collect(e.getValue(), (path.isEmpty() ? "" : path + " ") + e.getKey(), out);
        }
    }

    @ParameterizedTest(name = "surrogate {0} --help")
    @MethodSource("commands")
    void helpExitsZeroWithAnExample(String command) {
        List<String> args = new ArrayList<>(command.isEmpty() ? List.of() : List.of(command.split(" ")));
        args.add("--help");
        Cli.Result r = Cli.run(args.toArray()).expectCode(0);
        assertThat(r.out()).containsPattern("(?m)^Examples?:$");
        assertThat(r.out()).containsPattern("(?m)^  surrogate " + java.util.regex.Pattern.quote(command) + "\\b.*");
        assertThat(r.err()).isEmpty();
    }

    @ParameterizedTest(name = "surrogate {0} --version")
    @MethodSource("commands")
    void versionOnEveryCommandThatOffersIt(String command) {
        List<String> args = new ArrayList<>(command.isEmpty() ? List.of() : List.of(command.split(" ")));
        if (command.equals("help")) {
            return; // picocli's help command has no -V
        }
        args.add("--version");
        Cli.Result r = Cli.run(args.toArray()).expectCode(0);
        assertThat(r.out()).isEqualTo("surrogate 0.1.0" + System.lineSeparator());
    }
}
