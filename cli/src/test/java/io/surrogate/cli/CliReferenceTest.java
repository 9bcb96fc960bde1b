package io.surrogate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * docs/cli.md against the CLI: a section per command, an options table per command that matches
 * picocli's model, and every example marked {@code <!-- run: exit N -->} run in-process, in page
 * order, with its exit code and its output (when a block follows it) compared.
 *
 * <p>Conventions of the page, which its introduction states for readers:
 * <ul>
 *   <li>A command's section is a heading {@code surrogate ...} naming it exactly.</li>
 *   <li>Its options table has the header {@code | Option | Argument | Default | Meaning |}. The first
 *       cell names an option ({@code `-H`, `--header`}) or a positional parameter by its label
 *       ({@code `PATH`}). A default in backticks is literal and must be picocli's; a default in
 *       words ("none", "the current time") means picocli has none.</li>
 *   <li>A {@code sh} block right after {@code <!-- run: exit N -->} holds one {@code ./surrogate}
 *       command, run from the repository root; {@code sample-rules/} and the throwaway keyring
 *       {@code tmp/keys} are mapped to the test's directories. A {@code text} or {@code json} block
 *       right after it is what the terminal shows: standard output, then standard error. In it,
 *       {@code …} inside a line stands for any text on that line, and a line that is only
 *       {@code …} for one or more lines. An argument with {@code …} stands for the value that
 *       begins the same way in an earlier example's output (a token).</li>
 * </ul>
 */
class CliReferenceTest {
    private static final String PAGE = "cli.md";
    private static final Pattern RUN = Pattern.compile("run: exit (\\d+)");
    private static final String KEYRING = "tmp/keys";

    private static MarkdownPage page;
    private static Map<String, CommandSpec> commands;

    @TempDir
    Path tmp;

    @BeforeAll
    static void read() throws IOException {
        page = MarkdownPage.read(PAGE);
        commands = new LinkedHashMap<>();
        collect(new CommandLine(new SurrogateCommand()), "surrogate");
        assertThat(commands).containsKeys("surrogate validate", "surrogate dry-run", "surrogate keys generate", "surrogate token verify",
                "surrogate help");
    }

    private static void collect(CommandLine cli, String path) {
        commands.put(path, cli.getCommandSpec());
        cli.getSubcommands().forEach((name, sub) -> collect(sub, path + " " + name));
    }

    /** The sections whose heading is a command line, by that command line. */
    private static Map<String, MarkdownPage.Section> commandSections() {
        Map<String, MarkdownPage.Section> out = new LinkedHashMap<>();
        for (MarkdownPage.Section s : page.sections()) {
            String title = s.title().replace("`", "");
            if (title.equals("surrogate") || title.startsWith("surrogate ")) {
                assertThat(out.put(title, s)).as("two sections for '%s' (line %d)", title, s.line()).isNull();
            }
        }
        return out;
    }

    @Test
    void everyCommandHasASectionAndEverySectionIsACommand() {
        assertThat(commandSections().keySet()).as("command sections of docs/%s", PAGE)
                .containsExactlyInAnyOrderElementsOf(commands.keySet());
    }

    @Test
    void optionTablesMatchPicocli() {
        SoftAssertions soft = new SoftAssertions();
        commandSections().forEach((name, section) -> {
            CommandSpec spec = commands.get(name);
            if (spec == null) {
                return; // reported by the test above
            }
            Map<String, OptionSpec> options = new TreeMap<>();
            for (OptionSpec o : spec.options()) {
                if (!o.usageHelp() && !o.versionHelp()) {
                    options.put(String.join(", ", o.names()), o);
                }
            }
            Map<String, PositionalParamSpec> positionals = new TreeMap<>();
            for (PositionalParamSpec p : spec.positionalParameters()) {
                positionals.put(p.paramLabel(), p);
            }
            Map<String, List<String>> rows = new TreeMap<>();
            for (List<String> row : section.table("Option")) {
                soft.assertThat(row).as("%s: table row %s has 4 cells", name, row).hasSize(4);
                if (row.size() == 4) {
                    rows.put(row.get(0).replace("`", ""), row);
                }
            }
            Set<String> documentedOptions = rows.keySet().stream().filter(k -> k.startsWith("-")).collect(Collectors.toCollection(TreeSet::new));
            Set<String> documentedPositionals = rows.keySet().stream().filter(k -> !k.startsWith("-")).collect(Collectors.toCollection(TreeSet::new));
            soft.assertThat(documentedOptions).as("options documented for '%s' (docs/%s line %d)", name, PAGE, section.line())
                    .containsExactlyInAnyOrderElementsOf(options.keySet());
            soft.assertThat(documentedPositionals).as("parameters documented for '%s' (docs/%s line %d)", name, PAGE, section.line())
                    .containsExactlyInAnyOrderElementsOf(positionals.keySet());
            options.forEach((names, o) -> {
                List<String> row = rows.get(names);
                if (row == null) {
                    return;
                }
                String argument = o.arity().max() > 0 ? "`" + o.paramLabel() + "`" : "—";
                soft.assertThat(row.get(1)).as("%s %s: argument", name, names).isEqualTo(argument);
                checkDefault(soft, name + " " + names, o.defaultValue(), row.get(2));
            });
            positionals.forEach((label, p) -> {
                List<String> row = rows.get(label);
                if (row != null) {
                    checkDefault(soft, name + " " + label, p.defaultValue(), row.get(2));
                }
            });
        });
        soft.assertAll();
    }

