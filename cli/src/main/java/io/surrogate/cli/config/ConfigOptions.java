package io.surrogate.cli.config;

import io.surrogate.rules.schema.Suggestions;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A command's options as configuration keys, read from picocli's model so that an option added
 * to the command is configurable with no code here: {@code --max-body} is the key
 * {@code max-body} in a config file and the variable {@code SURROGATE_MAX_BODY}. Every value is
 * checked by the kind its option takes and then converted by the option's own converter, exactly
 * as the command line would convert it.
 */
public final class ConfigOptions {
    /** Environment variables that set options start with this. */
    public static final String ENV_PREFIX = "SURROGATE_";

    /**
     * Variables that are not options and never reported as unknown: the launcher's JVM flags, and
     * the secret docs/examples/sign_delivery.py (an origin's side) reads.
     */
    static final Set<String> NOT_OPTIONS = Set.of("SURROGATE_JAVA_OPTS", "SURROGATE_EDGE_JAVA_OPTS", "SURROGATE_ORIGIN_SECRET");

    /** One option's configured value: its texts as the command line would give them, and the converted value. */
    public record Setting(String key, OptionSpec option, List<String> texts, Object converted, String origin) {}

    /** What a file or the environment sets, with what could not be used. */
    public record Settings(Map<String, Setting> values, List<ConfigDiagnostic> diagnostics, List<String> warnings) {
        public boolean hasErrors() {
            return !diagnostics.isEmpty();
        }
    }

    private final OptionSpec configOption;
    private final Map<String, OptionSpec> byKey;

    /**
     * @param command the command whose options are configurable
     * @param configOption the name of its option that names the config file ({@code --config}):
     *        settable from the environment, refused inside a file
     */
    public ConfigOptions(CommandSpec command, String configOption) {
        this.configOption = command.findOption(configOption);
        if (this.configOption == null) {
            throw new IllegalArgumentException(command.qualifiedName() + " has no option " + configOption);
        }
        Map<String, OptionSpec> keys = new TreeMap<>();
        for (OptionSpec o : command.options()) {
            if (!o.usageHelp() && !o.versionHelp()) {
                keys.put(key(o), o);
            }
        }
        this.byKey = java.util.Collections.unmodifiableMap(keys);
    }

    /** {@code --max-body} → {@code max-body}: the option's longest name without its dashes. */
    public static String key(OptionSpec option) {
        return option.longestName().replaceFirst("^-+", "");
    }

