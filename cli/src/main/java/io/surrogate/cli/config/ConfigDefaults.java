package io.surrogate.cli.config;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Fills the options the command line left out, from the environment and then from the config
 * file: command line &gt; {@code SURROGATE_*} variables &gt; config file &gt; the option's own default.
 * picocli asks it for each option not on the command line, after the command line is parsed, so
 * the config file's name is already known ({@code --config}, else {@code SURROGATE_CONFIG}).
 *
 * <p>It answers only during a parse of its command ({@link #install} arms it from picocli's
 * preprocessor hook), never while help is shown. A configuration with errors stops the parse
 * with a {@link ConfigException} that lists them all.
 */
public final class ConfigDefaults implements CommandLine.IDefaultValueProvider {
    private final CommandSpec command;
    private final ConfigOptions options;
    private final Map<String, String> env;
    private boolean armed;
    private Map<String, ConfigOptions.Setting> settings;

    private ConfigDefaults(CommandSpec command, String configOption, Map<String, String> env) {
        this.command = command;
        this.options = new ConfigOptions(command, configOption);
        this.env = Map.copyOf(env);
    }

    /** Makes {@code command}'s options configurable by {@code configOption}'s file and by {@code env}. */
    public static void install(CommandSpec command, String configOption, Map<String, String> env) {
        ConfigDefaults defaults = new ConfigDefaults(command, configOption, env);
        command.defaultValueProvider(defaults);
        command.preprocessor((args, spec, arg, info) -> {
            if (arg == null) {
                defaults.armed = true;
                defaults.settings = null;
            }
            return false;
        });
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!armed || !(arg instanceof OptionSpec option) || helpRequested()) {
            return null;
        }
        OptionSpec config = options.configOption();
        if (option == config) {
            String named = env.get(ConfigOptions.variable(ConfigOptions.key(config)));
            return named == null || named.isBlank() ? null : escape(named);
        }
        if (options.option(ConfigOptions.key(option)).orElse(null) != option) {
            return null;
        }
        if (settings == null) {
            settings = resolve();
        }
        ConfigOptions.Setting s = settings.get(ConfigOptions.key(option));
        if (s == null) {
            return null;
        }
        if (option.isMultiValue() && s.texts().size() != 1) {
            // picocli takes one default string; several values go in already converted, and
            // NULL_VALUE keeps the option's own default from replacing them
            option.setValue(s.converted());
            return CommandLine.Option.NULL_VALUE;
        }
        return escape(s.texts().get(0));
    }

    /** The environment over the file; throws with every problem of both when there is one. */
    private Map<String, ConfigOptions.Setting> resolve() {
        OptionSpec config = options.configOption();
        Object named = config.getValue();
        String fromEnv = env.get(ConfigOptions.variable(ConfigOptions.key(config)));
        Path file = named != null ? Path.of(named.toString()) : fromEnv != null && !fromEnv.isBlank() ? Path.of(fromEnv) : null;

        List<String> rendered = new ArrayList<>();
        Map<String, ConfigOptions.Setting> merged = new LinkedHashMap<>();
        if (file != null) {
            ConfigFile read = ConfigFile.read(file);
            List<ConfigDiagnostic> problems = new ArrayList<>(read.diagnostics());
            ConfigOptions.Settings fromFile = options.fromFile(read);
            problems.addAll(fromFile.diagnostics());
            problems.sort(Comparator.comparingInt(ConfigDiagnostic::line).thenComparingInt(ConfigDiagnostic::column));
            problems.forEach(d -> rendered.add(d.render(read.line(d.line()))));
            merged.putAll(fromFile.values());
        }
        ConfigOptions.Settings fromEnvironment = options.fromEnvironment(env);
        fromEnvironment.diagnostics().forEach(d -> rendered.add(d.render(null)));
        merged.putAll(fromEnvironment.values());
        PrintWriter err = command.commandLine() == null ? null : command.commandLine().getErr();
        if (err != null) {
            fromEnvironment.warnings().forEach(w -> err.println("warning: " + w));
        }
        if (!rendered.isEmpty()) {
            throw new ConfigException(command.commandLine(), String.join("", rendered)
                    + "error: " + rendered.size() + " configuration error" + (rendered.size() == 1 ? "" : "s") + "; "
                    + command.qualifiedName() + " did not start"
                    + (file == null ? "" : " (check the file with 'surrogate config check " + file + "')"));
        }
        return merged;
    }

    private boolean helpRequested() {
        for (OptionSpec o : command.options()) {
            if ((o.usageHelp() || o.versionHelp()) && Boolean.TRUE.equals(o.getValue())) {
                return true;
            }
        }
        return false;
    }

    /** picocli interpolates ${...} in defaults; a configured value is taken literally, as on the command line. */
    private static String escape(String value) {
        return value == null ? null : value.replace("${", "$${");
    }

    /** A configuration that cannot be used; its message is the rendered diagnostics. */
    public static final class ConfigException extends CommandLine.ParameterException {
        private static final long serialVersionUID = 1L;

        ConfigException(CommandLine commandLine, String message) {
            super(commandLine, message);
        }
    }
}