    private static void checkDefault(SoftAssertions soft, String what, String picocliDefault, String cell) {
        if (picocliDefault != null) {
            soft.assertThat(cell).as("%s: default", what).isEqualTo("`" + picocliDefault + "`");
        } else {
            soft.assertThat(cell).as("%s: picocli has no default, so the default is prose, not a `literal`", what).doesNotContain("`");
        }
    }

    @Test
    void checkedExamplesExitAndPrintAsShown() {
        Path keyring = tmp.resolve("keys");
        List<String> outputs = new ArrayList<>();
        List<MarkdownPage.CodeBlock> blocks = page.blocks();
        int runs = 0;
        SoftAssertions soft = new SoftAssertions();
        for (int i = 0; i < blocks.size(); i++) {
            MarkdownPage.CodeBlock b = blocks.get(i);
            Matcher m = b.comment() == null ? null : RUN.matcher(b.comment());
            if (m == null || !m.matches()) {
                continue;
            }
            runs++;
            String where = "docs/" + PAGE + " line " + b.line();
            assertThat(b.info()).as("%s: a checked example is an sh block", where).isEqualTo("sh");
            List<String> args = shellWords(b.text());
            assertThat(args).as("%s: one ./surrogate command", where).isNotEmpty().first().isEqualTo("./surrogate");
            List<String> real = new ArrayList<>();
            for (String a : args.subList(1, args.size())) {
                real.add(argument(a, keyring, outputs, where));
            }
            Cli.Result r = Cli.run(real.toArray());
            String shown = (r.out() + r.err()).replace("\r\n", "\n")
                    .replace(keyring.toString(), KEYRING)
                    .replace(Cli.SAMPLES.toString(), "sample-rules");
            for (int k = 1; k < args.size(); k++) {
                if (real.get(k - 1).equals(Path.of("..", args.get(k)).toString())) {
                    shown = shown.replace(real.get(k - 1), args.get(k)); // a file of the repository, as the page names it
                }
            }
            outputs.add(r.out());
            soft.assertThat(r.code()).as("%s: exit code of %s%nout:%n%s%nerr:%n%s", where, args, r.out(), r.err())
                    .isEqualTo(Integer.parseInt(m.group(1)));
            MarkdownPage.CodeBlock next = i + 1 < blocks.size() ? blocks.get(i + 1) : null;
            if (next != null && next.followsBlock() && (next.info().equals("text") || next.info().equals("json"))) {
                soft.assertThat(shown.stripTrailing()).as("%s: output of %s (docs/%s line %d)", where, args, PAGE, next.line())
                        .matches(wildcards(next.text().stripTrailing()));
                if (next.info().equals("json")) {
                    soft.assertThat(jsonPaths(next.text())).as("%s: JSON paths of the example at line %d against the real output", where, next.line())
                            .isEqualTo(jsonPaths(r.out()));
                }
            }
        }
        soft.assertAll();
        assertThat(runs).as("checked examples in docs/%s", PAGE).isGreaterThanOrEqualTo(10);
    }

    @Test
    void everyCommandThatDoesSomethingHasACheckedExample() {
        commandSections().forEach((name, section) -> {
            CommandSpec spec = commands.get(name);
            if (spec == null || !spec.subcommands().isEmpty()) {
                return; // the groups (surrogate, keys, token) only dispatch
            }
            String command = name.replaceFirst("^surrogate", "./surrogate");
            assertThat(section.blocks()).as("docs/%s: a checked example of '%s' in its section (line %d)", PAGE, name, section.line())
                    .anyMatch(b -> b.comment() != null && RUN.matcher(b.comment()).matches()
                            && String.join(" ", shellWords(b.text())).startsWith(command + " "));
        });
    }

    @Test
    void theJsonSectionHasACheckedExampleOfEachDocument() {
        List<MarkdownPage.Section> sections = page.sections();
        MarkdownPage.Section json = sections.stream().filter(s -> s.title().equals("JSON output")).findFirst()
                .orElseThrow(() -> new AssertionError("docs/" + PAGE + " has no section 'JSON output'"));
        int at = sections.indexOf(json);
        List<String> runs = new ArrayList<>();
        for (int k = at; k < sections.size(); k++) {
            MarkdownPage.Section s = sections.get(k);
            if (k > at && s.level() <= json.level()) {
                break;
            }
            List<MarkdownPage.CodeBlock> blocks = s.blocks();
            for (int i = 0; i + 1 < blocks.size(); i++) {
                MarkdownPage.CodeBlock b = blocks.get(i);
                if (b.comment() != null && RUN.matcher(b.comment()).matches() && blocks.get(i + 1).info().equals("json")
                        && blocks.get(i + 1).followsBlock()) {
                    runs.add(String.join(" ", shellWords(b.text())));
                }
            }
        }
        assertThat(runs).anyMatch(r -> r.startsWith("./surrogate validate --json "));
        assertThat(runs).anyMatch(r -> r.startsWith("./surrogate dry-run --json "));
    }

