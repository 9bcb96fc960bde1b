package io.surrogate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.diag.Diagnostic;
import io.surrogate.engine.diag.DiagnosticCode;
import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.KeySource;
import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.ThrowawayKeys;
import io.surrogate.engine.token.TinkKeys;
import io.surrogate.rules.schema.RuleDocumentReader;
import io.surrogate.rules.schema.RulesSchema;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The diagnostics that need a real keyring, a small reader bound or a missing file, and the
 * warnings (the files under {@code diagnostics/} must all hold errors, so these live here).
 * Each case asserts its code and position; a last test checks the catalog is covered.
 */
class InlineDiagnosticsTest {
    @TempDir
    static Path keys;
    static Keyring keyring;
    static Keyring brokenKeyring;

    @BeforeAll
    static void makeKeyrings() throws Exception {
        Keyring.write(keys.resolve("ring"), "tokens", TinkKeys.generate(KeyPurpose.TOKEN));
        Keyring.write(keys.resolve("ring"), "origin", TinkKeys.generate(KeyPurpose.HMAC));
        keyring = Keyring.open(keys.resolve("ring"));
        Keyring.write(keys.resolve("broken"), "origin", TinkKeys.generate(KeyPurpose.HMAC));
        Files.writeString(keys.resolve("broken").resolve("tokens.json"), "{ not a keyset");
        brokenKeyring = Keyring.open(keys.resolve("broken"));
    }

    /** A rule that subscribes with the given token key, its {@code <key>} at line 9, column 14. */
    static String subscribeWith(String tokenKey, String extra) {
        return TestRules.rules("""
                  <match:uri.component value="x">
                    <variable:extract name="E" from="query" key="e"/>
                    <variable:extract name="H" from="query" key="h"%s/>
                    <edgeservices:event.handle-subscription>
                      <token><key>%s</key></token>
                      <user>$(H)</user>
                      <event-id>$(E)</event-id>
                    </edgeservices:event.handle-subscription>
                  </match:uri.component>
                """.formatted(extra, tokenKey));
    }

