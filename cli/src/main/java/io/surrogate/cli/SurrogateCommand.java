package io.surrogate.cli;

import io.surrogate.cli.config.ConfigDefaults;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code surrogate}: the command line. Each subcommand is its own class. */
@Command(name = "surrogate",
        mixinStandardHelpOptions = true,
        version = "surrogate 0.1.0",
        description = "An edge server that holds server-push connections for an origin, driven by XML rule files.",
        subcommands = {ValidateCommand.class, DryRunCommand.class, ServeCommand.class, DemoCommand.class, LoadtestCommand.class, KeysCommand.class, TokenCommand.class,
                ConfigCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Examples:",
                "  surrogate demo",
                "  surrogate validate sample-rules",
                "  surrogate dry-run --rules sample-rules/mail \\",
                "      --request sample-rules/mail/subscribe.http",
                "  surrogate keys generate mail-token --keys keys"})
public final class SurrogateCommand implements Callable<Integer> {
    /** Exit code: the input has errors (rules, request, token). */
    public static final int EXIT_ERRORS = 1;
    /** Exit code: the command line is wrong. */
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Without a subcommand: the usage, on stderr, and the usage exit code. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return SurrogateCommand.EXIT_USAGE;
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs a command line with the given streams; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(args, out, err, System.getenv());
    }

    /** Runs a command line with the given streams and environment (for SURROGATE_* settings); returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env) {
        return commandLine(out, err, env).execute(args);
    }

    /** The command line, configured as {@link #run} runs it. */
    static CommandLine commandLine(PrintWriter out, PrintWriter err, Map<String, String> env) {
        // Parser messages from the JDK's XML stack are matched in English.
        Locale.setDefault(Locale.ROOT);
        CommandLine cli = new CommandLine(new SurrogateCommand());
        // serve's options from a config file and SURROGATE_* variables (command line > environment > file > default)
        ConfigDefaults.install(cli.getSubcommands().get("serve").getCommandSpec(), ServeCommand.CONFIG_OPTION, env);
        // Wide enough for the examples' command lines; picocli's default of 80 breaks them mid-path.
        cli.setUsageHelpWidth(100);
        cli.setOut(out);
        cli.setErr(err);
        // picocli's own 'help' command, given the example every command shows
        cli.getSubcommands().get("help").getCommandSpec().usageMessage()
                .footer("", "Examples:", "  surrogate help dry-run", "  surrogate help keys");
        // every command offers -V; without this, subcommands print an empty line for it
        inheritVersion(cli, cli.getCommandSpec().version());
        cli.setExitCodeExceptionMapper(e -> EXIT_USAGE);
        cli.setParameterExceptionHandler((ex, a) -> {
            if (ex instanceof ConfigDefaults.ConfigException) {
                ex.getCommandLine().getErr().println(ex.getMessage()); // the diagnostics, then a summary line
                return EXIT_USAGE;
            }
            ex.getCommandLine().getErr().println("error: " + ex.getMessage());
            ex.getCommandLine().getErr().println("try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'");
            return EXIT_USAGE;
        });
        return cli;
    }

    private static void inheritVersion(CommandLine cli, String[] version) {
        for (CommandLine sub : cli.getSubcommands().values()) {
            if (sub.getCommandSpec().version().length == 0) {
                sub.getCommandSpec().version(version);
            }
            inheritVersion(sub, version);
        }
    }
}