    /** A documented argument as the test runs it: paths mapped, a cut token replaced by the real one. */
    private static String argument(String a, Path keyring, List<String> outputs, String where) {
        if (a.startsWith("sample-rules")) {
            return Cli.SAMPLES.resolve(a.substring("sample-rules".length()).replaceFirst("^/", "")).toString();
        }
        if (a.equals(KEYRING) || a.startsWith(KEYRING + "/")) {
            return keyring + a.substring(KEYRING.length());
        }
        if (!a.startsWith("-") && !a.isEmpty() && !java.nio.file.Files.exists(Path.of(a)) && java.nio.file.Files.isRegularFile(Path.of("..", a))) {
            return Path.of("..", a).toString(); // a file of the repository: the test runs in the module's directory
        }
        int cut = a.indexOf('…');
        if (cut >= 0) {
            Pattern value = Pattern.compile(Pattern.quote(a.substring(0, cut)) + "[A-Za-z0-9_\\-]+");
            String found = null;
            for (String out : outputs) {
                Matcher v = value.matcher(out);
                while (v.find()) {
                    found = v.group();
                }
            }
            assertThat(found).as("%s: no earlier output holds a value for '%s'", where, a).isNotNull();
            return found;
        }
        return a;
    }

    /** The expected output as a regex: '…' within a line is any text on it; a line of only '…' is one or more lines. */
    static String wildcards(String expected) {
        StringBuilder re = new StringBuilder();
        List<String> lines = List.of(expected.split("\n", -1));
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.equals("…")) {
                re.append("(?:[^\\n]*\\n)*?[^\\n]*");
                if (i + 1 < lines.size()) {
                    re.append("\\n");
                }
                continue;
            }
            String[] parts = line.split("…", -1);
            for (int p = 0; p < parts.length; p++) {
                re.append(Pattern.quote(parts[p]));
                if (p + 1 < parts.length) {
                    re.append("[^\\n]*?");
                }
            }
            if (i + 1 < lines.size()) {
                re.append("\\n");
            }
        }
        return re.toString();
    }

    /** Every path of a JSON document with the type at its end: {@code trace[].depth: number}. */
    static Set<String> jsonPaths(String json) {
        Set<String> out = new TreeSet<>();
        paths(JsonParser.parseString(json), "", out);
        return out;
    }

    private static void paths(JsonElement e, String at, Set<String> out) {
        if (e.isJsonObject()) {
            if (e.getAsJsonObject().isEmpty()) {
                out.add(at + ": empty object");
            }
            e.getAsJsonObject().entrySet().forEach(f -> paths(f.getValue(), at.isEmpty() ? f.getKey() : at + "." + f.getKey(), out));
        } else if (e.isJsonArray()) {
            if (e.getAsJsonArray().isEmpty()) {
                out.add(at + ": empty array");
            }
            e.getAsJsonArray().forEach(x -> paths(x, at + "[]", out));
        } else if (e.isJsonNull()) {
            out.add(at + ": null");
        } else {
            var p = e.getAsJsonPrimitive();
            out.add(at + ": " + (p.isBoolean() ? "boolean" : p.isNumber() ? "number" : "string"));
        }
    }

    /** The words of a shell command line: quotes, backslash escapes and continuation lines. */
    static List<String> shellWords(String command) {
        List<String> words = new ArrayList<>();
        StringBuilder w = null;
        char quote = 0;
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                } else {
                    w.append(c);
                }
            } else if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else if (c == '\\' && i + 1 < command.length() && "\"\\$`".indexOf(command.charAt(i + 1)) >= 0) {
                    w.append(command.charAt(++i));
                } else {
                    w.append(c);
                }
            } else if (c == '\\' && i + 1 < command.length()) {
                char n = command.charAt(++i);
                if (n != '\n') {
                    w = w == null ? new StringBuilder() : w;
                    w.append(n);
                }
            } else if (Character.isWhitespace(c)) {
                if (w != null) {
                    words.add(w.toString());
                    w = null;
                }
            } else {
                if ("|<>;&$`#".indexOf(c) >= 0) {
                    throw new AssertionError("a checked example is one plain command, without '" + c + "': " + command);
                }
                w = w == null ? new StringBuilder() : w;
                if (c == '\'' || c == '"') {
                    quote = c;
                } else {
                    w.append(c);
                }
            }
        }
        if (quote != 0) {
            throw new AssertionError("unterminated quote in " + command);
        }
        if (w != null) {
            words.add(w.toString());
        }
        return words;
    }
}
