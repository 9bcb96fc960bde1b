package io.surrogate.engine.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.CompileResult;
import io.surrogate.engine.RuleCompiler;
import io.surrogate.engine.diag.Diagnostic;
import io.surrogate.engine.diag.DiagnosticCode;
import io.surrogate.engine.diag.Severity;
import io.surrogate.engine.token.ThrowawayKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Keeps docs/rules.md honest against the XSD and the compiler.
 *
 * <p>The convention: each element has a level-3 heading that is only its name in backticks,
 * written as in a rule file ({@code ### `match:uri.component`}, {@code ### `token`}). Its
 * attributes are the rows of a table whose header row starts with {@code | Attribute |}, one
 * row per attribute, the name in backticks in the first cell and, in the third (Default) cell,
 * {@code required} for a required attribute or the schema's default in backticks.
 *
 * <p>Every {@code ```xml} block either is a whole document (it starts with {@code <rules}) and
 * compiles without errors and without warnings other than W002 (keys not checked), or is a
 * fragment of statements, compiled inside a {@code <rules>} root with the four namespaces,
 * without errors.
 */
class RulesReferenceTest {
    private static final Pattern ELEMENT_HEADING = Pattern.compile("`([A-Za-z.:\\-]+)`");
    private static final Pattern ATTRIBUTE_ROW = Pattern.compile("^\\| `([^`]+)` \\|(.*)\\|$");
    private static final Path MAIL = Path.of("../sample-rules/mail/mail.xml");
    static final String ROOT_START = """
            <rules xmlns="urn:surrogate:rules:1"
                   xmlns:match="urn:surrogate:match:1"
                   xmlns:variable="urn:surrogate:variable:1"
                   xmlns:edgeservices="urn:surrogate:edgeservices:1">
            """;

    private static Markdown doc;
    private static SchemaDeclarations schema;

    @BeforeAll
    static void read() throws Exception {
        doc = Markdown.read("rules.md");
        schema = SchemaDeclarations.load();
    }

    /** Element → documented rows (attribute → cells), from the level-3 element headings. */
    private static Map<String, Map<String, List<String>>> documented() {
        Map<String, Map<String, List<String>>> out = new TreeMap<>();
        for (Markdown.Section s : doc.sections(3)) {
            Matcher h = ELEMENT_HEADING.matcher(s.title());
            if (!h.matches()) {
                continue;
            }
            Map<String, List<String>> rows = new TreeMap<>();
            boolean inTable = false;
            for (String line : s.lines()) {
                if (line.startsWith("| Attribute |")) {
                    inTable = true;
                } else if (!line.startsWith("|")) {
                    inTable = false;
                } else if (inTable) {
                    Matcher row = ATTRIBUTE_ROW.matcher(line);
                    if (row.matches()) {
                        List<String> cells = List.of(row.group(2).split(" \\| ", -1)).stream().map(String::trim).toList();
                        assertThat(rows.put(row.group(1), cells)).as("attribute '%s' of %s is documented twice", row.group(1), h.group(1)).isNull();
                    }
                }
            }
            assertThat(out.put(h.group(1), rows)).as("element %s has two headings", h.group(1)).isNull();
        }
        return out;
    }

    @Test
    void everyElementOfTheSchemaIsDocumentedAndNothingElse() {
        assertThat(documented().keySet()).as("element headings of docs/rules.md vs elements of the XSD")
                .containsExactlyInAnyOrderElementsOf(schema.elements().keySet());
    }

    @Test
    void everyAttributeOfTheSchemaIsDocumentedAndNothingElse() {
        Map<String, Map<String, List<String>>> documented = documented();
        List<String> problems = new ArrayList<>();
        schema.elements().forEach((element, attributes) -> {
            Map<String, List<String>> rows = documented.getOrDefault(element, Map.of());
            for (String a : attributes.keySet()) {
                if (!rows.containsKey(a)) {
                    problems.add(element + ": attribute '" + a + "' is declared in the XSD but has no row in docs/rules.md");
                }
            }
            for (String a : rows.keySet()) {
                if (!attributes.containsKey(a)) {
                    problems.add(element + ": attribute '" + a + "' is documented but the XSD does not declare it");
                }
            }
            attributes.forEach((name, declared) -> {
                List<String> cells = rows.get(name);
                if (cells == null || cells.size() < 3) {
                    return;
                }
                String defaultCell = cells.get(1);
                if (declared.required() && !defaultCell.equals("required")) {
                    problems.add(element + "/@" + name + ": required in the XSD, but the Default column says '" + defaultCell + "'");
                }
                if (!declared.required() && defaultCell.equals("required")) {
                    problems.add(element + "/@" + name + ": optional in the XSD, but documented as required");
                }
                if (declared.defaultValue() != null && !defaultCell.contains("`" + declared.defaultValue() + "`")) {
                    problems.add(element + "/@" + name + ": the XSD default is '" + declared.defaultValue()
                            + "', but the Default column says '" + defaultCell + "'");
                }
            });
        });
        assertThat(problems).isEmpty();
    }

    @TestFactory
    Stream<DynamicTest> everyXmlExampleCompiles() {
        List<Markdown.CodeBlock> examples = doc.blocks().stream().filter(b -> b.info().equals("xml")).toList();
        assertThat(examples).hasSizeGreaterThan(20);
        return examples.stream().map(b -> DynamicTest.dynamicTest("rules.md line " + b.line(), () -> {
            boolean whole = b.text().startsWith("<rules");
            String source = whole ? b.text() : ROOT_START + b.text() + "</rules>\n";
            CompileResult result = new RuleCompiler(new ThrowawayKeys())
                    .compile("rules.md:" + b.line(), source.getBytes(StandardCharsets.UTF_8));
            assertThat(result.hasErrors()).as("the example at docs/rules.md line %d does not compile:%n%s", b.line(), result.render()).isFalse();
            if (whole) {
                List<Diagnostic> warnings = result.diagnostics().stream()
                        .filter(d -> d.severity() == Severity.WARNING && d.code() != DiagnosticCode.W002).toList();
                assertThat(warnings).as("the example at docs/rules.md line %d has warnings:%n%s", b.line(), result.render()).isEmpty();
            }
        }));
    }

    @Test
    void theFirstExampleIsTheSeedsMailRuleVerbatim() throws Exception {
        Markdown.Section first = section(2, "A first rule file");
        assertThat(first.firstBlock("xml")).get().extracting(Markdown.CodeBlock::text)
                .isEqualTo(Files.readString(MAIL, StandardCharsets.UTF_8));
    }

    @Test
    void theCanonicalFormShownIsTheOneTheCompilerPrintsAndItRoundTrips() throws Exception {
        CompileResult mail = new RuleCompiler(new ThrowawayKeys()).compilePaths(List.of(MAIL));
        assertThat(mail).isInstanceOf(CompileResult.Success.class);
        var rules = ((CompileResult.Success) mail).ruleSet();
        Markdown.Section canonical = section(2, "Canonical form and fingerprint");
        assertThat(canonical.firstBlock("xml")).get().extracting(Markdown.CodeBlock::text).isEqualTo(rules.canonicalXml());
        assertThat(canonical.text()).contains("fingerprint " + rules.fingerprint().substring(0, 16));

        CompileResult again = new RuleCompiler(new ThrowawayKeys())
                .compile("canonical.xml", rules.canonicalXml().getBytes(StandardCharsets.UTF_8));
        assertThat(again).isInstanceOf(CompileResult.Success.class);
        assertThat(((CompileResult.Success) again).ruleSet().fingerprint()).isEqualTo(rules.fingerprint());
    }

    @Test
    void everyDiagnosticCodeMentionedExists() throws Exception {
        Map<String, String> texts = new LinkedHashMap<>();
        texts.put("rules.md", doc.text());
        texts.put("diagnostics.md", Markdown.read("diagnostics.md").text());
        texts.forEach((name, text) -> {
            Matcher m = Pattern.compile("\\b([EW]\\d{3})\\b").matcher(text);
            while (m.find()) {
                String code = m.group(1);
                assertThat(Stream.of(DiagnosticCode.values()).map(Enum::name)).as("%s mentions %s", name, code).contains(code);
            }
        });
    }

    private static Markdown.Section section(int level, String title) {
        return doc.sections(level).stream().filter(s -> s.title().equals(title)).findFirst()
                .orElseThrow(() -> new AssertionError("docs/rules.md has no section '" + title + "'"));
    }
}
