package io.surrogate.engine.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.CompileResult;
import io.surrogate.engine.RuleCompiler;
import io.surrogate.engine.diag.Diagnostic;
import io.surrogate.engine.diag.DiagnosticCode;
import io.surrogate.engine.diag.Severity;
import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.KeySource;
import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.ThrowawayKeys;
import io.surrogate.engine.token.TinkKeys;
import io.surrogate.rules.schema.RuleDocumentReader;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps docs/diagnostics.md honest: one section per {@link DiagnosticCode}, headed
 * {@code ## E201 — title} with the catalog's title; its first {@code ```xml} block is a wrong
 * file that, written as {@code wrong.xml} and compiled the way {@code ./surrogate validate
 * --keys keys wrong.xml} does, yields that code and prints exactly the section's first
 * {@code ```text} block (the diagnostics, then the summary line).
 *
 * <p>The keyring {@code keys} holds a token key {@code mail-token} and an hmac key
 * {@code origin}. A line {@code <!-- check: ... -->} in a section changes how it is run:
 * {@code no-keyring} (validate without --keys), {@code keyring-extra NAME} (the keyring also
 * holds a file NAME that is not a keyset), {@code pad-to N} (the file is padded with spaces to
 * N bytes), {@code unreadable} (the file cannot be read), {@code repeat-marked N} (each line that
 * ends in {@code <!-- this line N times -->} is written N times, without the comment).
 */
class DiagnosticsCatalogTest {
    private static final Pattern SECTION = Pattern.compile("([EW]\\d{3}) — (.+)");
    private static final Pattern CHECK = Pattern.compile("<!-- check: (.+?) -->");
    private static final Pattern REPEAT_MARK = Pattern.compile("<!-- this line [0-9,]+ times -->$");

    private static Map<String, Markdown.Section> sections;

    @TempDir
    Path temp;

    @BeforeAll
    static void read() throws Exception {
        sections = new LinkedHashMap<>();
        for (Markdown.Section s : Markdown.read("diagnostics.md").sections(2)) {
            Matcher m = SECTION.matcher(s.title());
            if (m.matches()) {
                assertThat(sections.put(m.group(1), s)).as("two sections for %s", m.group(1)).isNull();
            } else {
                assertThat(s.title()).as("a level-2 heading that looks like a code but does not follow '## E201 — title'")
                        .doesNotContainPattern("^[EW]\\d");
            }
        }
    }

    @Test
    void everyCodeHasASectionWithItsTitleAndNoSectionInventsACode() {
        Set<String> codes = Arrays.stream(DiagnosticCode.values()).map(Enum::name).collect(Collectors.toSet());
        assertThat(sections.keySet()).as("sections of docs/diagnostics.md vs DiagnosticCode").containsExactlyInAnyOrderElementsOf(codes);
        for (DiagnosticCode code : DiagnosticCode.values()) {
            Matcher m = SECTION.matcher(sections.get(code.name()).title());
            assertThat(m.matches()).isTrue();
            assertThat(m.group(2)).as("title of %s", code).isEqualTo(code.title());
        }
    }

    @TestFactory
    Stream<DynamicTest> everyWrongExampleYieldsItsCodeAndTheOutputShown() {
        return Arrays.stream(DiagnosticCode.values()).filter(c -> sections.containsKey(c.name()))
                .map(code -> DynamicTest.dynamicTest(code.name(), () -> check(code, sections.get(code.name()))));
    }

    private void check(DiagnosticCode code, Markdown.Section section) throws Exception {
        String xml = section.firstBlock("xml").orElseThrow(() -> new AssertionError(code + " has no ```xml example")).text();
        String shown = section.firstBlock("text").orElseThrow(() -> new AssertionError(code + " has no ```text output")).text();
        Matcher c = CHECK.matcher(section.text());
        String check = c.find() ? c.group(1) : "";

        Path dir = Files.createDirectories(temp.resolve(code.name()));
        Path keys = dir.resolve("keys");
        Keyring.write(keys, "mail-token", TinkKeys.generate(KeyPurpose.TOKEN));
        Keyring.write(keys, "origin", TinkKeys.generate(KeyPurpose.HMAC));
        if (check.startsWith("keyring-extra ")) {
            Files.writeString(keys.resolve(check.substring("keyring-extra ".length())), "{\"this is\": \"not a keyset\"}\n");
        }
        KeySource keySource = check.equals("no-keyring") ? new ThrowawayKeys() : Keyring.open(keys);
        Path file = dir.resolve("wrong.xml");
        if (check.startsWith("repeat-marked ")) {
            int times = Integer.parseInt(check.substring("repeat-marked ".length()));
            xml = xml.lines().map(line -> {
                Matcher marked = REPEAT_MARK.matcher(line);
                return marked.find() ? (line.substring(0, marked.start()) + "\n").repeat(times) : line + "\n";
            }).collect(Collectors.joining());
        }
        byte[] content = xml.getBytes(StandardCharsets.UTF_8);
        if (check.startsWith("pad-to ")) {
            int size = Integer.parseInt(check.substring("pad-to ".length()));
            assertThat(size).isGreaterThan(content.length);
            byte[] padded = Arrays.copyOf(content, size);
            Arrays.fill(padded, content.length, size, (byte) ' ');
            content = padded;
        }

        CompileResult result;
        boolean exact = true;
        if (check.equals("unreadable")) {
            Files.write(file, content);
            try {
                Files.setPosixFilePermissions(file, Set.<PosixFilePermission>of());
            } catch (UnsupportedOperationException ignored) {
                // no POSIX permissions here: fall back below
            }
            if (Files.isReadable(file)) {
                // root (or no POSIX) reads anything: a directory of that name is unreadable as a file
                Files.delete(file);
                Files.createDirectory(file);
                exact = false;
                result = new RuleCompiler(keySource).compile(List.of(new RuleDocumentReader().read(file)));
            } else {
                result = new RuleCompiler(keySource).compilePaths(List.of(file));
            }
        } else {
            Files.write(file, content);
            result = new RuleCompiler(keySource).compilePaths(List.of(file));
        }

        assertThat(result.diagnostics()).extracting(Diagnostic::code).as("codes of the %s example", code).contains(code);
        String printed = (result.render() + summary(file, result)).replace(dir + File.separator, "");
        if (exact) {
            assertThat(printed).as("what validate prints for the %s example", code).isEqualTo(shown);
        } else {
            String headline = shown.lines().findFirst().orElse("");
            String stable = headline.substring(0, headline.indexOf(": cannot read rule file: ") + ": cannot read rule file: ".length());
            assertThat(printed).as("what validate prints for the %s example", code).startsWith(stable);
        }
    }

    /** The line ValidateCommand prints after the diagnostics of a one-file rule set. */
    private static String summary(Path file, CompileResult result) {
        long errors = result.diagnostics().stream().filter(d -> d.severity() == Severity.ERROR).count();
        long warnings = result.diagnostics().size() - errors;
        String tail = warnings == 0 ? "" : ", " + plural(warnings, "warning");
        if (result instanceof CompileResult.Success s) {
            return file + ": ok, fingerprint " + s.ruleSet().fingerprint().substring(0, 16) + tail + "\n";
        }
        return file + ": " + plural(errors, "error") + tail + "\n";
    }

    private static String plural(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