    /** {@code max-body} → {@code SURROGATE_MAX_BODY}. */
    public static String variable(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** Every key, in name order, the config option's own included. */
    public Set<String> keys() {
        return byKey.keySet();
    }

    public OptionSpec configOption() {
        return configOption;
    }

    public Optional<OptionSpec> option(String key) {
        return Optional.ofNullable(byKey.get(key));
    }

    /** The settings of a config file that read without errors of its own. */
    public Settings fromFile(ConfigFile file) {
        String where = file.path().toString();
        Map<String, Setting> values = new LinkedHashMap<>();
        List<ConfigDiagnostic> diagnostics = new ArrayList<>();
        for (ConfigFile.Entry e : file.entries().values()) {
            OptionSpec o = byKey.get(e.key());
            if (o == configOption) {
                diagnostics.add(new ConfigDiagnostic(ConfigCode.C204, where, e.line(), e.column(),
                        "'" + e.key() + "' cannot be set in a config file",
                        "name the file with " + configOption.longestName() + " FILE or " + variable(e.key())));
                continue;
            }
            if (o == null) {
                String help = e.kind() == ConfigFile.Kind.TABLE
                        ? "every setting is a top-level key = value: no [tables] and no dotted keys"
                        : Suggestions.closest(e.key(), byKey.keySet()).map(s -> "did you mean '" + s + "'?")
                                .orElse("the keys are: " + String.join(", ", settable()));
                diagnostics.add(new ConfigDiagnostic(ConfigCode.C201, where, e.line(), e.column(), "unknown key '" + e.key() + "'", help));
                continue;
            }
            Kind expected = expected(o);
            boolean multi = o.isMultiValue();
            String problem = null;
            if (e.kind() == ConfigFile.Kind.TABLE || (e.kind() == ConfigFile.Kind.ARRAY && !multi)) {
                problem = "expected " + expected.withArticle() + ", got " + e.kind().withArticle()
                        + (e.kind() == ConfigFile.Kind.ARRAY ? " (" + o.longestName() + " takes one value)" : "");
            } else {
                for (ConfigFile.Scalar s : e.scalars()) {
                    if (!expected.accepts(s.kind())) {
                        problem = "expected " + (multi ? "an array of " + expected.plural() + " or " : "") + expected.withArticle()
                                + ", got " + (e.kind() == ConfigFile.Kind.ARRAY ? "an array holding " : "") + s.kind().withArticle();
                        break;
                    }
                }
            }
            if (problem != null) {
                diagnostics.add(new ConfigDiagnostic(ConfigCode.C202, where, e.valueLine(), e.valueColumn(),
                        "wrong type for '" + e.key() + "': " + problem, expected.help(e.key())));
                continue;
            }
            List<String> texts = e.scalars().stream().map(ConfigFile.Scalar::text).toList();
            if (texts.isEmpty()) {
                continue; // an empty array sets nothing
            }
            String origin = where + ":" + e.line();
            try {
                values.put(e.key(), new Setting(e.key(), o, texts, convert(o, texts), origin));
            } catch (CommandLine.ParameterException ex) {
                diagnostics.add(new ConfigDiagnostic(ConfigCode.C203, where, e.valueLine(), e.valueColumn(),
                        "invalid value for '" + e.key() + "': " + reason(ex, o), null));
            }
        }
        return new Settings(java.util.Collections.unmodifiableMap(values), List.copyOf(diagnostics), List.of());
    }

    /**
     * The settings of the environment: every {@code SURROGATE_*} variable that names an option
     * (the config option's excepted: it is read before any file). A repeatable option takes a
     * comma-separated list; a flag takes {@code true} or {@code false}. A variable that names no
     * option is a warning, not an error: the environment is shared with other programs.
     */
    public Settings fromEnvironment(Map<String, String> env) {
        Map<String, String> byVariable = new LinkedHashMap<>();
        byKey.forEach((k, o) -> byVariable.put(variable(k), k));
        Map<String, Setting> values = new LinkedHashMap<>();
        List<ConfigDiagnostic> diagnostics = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (Map.Entry<String, String> v : new TreeMap<>(env).entrySet()) {
            String name = v.getKey();
            if (!name.startsWith(ENV_PREFIX) || NOT_OPTIONS.contains(name)) {
                continue;
            }
            String key = byVariable.get(name);
            if (key == null) {
                warnings.add(name + " names no option of this command; ignored"
                        + Suggestions.closest(name, byVariable.keySet()).map(s -> " (did you mean " + s + "?)").orElse(""));
                continue;
            }
            OptionSpec o = byKey.get(key);
            if (o == configOption) {
                continue;
            }
            List<String> texts = o.isMultiValue()
                    ? Arrays.stream(v.getValue().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList()
                    : List.of(v.getValue());
            if (texts.isEmpty()) {
                continue;
            }
            if (expected(o) == Kind.BOOLEAN) {
                String t = v.getValue().trim().toLowerCase(Locale.ROOT);
                if (!t.equals("true") && !t.equals("false")) {
                    diagnostics.add(new ConfigDiagnostic(ConfigCode.C202, name, 0, 0,
                            "wrong type for '" + key + "': expected true or false", null));
                    continue;
                }
                texts = List.of(t);
            }
            try {
                values.put(key, new Setting(key, o, texts, convert(o, texts), name));
            } catch (CommandLine.ParameterException ex) {
                diagnostics.add(new ConfigDiagnostic(ConfigCode.C203, name, 0, 0, "invalid value for '" + key + "': " + reason(ex, o), null));
            }
        }
        return new Settings(java.util.Collections.unmodifiableMap(values), List.copyOf(diagnostics), List.copyOf(warnings));
    }

    /** The keys a file may set. */
    private List<String> settable() {
        return byKey.keySet().stream().filter(k -> byKey.get(k) != configOption).toList();
    }

    /**
     * Converts {@code texts} as the command line would: a scratch command holding a copy of the
     * option, bound to a holder instead of the real field, parses {@code --name=text} for each.
     */
    static Object convert(OptionSpec option, List<String> texts) {
        if (expected(option) == Kind.BOOLEAN && !option.isMultiValue()) {
            return Boolean.valueOf(texts.get(0));
        }
        Holder holder = new Holder();
        OptionSpec copy = OptionSpec.builder(option).required(false).getter(holder).setter(holder)
                .initialValue(null).hasInitialValue(false).build();
        CommandLine scratch = new CommandLine(CommandSpec.create().addOption(copy));
        List<String> args = texts.stream().map(t -> option.longestName() + "=" + t).toList();
        scratch.parseArgs(args.toArray(new String[0]));
        return holder.value;
    }

    /** picocli's reason, without its "Invalid value for option '--x': " prefix, which the message already says. */
    private static String reason(CommandLine.ParameterException ex, OptionSpec o) {
        String m = String.valueOf(ex.getMessage());
        String prefix = "Invalid value for option '" + o.longestName() + "': ";
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }

    /** What a config file gives {@code option}, in TOML's words: "integer", "array of strings" (docs/operations.md's table). */
    public static String valueKind(OptionSpec option) {
        Kind k = expected(option);
        return option.isMultiValue() ? "array of " + k.plural() : k.withArticle().substring(k.withArticle().indexOf(' ') + 1);
    }

    /** The kind of value an option takes, from its (element) type. */
    static Kind expected(OptionSpec o) {
        Class<?> type = o.type();
        if (o.isMultiValue() || o.typeInfo().isOptional()) {
            Class<?>[] aux = o.auxiliaryTypes();
            type = aux.length == 1 ? aux[0] : String.class; // a map option takes KEY=VALUE strings
        }
        if (type == boolean.class || type == Boolean.class) {
            return Kind.BOOLEAN;
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class || type == short.class
                || type == Short.class || type == byte.class || type == Byte.class || type == BigInteger.class) {
            return Kind.INTEGER;
        }
        if (type == double.class || type == Double.class || type == float.class || type == Float.class || type == BigDecimal.class) {
            return Kind.NUMBER;
        }
        return Kind.STRING;
    }

    /** What an option takes, in TOML's terms. */
    enum Kind {
        STRING("a string", "strings"), INTEGER("an integer", "integers"), NUMBER("a number", "numbers"), BOOLEAN("a boolean", "booleans");

        private final String withArticle;
        private final String plural;

        Kind(String withArticle, String plural) {
            this.withArticle = withArticle;
            this.plural = plural;
        }

        String withArticle() {
            return withArticle;
        }

        String plural() {
            return plural;
        }

        boolean accepts(ConfigFile.Kind kind) {
            return switch (this) {
                case STRING -> kind == ConfigFile.Kind.STRING;
                case INTEGER -> kind == ConfigFile.Kind.INTEGER;
                case NUMBER -> kind == ConfigFile.Kind.INTEGER || kind == ConfigFile.Kind.FLOAT;
                case BOOLEAN -> kind == ConfigFile.Kind.BOOLEAN;
            };
        }

        String help(String key) {
            return switch (this) {
                case STRING -> "put the value in double quotes: " + key + " = \"...\"";
                case INTEGER -> "write the number without quotes: " + key + " = 100";
                case NUMBER -> "write the number without quotes: " + key + " = 1.5";
                case BOOLEAN -> "write true or false without quotes: " + key + " = true";
            };
        }
    }

    /** Where a scratch parse puts the converted value. */
    private static final class Holder implements CommandLine.Model.IGetter, CommandLine.Model.ISetter {
        Object value;

        @Override
        @SuppressWarnings("unchecked")
        public <T> T get() {
            return (T) value;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T set(T v) {
            T old = (T) value;
            value = v;
            return old;
        }
    }
}