    record Case(String name, DiagnosticCode code, String at, Function<Void, CompileResult> compile) {
        @Override
        public String toString() {
            return code + " " + name;
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case("a key the keyring does not have", DiagnosticCode.E301, "9:14",
                        v -> TestRules.compile("rules.xml", subscribeWith("tokns", ""), keyring)),
                new Case("an hmac key used as the token key", DiagnosticCode.E302, "9:14",
                        v -> TestRules.compile("rules.xml", subscribeWith("origin", ""), keyring)),
                new Case("a token key used by the hmac transform", DiagnosticCode.E302, "7:64",
                        v -> TestRules.compile("rules.xml", subscribeWith("tokens", " transform=\"hmac:tokens\""), keyring)),
                new Case("a keyring file that is not a keyset", DiagnosticCode.E303, "1:1",
                        v -> TestRules.compile("rules.xml", subscribeWith("origin", ""), brokenKeyring)),
                new Case("a file over the reader's bound", DiagnosticCode.E102, "1:1",
                        v -> new RuleCompiler(new ThrowawayKeys(), new RuleDocumentReader(RulesSchema.get(), 64))
                                .compile("rules.xml", subscribeWith("tokens", "").getBytes(StandardCharsets.UTF_8))),
                new Case("3,000 nested matches", DiagnosticCode.E110, "68:1",
                        v -> TestRules.compile("rules.xml", NestingDepthTest.nested(3000))),
                new Case("a file that does not exist", DiagnosticCode.E109, "1:1",
                        v -> new RuleCompiler(new ThrowawayKeys()).compilePaths(List.of(keys.resolve("missing.xml")))),
                new Case("a key name that looks like a secret", DiagnosticCode.W001, "9:14",
                        v -> TestRules.compile("rules.xml", subscribeWith("a8F3k2L9q0W7e5R1t6Y4u2I8", ""))),
                new Case("no keyring", DiagnosticCode.W002, "9:14",
                        v -> TestRules.compile("rules.xml", subscribeWith("tokens", ""))),
                new Case("a variable never used", DiagnosticCode.W003, "6:5",
                        v -> TestRules.compile("rules.xml", TestRules.rules("""
                                  <match:uri.component value="x">
                                    <variable:extract name="UNUSED" from="query" key="u"/>
                                    <edgeservices:respond status="200">ok</edgeservices:respond>
                                  </match:uri.component>
                                """))),
                new Case("a match with an empty body", DiagnosticCode.W004, "5:3",
                        v -> TestRules.compile("rules.xml", TestRules.rules("""
                                  <match:uri.component value="x"/>
                                """))),
                new Case("a regex with a repetition in a repetition", DiagnosticCode.W005, "5:40",
                        v -> TestRules.compile("rules.xml", TestRules.rules("""
                                  <match:request.header name="X-Probe" value="(.*a){8}" regex="true">
                                    <edgeservices:respond status="200">ok</edgeservices:respond>
                                  </match:request.header>
                                """))),
                new Case("a regex that expands to thousands of steps", DiagnosticCode.W005, "5:19",
                        v -> TestRules.compile("rules.xml", TestRules.rules("""
                                  <match:uri.path value="/[a-z]{600}[0-9]{600}" regex="true">
                                    <edgeservices:respond status="200">ok</edgeservices:respond>
                                  </match:uri.path>
                                """))),
                new Case("a regex of 2,000 nested groups", DiagnosticCode.E215, "5:19",
                        v -> TestRules.compile("rules.xml", TestRules.rules("  <match:uri.path value=\"" + "(".repeat(2_000) + "a"
                                + ")".repeat(2_000) + "\" regex=\"true\">\n    <edgeservices:respond status=\"200\">ok</edgeservices:respond>\n"
                                + "  </match:uri.path>\n"))),
                new Case("a wildcard with many stars", DiagnosticCode.W005, "5:43",
                        v -> TestRules.compile("rules.xml", TestRules.rules("""
                                  <match:request.header name="User-Agent" value="*a*b*c*d*e*f*g*h*i*" wildcard="true">
                                    <edgeservices:respond status="200">ok</edgeservices:respond>
                                  </match:request.header>
                                """))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reportsTheCodeAtItsPosition(Case c) {
        CompileResult result = c.compile().apply(null);
        List<String> found = result.diagnostics().stream().filter(d -> d.code() == c.code())
                .map(d -> d.position().line() + ":" + d.position().column()).toList();
        assertThat(found).as("%s in:\n%s", c, result.render()).contains(c.at());
        assertThat(result.hasErrors()).as(result.render()).isEqualTo(c.code().severity() == io.surrogate.engine.diag.Severity.ERROR);
    }

    @Test
    void theKeyringCaseNamesTheBrokenFile() {
        Diagnostic d = TestRules.compile("rules.xml", subscribeWith("origin", ""), brokenKeyring).diagnostics().stream()
                .filter(x -> x.code() == DiagnosticCode.E303).findFirst().orElseThrow();
        assertThat(Path.of(d.position().file()).getFileName().toString()).isEqualTo("tokens.json");
    }

    @Test
    void aMissingKeyGetsADidYouMean() {
        Diagnostic d = TestRules.compile("rules.xml", subscribeWith("tokns", ""), keyring).diagnostics().stream()
                .filter(x -> x.code() == DiagnosticCode.E301).findFirst().orElseThrow();
        assertThat(d.help()).contains("'tokens'");
    }

    @Test
    void aGoodKeyringGivesNoKeyDiagnostics() {
        KeySource ring = keyring;
        CompileResult result = TestRules.compile("rules.xml", subscribeWith("tokens", " transform=\"hmac:origin\""), ring);
        assertThat(result.diagnostics()).as(result.render()).isEmpty();
    }

    @Test
    void everyCodeOfTheCatalogHasABrokenDocument() throws Exception {
        Set<DiagnosticCode> covered = EnumSet.noneOf(DiagnosticCode.class);
        covered.addAll(DiagnosticsTest.codesShownByFiles());
        Stream.of(cases().toArray(Case[]::new)).forEach(c -> covered.add(c.code()));
        assertThat(EnumSet.complementOf(EnumSet.copyOf(covered))).as("codes without a test").isEmpty();
    }
}
