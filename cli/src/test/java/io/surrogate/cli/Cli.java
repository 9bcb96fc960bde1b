package io.surrogate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs the CLI in-process, as {@code ./surrogate} would, and reads what it printed. */
final class Cli {
    /** The sample rules, seen from the module directory the tests run in. */
    static final Path SAMPLES = Path.of("..", "sample-rules");

    private static final Pattern DIAGNOSTIC = Pattern.compile("^(.+?):(\\d+):(\\d+): (error|warning)\\[([EW]\\d{3})\\]: ", Pattern.MULTILINE);

    private Cli() {}

    record Result(int code, String out, String err) {
        Result expectCode(int expected) {
            assertThat(code).as("exit code; out:%n%s%nerr:%n%s", out, err).isEqualTo(expected);
            return this;
        }

        JsonObject json() {
            return JsonParser.parseString(out).getAsJsonObject();
        }

        /** The diagnostics' headline lines, from out and err. */
        List<Diag> diagnostics() {
            List<Diag> all = new ArrayList<>();
            for (String text : List.of(out, err)) {
                Matcher m = DIAGNOSTIC.matcher(text);
                while (m.find()) {
                    all.add(new Diag(m.group(1), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)), m.group(4), m.group(5)));
                }
            }
            return all;
        }

        List<Diag> errors() {
            return diagnostics().stream().filter(d -> d.severity().equals("error")).toList();
        }
    }

    /** One diagnostic's location and code; the English is not asserted. */
    record Diag(String file, int line, int column, String severity, String code) {
        String at() {
            return code + "@" + line + ":" + column;
        }
    }

    static Result run(Object... args) {
        String[] a = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            a[i] = args[i].toString();
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        PrintWriter o = new PrintWriter(out);
        PrintWriter e = new PrintWriter(err);
        int code = SurrogateCommand.run(a, o, e);
        o.flush();
        e.flush();
        return new Result(code, out.toString(), err.toString());
    }
}
