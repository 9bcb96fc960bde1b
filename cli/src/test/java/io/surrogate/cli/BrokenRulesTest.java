package io.surrogate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broken rule files: each exits 1 and reports every error as {@code file:line:col: error[CODE]:}.
 * Codes and positions are asserted, never the English.
 */
class BrokenRulesTest {
    static final String ROOT = "<rules xmlns=\"urn:surrogate:rules:1\" xmlns:match=\"urn:surrogate:match:1\""
            + " xmlns:variable=\"urn:surrogate:variable:1\" xmlns:edgeservices=\"urn:surrogate:edgeservices:1\">\n";

    @TempDir
    Path tmp;

    private Path file(String name, String body) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, ROOT + body + "</rules>\n");
        return p;
    }

    private Cli.Result validate(Path file) {
        Cli.Result r = Cli.run("validate", file).expectCode(1);
        assertThat(r.errors()).allSatisfy(d -> assertThat(d.file()).isEqualTo(file.toString()));
        return r;
    }

    @Test
    void malformedXml() throws IOException {
        Path f = file("malformed.xml", """
                  <match:uri.component value="subscribe-event">
                    <variable:extract from="post" key="id" name="EVENT">
                  </match:uri.component>
                """);
        List<Cli.Diag> errors = validate(f).errors();
        assertThat(errors).singleElement().satisfies(d -> {
            assertThat(d.code()).isEqualTo("E100");
            assertThat(d.line()).isEqualTo(4); // where the parser found the wrong end tag
        });
    }

    @Test
    void unknownElement() throws IOException {
        Path f = file("unknown-element.xml", """
                  <match:uri.componnent value="subscribe-event"/>
                """);
        assertThat(validate(f).errors()).extracting(Cli.Diag::at).containsExactly("E103@2:3");
    }

    @Test
    void unknownAttribute() throws IOException {
        Path f = file("unknown-attribute.xml", """
                  <match:uri.component value="subscribe-event" colour="red">
                    <edgeservices:deny/>
                  </match:uri.component>
                """);
        assertThat(validate(f).errors()).extracting(Cli.Diag::at).containsExactly("E104@2:48");
    }

    @Test
    void undefinedVariable() throws IOException {
        Path f = file("undefined-variable.xml", """
                  <match:uri.component value="subscribe-event">
                    <variable:extract from="post" key="id" name="EVENT"/>
                    <edgeservices:event.handle-subscription>
                      <token><key>mail-token</key></token>
                      <user>$(USR)</user>
                      <event-id>$(EVENT)</event-id>
                    </edgeservices:event.handle-subscription>
                  </match:uri.component>
                """);
        assertThat(validate(f).errors()).extracting(Cli.Diag::at).containsExactly("E201@6:13");
    }

    @Test
    void badRegex() throws IOException {
        Path f = file("bad-regex.xml", """
                  <match:uri.path value="^/quotes/(?<symbol>[A-Z]+$" regex="true">
                    <edgeservices:deny/>
                  </match:uri.path>
                """.replace("<symbol>", "&lt;symbol>"));
        assertThat(validate(f).errors()).extracting(Cli.Diag::at).containsExactly("E202@2:19");
    }

    @Test
    void badAndForbiddenExpressions() throws IOException {
        Path f = file("bad-expression.xml", """
                  <match:expression value="method == ">
                    <edgeservices:deny/>
                  </match:expression>
                  <match:expression value="''.getClass().forName('java.lang.Runtime')">
                    <edgeservices:deny/>
                  </match:expression>
                  <match:expression value="new('java.io.File', '/etc/passwd')">
                    <edgeservices:deny/>
                  </match:expression>
                  <match:uri.component value="x">
                    <variable:extract from="expression" name="X" value="path.class"/>
                    <edgeservices:deny reason="$(X)"/>
                  </match:uri.component>
                """);
        assertThat(validate(f).errors()).extracting(Cli.Diag::at)
                .containsExactly("E203@2:21", "E204@5:21", "E204@8:21", "E204@12:50");
    }

    @Test
    void keyMissingFromTheGivenKeyring() throws IOException {
        Path keys = tmp.resolve("keys");
        Cli.run("keys", "generate", "origin", "--type", "hmac", "--keys", keys).expectCode(0);
        Cli.run("keys", "generate", "mail-token", "--keys", keys).expectCode(0);
        Path f = file("keyed.xml", """
                  <match:uri.component value="subscribe-event">
                    <edgeservices:event.handle-subscription>
                      <token><key>mail-tokne</key></token>
                      <event-id>inbox</event-id>
                    </edgeservices:event.handle-subscription>
                    <edgeservices:event.handle-subscription>
                      <token><key>origin</key></token>
                      <event-id>inbox</event-id>
                    </edgeservices:event.handle-subscription>
                  </match:uri.component>
                """);
        Cli.Result r = Cli.run("validate", "--keys", keys, f).expectCode(1);
        assertThat(r.errors()).extracting(Cli.Diag::at).containsExactly("E301@4:14", "E302@8:14");
        assertThat(r.diagnostics()).noneMatch(d -> d.code().equals("W002"));
        // without the keyring the same file only warns
        assertThat(Cli.run("validate", f).expectCode(0).diagnostics()).extracting(Cli.Diag::code).containsOnly("W002");
    }

    @Test
    void doctypeIsRefused() throws IOException {
        Path f = tmp.resolve("doctype.xml");
        Files.writeString(f, "<?xml version=\"1.0\"?>\n<!DOCTYPE rules [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n" + ROOT
                + "  <match:uri.component value=\"&x;\"><edgeservices:deny/></match:uri.component>\n</rules>\n");
        Cli.Result r = validate(f);
        assertThat(r.errors()).singleElement().satisfies(d -> {
            assertThat(d.code()).isEqualTo("E101");
            assertThat(d.line()).isEqualTo(2);
        });
        assertThat(r.out() + r.err()).doesNotContain("root:");
    }

    @Test
    void aFileWithSeveralErrorsReportsThemAllInOneRun() throws IOException {
        Path f = file("several.xml", """
                  <match:uri.component value="subscribe-event" colour="red">
                    <match:bogus/>
                    <variable:extract from="post" key="id" name="EVENT" transform="lower upperr"/>
                    <match:uri.path value="(" regex="true"><edgeservices:deny/></match:uri.path>
                    <match:client.ip value="10.0.0.0/33"><edgeservices:deny/></match:client.ip>
                    <edgeservices:event.handle-subscription>
                      <token><key>mail-token</key></token>
                      <user>$(USER)</user>
                      <event-id>$(EVENT)</event-id>
                      <transport>carrier-pigeon</transport>
                    </edgeservices:event.handle-subscription>
                  </match:uri.component>
                """);
        Cli.Result r = validate(f);
        assertThat(r.errors()).extracting(Cli.Diag::at)
                .containsExactly("E104@2:48", "E103@3:5", "E208@4:74", "E202@5:21", "E205@6:22", "E201@9:13", "E105@11:7");
        assertThat(r.out()).contains("7 errors");

        JsonObject doc = Cli.run("validate", "--json", f).expectCode(1).json();
        assertThat(doc.get("errors").getAsInt()).isEqualTo(7);
        List<String> codes = doc.getAsJsonArray("ruleSets").get(0).getAsJsonObject().getAsJsonArray("diagnostics").asList().stream()
                .map(e -> e.getAsJsonObject()).filter(d -> d.get("severity").getAsString().equals("error"))
                .map(d -> d.get("code").getAsString() + "@" + d.get("line").getAsInt() + ":" + d.get("column").getAsInt()).toList();
        assertThat(codes).isEqualTo(r.errors().stream().map(Cli.Diag::at).toList());
    }

    @Test
    void everyBrokenFileOfADirectoryIsReportedAndTheGoodOnesStillPass() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("sets"));
        Files.createDirectories(dir.resolve("a-good"));
        Files.writeString(dir.resolve("a-good/rules.xml"), ROOT + "  <match:uri.component value=\"x\"><edgeservices:deny/></match:uri.component>\n</rules>\n");
        Files.createDirectories(dir.resolve("b-bad"));
        Files.writeString(dir.resolve("b-bad/rules.xml"), ROOT + "  <match:uri.componnent value=\"x\"/>\n</rules>\n");
        Files.createDirectories(dir.resolve("c-bad"));
        Files.writeString(dir.resolve("c-bad/rules.xml"), ROOT + "  <match:client.ip value=\"nope\"><edgeservices:deny/></match:client.ip>\n</rules>\n");
        Cli.Result r = Cli.run("validate", dir).expectCode(1);
        assertThat(r.errors()).extracting(d -> Path.of(d.file()).getParent().getFileName().toString() + ":" + d.at())
                .containsExactly("b-bad:E103@2:3", "c-bad:E205@2:20");
        assertThat(r.out()).contains("a-good" + java.io.File.separator + "rules.xml: ok");
    }

    @Test
    void dryRunOfBrokenRulesExitsOneAndShowsTheDiagnostics() throws IOException {
        Path f = file("broken.xml", """
                  <match:uri.component value="x">
                    <edgeservices:deny reason="$(NOPE)"/>
                  </match:uri.component>
                """);
        Cli.Result r = Cli.run("dry-run", "--rules", f, "GET", "http://h/x").expectCode(1);
        assertThat(r.errors()).extracting(Cli.Diag::at).containsExactly("E201@3:32");
        assertThat(r.out()).doesNotContain("decision");
    }
}
