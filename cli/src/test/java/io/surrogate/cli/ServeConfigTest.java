package io.surrogate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.surrogate.cli.config.ConfigDefaults;
import io.surrogate.cli.config.ConfigFile;
import io.surrogate.cli.config.ConfigOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * serve's options from a config file and SURROGATE_* variables, through the real command line
 * (parsed, not run): precedence, required options, flags, the config file's own name, and the
 * errors that stop serve, with their positions.
 */
class ServeConfigTest {
    @TempDir
    Path tmp;

    private final Map<String, String> env = new HashMap<>();

    private Path file(String toml) throws IOException {
        Path f = tmp.resolve("surrogate-" + System.nanoTime() + ".toml");
        Files.writeString(f, toml);
        return f;
    }

    /** Parses {@code serve ARGS} as the CLI would and returns the configured command. */
    private ServeCommand parse(String... args) {
        CommandLine cli = SurrogateCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), env);
        List<String> all = new ArrayList<>(List.of("serve"));
        all.addAll(List.of(args));
        cli.parseArgs(all.toArray(new String[0]));
        return cli.getSubcommands().get("serve").getCommand();
    }

    private Cli.Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = SurrogateCommand.run(args, new PrintWriter(out, true), new PrintWriter(err, true), env);
        return new Cli.Result(code, out.toString(), err.toString());
    }

    @Test
    void commandLineOverridesEnvironmentWhichOverridesTheFileWhichOverridesTheDefault() throws IOException {
        Path f = file("rules = \"r\"\nkeys = \"k\"\nmax-body = 100\n");
        assertThat(parse("--rules", "r", "--keys", "k").maxBody).as("default").isEqualTo(65536);
        assertThat(parse("--config", f.toString()).maxBody).as("file").isEqualTo(100);
        env.put("SURROGATE_MAX_BODY", "200");
        assertThat(parse("--config", f.toString()).maxBody).as("environment over file").isEqualTo(200);
        assertThat(parse("--config", f.toString(), "--max-body", "300").maxBody).as("command line over both").isEqualTo(300);
        assertThat(parse("--config", f.toString(), "--max-body=300").maxBody).isEqualTo(300);
    }

    @Test
    void requiredOptionsMayComeFromTheFileOrTheEnvironment() throws IOException {
        Path f = file("# the edge\nrules = \"/etc/surrogate/rules\"\nkeys = \"/var/lib/surrogate/keys\"\norigin = \"http://127.0.0.1:8000\"\n"
                + "listen = \"0.0.0.0:8080\"\nedge-id = \"edge-7\"\nsignature-window = 60\n");
        ServeCommand serve = parse("--config", f.toString());
        assertThat(serve.rules).isEqualTo(Path.of("/etc/surrogate/rules"));
        assertThat(serve.keys).isEqualTo(Path.of("/var/lib/surrogate/keys"));
        assertThat(serve.origin).isEqualTo(URI.create("http://127.0.0.1:8000"));
        assertThat(serve.listen).isEqualTo("0.0.0.0:8080");
        assertThat(serve.edgeId).isEqualTo("edge-7");
        assertThat(serve.signatureWindow).isEqualTo(60L);
        assertThat(serve.originListen).as("not in the file: the option's default").isEqualTo(ServeCommand.DEFAULT_ORIGIN_LISTEN);

        env.put("SURROGATE_RULES", "from-env");
        env.put("SURROGATE_KEYS", "keys-env");
        ServeCommand fromEnv = parse();
        assertThat(fromEnv.rules).isEqualTo(Path.of("from-env"));
        assertThat(fromEnv.keys).isEqualTo(Path.of("keys-env"));
    }

    @Test
    void withoutTheRequiredOptionsAnywhereServeSaysWhichAreMissing() {
        Cli.Result r = run("serve", "--max-body", "10").expectCode(SurrogateCommand.EXIT_USAGE);
        assertThat(r.err()).contains("Missing required options", "--rules", "--keys");
    }

    @Test
    void flagsTakeTrueOrFalse() throws IOException {
        Path on = file("rules = \"r\"\nkeys = \"k\"\nno-watch = true\n");
        Path off = file("rules = \"r\"\nkeys = \"k\"\nno-watch = false\n");
        assertThat(parse("--config", on.toString()).noWatch).isTrue();
        assertThat(parse("--config", off.toString()).noWatch).isFalse();
        assertThat(parse("--config", off.toString(), "--no-watch").noWatch).as("the command line's flag").isTrue();
        env.put("SURROGATE_NO_WATCH", "FALSE");
        assertThat(parse("--config", on.toString()).noWatch).as("environment over file").isFalse();
        env.put("SURROGATE_NO_WATCH", "yes");
        Cli.Result r = run("serve", "--config", on.toString()).expectCode(SurrogateCommand.EXIT_USAGE);
        assertThat(r.err()).contains("SURROGATE_NO_WATCH: error[C202]: wrong type for 'no-watch': expected true or false");
    }

    @Test
    void theFileIsNamedByTheOptionOrBySurrogateConfig() throws IOException {
        Path a = file("rules = \"r\"\nkeys = \"k\"\nedge-id = \"a\"\n");
        Path b = file("rules = \"r\"\nkeys = \"k\"\nedge-id = \"b\"\n");
        env.put("SURROGATE_CONFIG", a.toString());
        assertThat(parse().edgeId).isEqualTo("a");
        assertThat(parse().config).isEqualTo(a);
        assertThat(parse("--config", b.toString()).edgeId).as("--config over SURROGATE_CONFIG").isEqualTo("b");
        env.put("SURROGATE_CONFIG", " ");
        ServeCommand none = parse("--rules", "r", "--keys", "k");
        assertThat(none.config).as("an empty SURROGATE_CONFIG names no file").isNull();
        assertThat(none.edgeId).isEqualTo("edge-1");
    }

    @Test
    void valuesAreTakenLiterallyAsOnTheCommandLine() throws IOException {
        Path f = file("rules = \"r\"\nkeys = \"k\"\nedge-id = \"e-${sys:user.home}-$x\"\n");
        assertThat(parse("--config", f.toString()).edgeId).isEqualTo("e-${sys:user.home}-$x");
        env.put("SURROGATE_EDGE_ID", "${env:HOME}");
        assertThat(parse("--config", f.toString()).edgeId).isEqualTo("${env:HOME}");
    }

    @Test
    void anUnknownKeyStopsServeWithItsPositionAndASuggestion() throws IOException {
        Path f = file("rules = \"r\"\nkeys = \"k\"\nmax-bodyy = 10\n");
        Cli.Result r = run("serve", "--config", f.toString()).expectCode(SurrogateCommand.EXIT_USAGE);
        assertThat(r.err()).contains(f + ":3:1: error[C201]: unknown key 'max-bodyy'", "3 | max-bodyy = 10", "help: did you mean 'max-body'?",
                "error: 1 configuration error; surrogate serve did not start (check the file with 'surrogate config check " + f + "')");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void everyProblemOfTheFileAndTheEnvironmentIsReportedAtOnce() throws IOException {
        Path f = file("rules = \"r\"\nkeys = \"k\"\nmax-body = \"big\"\nedge-id = 7\nconfig = \"other.toml\"\n");
        env.put("SURROGATE_MAX_EVENT_SIZE", "lots");
        Cli.Result r = run("serve", "--config", f.toString()).expectCode(SurrogateCommand.EXIT_USAGE);
        assertThat(r.err()).contains(f + ":3:12: error[C202]: wrong type for 'max-body': expected an integer, got a string",
                f + ":4:11: error[C202]: wrong type for 'edge-id': expected a string, got an integer",
                f + ":5:1: error[C204]: 'config' cannot be set in a config file",
                "SURROGATE_MAX_EVENT_SIZE: error[C203]: invalid value for 'max-event-size': 'lots' is not an int",
                "error: 4 configuration errors");
    }

    @Test
    void aMissingFileIsAnError() {
        Path missing = tmp.resolve("nope.toml");
        Cli.Result r = run("serve", "--config", missing.toString()).expectCode(SurrogateCommand.EXIT_USAGE);
        assertThat(r.err()).contains(missing + ": error[C101]: no such file");
    }

    @Test
    void anUnknownSurrogateVariableIsAWarningNotAnError() throws IOException {
        Path f = file("rules = \"r\"\nkeys = \"k\"\n");
        env.put("SURROGATE_MAX_BODDY", "5");
        env.put("SURROGATE_JAVA_OPTS", "-Xmx1g"); // the launcher's
        env.put("SURROGATE_ORIGIN_SECRET", "c2VjcmV0"); // the example origin script's
        StringWriter err = new StringWriter();
        CommandLine cli = SurrogateCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err, true), env);
        cli.parseArgs("serve", "--config", f.toString());
        assertThat(err.toString()).isEqualTo("warning: SURROGATE_MAX_BODDY names no option of this command; ignored (did you mean SURROGATE_MAX_BODY?)"
                + System.lineSeparator());
    }

    @Test
    void helpIsShownWhateverTheConfiguration() {
        env.put("SURROGATE_CONFIG", tmp.resolve("missing.toml").toString());
        env.put("SURROGATE_MAX_BODY", "abc");
        assertThat(run("serve", "--help").expectCode(0).out()).contains("--config=FILE");
        assertThat(run("help", "serve").expectCode(0).out()).contains("--config=FILE");
    }

    /**
     * Every option of serve, including the ones added after this test was written, can be set in
     * a config file and in the environment to its default value, and config check accepts it.
     */
    @Test
    void everyServeOptionWithADefaultIsConfigurable() throws IOException {
        CommandLine serve = new CommandLine(new ServeCommand());
        ConfigOptions options = new ConfigOptions(serve.getCommandSpec(), ServeCommand.CONFIG_OPTION);
        StringBuilder toml = new StringBuilder();
        int set = 0;
        for (OptionSpec o : serve.getCommandSpec().options()) {
            if (o.usageHelp() || o.versionHelp() || o.defaultValue() == null || o.defaultValue().contains("${")) {
                continue;
            }
            String key = ConfigOptions.key(o);
            assertThat(options.option(key)).as(key).contains(o);
            String value = o.defaultValue();
            boolean quoted = !(o.type() == int.class || o.type() == long.class || o.type() == boolean.class || o.type() == Integer.class
                    || o.type() == Long.class || o.type() == Boolean.class || o.type() == double.class);
            toml.append(key).append(" = ").append(quoted ? "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"" : value).append('\n');
            set++;
        }
        Path f = file(toml.toString());
        Cli.Result r = Cli.run("config", "check", f).expectCode(0);
        assertThat(r.out()).endsWith(f + ": ok, " + set + " settings" + System.lineSeparator());
        assertThat(set).isGreaterThanOrEqualTo(10);
    }

    /** docs/operations.md's table of keys is serve's options: a new option needs its row there. */
    @Test
    void theOperationsGuideListsEveryKey() throws IOException {
        CommandLine serve = new CommandLine(new ServeCommand());
        Map<String, List<String>> expected = new java.util.TreeMap<>();
        for (OptionSpec o : serve.getCommandSpec().options()) {
            String key = ConfigOptions.key(o);
            if (!o.usageHelp() && !o.versionHelp() && !o.longestName().equals(ServeCommand.CONFIG_OPTION)) {
                expected.put(key, List.of("`" + key + "`", "`" + ConfigOptions.variable(key) + "`", ConfigOptions.valueKind(o), "`" + o.longestName() + "`"));
            }
        }
        MarkdownPage.Section section = MarkdownPage.read("operations.md").sections().stream().filter(s -> s.title().equals("Configuration"))
                .findFirst().orElseThrow(() -> new AssertionError("docs/operations.md has no section 'Configuration'"));
        Map<String, List<String>> documented = new java.util.TreeMap<>();
        for (List<String> row : section.table("Key")) {
            if (!row.get(0).equals("—")) {
                documented.put(row.get(0).replace("`", ""), row);
            }
        }
        assertThat(documented).as("docs/operations.md#configuration: the table of keys (Key | Variable | Value | Option), one row per option of serve")
                .isEqualTo(expected);
    }

    /** The same machinery on a command with a repeatable option, a list of numbers and a defaulted list. */
    @Test
    void repeatableOptionsTakeAnArrayAStringOrACommaSeparatedVariable() throws IOException {
        Path f = file("proxy = [\"10.0.0.0/8\", \"192.168.0.0/16\"]\nport = [80, 443]\ntag = \"one\"\n");
        Probe p = probe(Map.of(), "--config", f.toString());
        assertThat(p.proxy).containsExactly("10.0.0.0/8", "192.168.0.0/16");
        assertThat(p.port).containsExactly(80, 443);
        assertThat(p.tag).as("a single value for a repeatable option").containsExactly("one");

        Probe fromEnv = probe(Map.of("SURROGATE_PROXY", "10.1.0.0/16, 10.2.0.0/16", "SURROGATE_TAG", "x,y,z"), "--config", f.toString());
        assertThat(fromEnv.proxy).containsExactly("10.1.0.0/16", "10.2.0.0/16");
        assertThat(fromEnv.tag).containsExactly("x", "y", "z");

        Probe cli = probe(Map.of("SURROGATE_PROXY", "10.1.0.0/16"), "--config", f.toString(), "--proxy", "127.0.0.1/32");
        assertThat(cli.proxy).as("the command line replaces, it does not add").containsExactly("127.0.0.1/32");

        Probe defaults = probe(Map.of());
        assertThat(defaults.tag).as("the option's own default").containsExactly("default-tag");
        assertThat(defaults.proxy).isNull();
    }

    @Test
    void aRepeatableOptionChecksEachElement() throws IOException {
        Path f = file("port = [80, \"443\"]\nproxy = [\"a\", [\"b\"]]\n");
        assertThatThrownBy(() -> probe(Map.of(), "--config", f.toString()))
                .isInstanceOf(ConfigDefaults.ConfigException.class)
                .hasMessageContaining(f + ":1:8: error[C202]: wrong type for 'port': expected an array of integers or an integer, got an array holding a string")
                .hasMessageContaining(f + ":2:9: error[C202]: wrong type for 'proxy': expected an array of strings or a string, got an array holding an array");
    }

    @Test
    void theScannerFindsKeysAfterMultiLineValues() throws IOException {
        Path f = file("proxy = [\n  \"a\", # first\n  \"b\",\n]\nnote = \"\"\"\nport = 1\n\"\"\"\ntag = '''x\n'''\nportt = 2\n");
        assertThatThrownBy(() -> probe(Map.of(), "--config", f.toString()))
                .isInstanceOf(ConfigDefaults.ConfigException.class)
                .hasMessageContaining(f + ":10:1: error[C201]: unknown key 'portt'")
                .hasMessageContaining("did you mean 'port'?")
                .hasMessageNotContaining(":6:");
    }

    @Test
    void everyDuplicateIsReportedAndTheRestStillChecked() {
        ConfigFile read = parseFile("port = 1\ntag = \"a\"\nport = 2\nport = 3\nbogus = 1\n");
        assertThat(read.diagnostics()).extracting(d -> d.code() + "@" + d.line() + ":" + d.column()).containsExactly("C103@3:1", "C103@4:1");
        assertThat(read.entries()).containsKeys("port", "tag", "bogus");
    }

    @Test
    void malformedTomlIsOneErrorWithItsLine() {
        ConfigFile read = parseFile("port = 1\ntag = \"unterminated\nproxy = 2\n");
        assertThat(read.diagnostics()).extracting(d -> d.code() + "@" + d.line()).containsExactly("C102@2");
    }

    private ConfigFile parseFile(String toml) {
        try {
            return ConfigFile.read(file(toml));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Probe probe(Map<String, String> env, String... args) {
        Probe probe = new Probe();
        CommandLine cli = new CommandLine(probe);
        ConfigDefaults.install(cli.getCommandSpec(), "--config", env);
        cli.parseArgs(args);
        return probe;
    }

    @CommandLine.Command(name = "probe")
    static final class Probe {
        @CommandLine.Option(names = "--proxy")
        List<String> proxy;

        @CommandLine.Option(names = "--port")
        List<Integer> port;

        @CommandLine.Option(names = "--tag", defaultValue = "default-tag")
        List<String> tag;

        @CommandLine.Option(names = "--note")
        String note;

        @CommandLine.Option(names = "--config")
        Path config;
    }
}
