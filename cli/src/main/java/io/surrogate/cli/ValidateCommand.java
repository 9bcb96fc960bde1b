package io.surrogate.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.surrogate.engine.CompileResult;
import io.surrogate.engine.RuleCompiler;
import io.surrogate.engine.diag.Diagnostic;
import io.surrogate.engine.diag.Severity;
import io.surrogate.engine.token.KeySource;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code surrogate validate PATH...}: compile rule sets and report every diagnostic. */
@Command(name = "validate",
        description = {"Check rule files: every error and warning, as file:line:col with the source line.",
                "A file is one rule set; a directory with *.xml files is one rule set (its files in name order); "
                        + "a directory without such files is searched for directories that have them, each validated on its own."},
        mixinStandardHelpOptions = true,
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:no errors (warnings allowed)", "1:errors found", "2:bad usage"},
        footer = {"", "Examples:",
                "  surrogate validate sample-rules/mail/mail.xml",
                "  surrogate validate --keys keys sample-rules",
                "  surrogate validate --json rules/ > report.json"})
final class ValidateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "PATH", arity = "1..*", description = "Rule files or directories.")
    List<Path> paths;

    @Option(names = "--keys", paramLabel = "DIR", description = "Keyring directory: every <key> must name a key in it. Without it keys are not checked.")
    Path keys;

    @Option(names = "--json", description = "One JSON document on stdout instead of text.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        KeySource keySource;
        try {
            keySource = RuleSetLoader.keys(keys);
        } catch (IOException e) {
            err.println("error: " + e.getMessage());
            return SurrogateCommand.EXIT_USAGE;
        }
        List<Map<String, Object>> reports = new ArrayList<>();
        int errors = 0;
        int warnings = 0;
        for (Path path : paths) {
            if (!Files.exists(path)) {
                err.println("error: no such file or directory: " + path);
                return SurrogateCommand.EXIT_USAGE;
            }
            List<List<Path>> sets = RuleSetLoader.ruleSets(path);
            if (sets.isEmpty()) {
                err.println("error: no *.xml rule files under " + path);
                return SurrogateCommand.EXIT_USAGE;
            }
            for (List<Path> files : sets) {
                CompileResult result = new RuleCompiler(keySource).compilePaths(files);
                int e = (int) result.diagnostics().stream().filter(d -> d.severity() == Severity.ERROR).count();
                int w = result.diagnostics().size() - e;
                errors += e;
                warnings += w;
                if (json) {
                    reports.add(Reports.ruleSet(files, result));
                } else {
                    out.print(result.render());
                    String names = files.size() == 1 ? files.get(0).toString() : path + " (" + files.size() + " files)";
                    if (result instanceof CompileResult.Success s) {
                        out.println(names + ": ok, fingerprint " + s.ruleSet().fingerprint().substring(0, 16)
                                + (w == 0 ? "" : ", " + plural(w, "warning")));
                    } else {
                        out.println(names + ": " + plural(e, "error") + (w == 0 ? "" : ", " + plural(w, "warning")));
                    }
                }
            }
        }
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("ok", errors == 0);
            doc.put("errors", errors);
            doc.put("warnings", warnings);
            doc.put("ruleSets", reports);
            Gson gson = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create();
            out.println(gson.toJson(doc));
        }
        out.flush();
        return errors == 0 ? 0 : SurrogateCommand.EXIT_ERRORS;
    }

    static String plural(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    /** For JSON reports. */
    static Map<String, Object> diagnostic(Diagnostic d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", d.code().name());
        m.put("severity", d.severity().label());
        m.put("file", d.position().file());
        m.put("line", d.position().line());
        m.put("column", d.position().column());
        m.put("message", d.message());
        m.put("help", d.help());
        return m;
    }
}
