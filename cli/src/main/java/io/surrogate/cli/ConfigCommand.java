package io.surrogate.cli;

import io.surrogate.cli.config.ConfigDiagnostic;
import io.surrogate.cli.config.ConfigFile;
import io.surrogate.cli.config.ConfigOptions;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code surrogate config}: serve's configuration file. */
@Command(name = "config",
        description = {"Serve's configuration file: TOML, one key = value per option of 'surrogate serve' (--max-body is max-body).",
                "The command line overrides SURROGATE_* environment variables, which override the file."},
        mixinStandardHelpOptions = true,
        subcommands = {ConfigCommand.Check.class},
        footer = {"", "Examples:", "  surrogate config check /etc/surrogate/surrogate.toml"})
final class ConfigCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** Without a subcommand: the usage, on stderr, and the usage exit code. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return SurrogateCommand.EXIT_USAGE;
    }

    /** The keys a config file may set: serve's options, from picocli's model of serve. */
    static ConfigOptions serveOptions() {
        return new ConfigOptions(new CommandLine(new ServeCommand()).getCommandSpec(), ServeCommand.CONFIG_OPTION);
    }

    @Command(name = "check",
            description = {"Check a config file for serve: every problem as file:line:col with the source line, "
                    + "like 'validate' (unknown keys, wrong types, values the option refuses, duplicate keys).",
                    "Paths are not opened and listeners not bound: serve does that when it starts."},
            mixinStandardHelpOptions = true,
            exitCodeListHeading = "Exit codes:%n",
            exitCodeList = {"0:no errors", "1:errors found", "2:bad usage (no such file)"},
            footer = {"", "Examples:",
                    "  surrogate config check /etc/surrogate/surrogate.toml",
                    "  surrogate config check conf/surrogate.toml"})
    static final class Check implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "The config file.")
        Path file;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            if (!Files.isRegularFile(file)) {
                spec.commandLine().getErr().println("error: " + (Files.isDirectory(file) ? "a directory, not a file: " : "no such file: ") + file);
                return SurrogateCommand.EXIT_USAGE;
            }
            ConfigFile read = ConfigFile.read(file);
            ConfigOptions.Settings settings = serveOptions().fromFile(read);
            List<ConfigDiagnostic> problems = new ArrayList<>(read.diagnostics());
            problems.addAll(settings.diagnostics());
            problems.sort(java.util.Comparator.comparingInt(ConfigDiagnostic::line).thenComparingInt(ConfigDiagnostic::column));
            for (ConfigDiagnostic d : problems) {
                out.print(d.render(read.line(d.line())));
            }
            if (problems.isEmpty()) {
                out.println(file + ": ok, " + ValidateCommand.plural(settings.values().size(), "setting"));
            } else {
                out.println(file + ": " + ValidateCommand.plural(problems.size(), "error"));
            }
            out.flush();
            return problems.isEmpty() ? 0 : SurrogateCommand.EXIT_ERRORS;
        }
    }
}
