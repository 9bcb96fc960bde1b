package io.surrogate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.diag.Diagnostic;
import io.surrogate.engine.diag.DiagnosticCode;
import io.surrogate.engine.diag.Severity;
import io.surrogate.engine.token.ThrowawayKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file under {@code src/test/resources/diagnostics} is a broken rule file whose first
 * comment says what it shows and, on a line {@code expect: E201 7:5, E105 9:7}, exactly which
 * errors the compiler reports, by code and position (never by message). The codes that need a
 * keyring or an odd reader are in {@link KeyDiagnosticsTest} and {@link ReaderDiagnosticsTest}.
 */
class DiagnosticsTest {
    static final Path DIAGNOSTICS = Path.of("src/test/resources/diagnostics");
    private static final Pattern EXPECT_LINE = Pattern.compile("expect:([^\\n]*)");
    private static final Pattern EXPECTED = Pattern.compile("([EW]\\d{3}) (\\d+):(\\d+)");

    static Stream<String> files() throws IOException {
        try (Stream<Path> files = Files.list(DIAGNOSTICS)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".xml")).sorted().toList().stream();
        }
    }

    /** "E201 7:5" for each expected diagnostic of a file. */
    static List<String> expected(String file) throws IOException {
        Matcher line = EXPECT_LINE.matcher(Files.readString(DIAGNOSTICS.resolve(file)));
        assertThat(line.find()).as("%s has an 'expect:' line in its first comment", file).isTrue();
        List<String> out = new ArrayList<>();
        Matcher m = EXPECTED.matcher(line.group(1));
        while (m.find()) {
            out.add(m.group(1) + " " + m.group(2) + ":" + m.group(3));
        }
        return out;
    }

    static List<String> actual(CompileResult result, Severity severity) {
        return result.diagnostics().stream().filter(d -> d.severity() == severity)
                .map(d -> d.code() + " " + d.position().line() + ":" + d.position().column()).toList();
    }

    static CompileResult compile(String file) throws IOException {
        return new RuleCompiler(new ThrowawayKeys()).compile(file, Files.readAllBytes(DIAGNOSTICS.resolve(file)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void reportsExactlyTheExpectedErrors(String file) throws IOException {
        CompileResult result = compile(file);
        assertThat(result).as("%s holds errors", file).isInstanceOf(CompileResult.Failure.class);
        assertThat(actual(result, Severity.ERROR)).as("errors of %s:\n%s", file, result.render())
                .containsExactlyElementsOf(expected(file));
        for (Diagnostic d : result.diagnostics()) {
            assertThat(d.position().file()).isEqualTo(file);
        }
    }

    @Test
    void theManyErrorsFileReportsTenDifferentCodesInOneRun() throws IOException {
        CompileResult result = compile("many-errors.xml");
        Set<DiagnosticCode> codes = EnumSet.noneOf(DiagnosticCode.class);
        result.diagnostics().stream().filter(d -> d.severity() == Severity.ERROR).forEach(d -> codes.add(d.code()));
        assertThat(codes).as(result.render()).hasSizeGreaterThanOrEqualTo(10);
    }

    @Test
    void anUnknownElementGetsADidYouMean() throws IOException {
        Diagnostic d = compile("e103-unknown-element.xml").diagnostics().get(0);
        assertThat(d.code()).isEqualTo(DiagnosticCode.E103);
        assertThat(d.help()).contains("'match:uri.component'");
    }

    @Test
    void anUnknownVariableListsTheVariablesInScope() throws IOException {
        Diagnostic d = compile("e201-unknown-variable.xml").diagnostics().stream()
                .filter(x -> x.code() == DiagnosticCode.E201).findFirst().orElseThrow();
        assertThat(d.message()).contains("'USR'").contains("USER");
        assertThat(d.help()).contains("'USER'");
    }

    @Test
    void theDoctypeIsRefusedAndNoEntityIsRead() throws IOException {
        CompileResult result = compile("e101-doctype.xml");
        assertThat(result.diagnostics()).extracting(Diagnostic::code).containsExactly(DiagnosticCode.E101);
        assertThat(result.render()).doesNotContain("root:");
    }

    /** Used by the catalog test: the codes the files of this directory show. */
    static Set<DiagnosticCode> codesShownByFiles() throws IOException {
        Set<DiagnosticCode> codes = EnumSet.noneOf(DiagnosticCode.class);
        for (String file : files().toList()) {
            for (String e : expected(file)) {
                codes.add(DiagnosticCode.valueOf(e.substring(0, 4)));
            }
        }
        return codes;
    }
}
