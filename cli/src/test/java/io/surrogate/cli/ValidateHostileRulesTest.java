package io.surrogate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rule files from issue 12's hostile catalog: {@code validate} answers each with a diagnostic
 * and exit code 1, never a stack overflow.
 */
class ValidateHostileRulesTest {
    @TempDir
    Path tmp;

    @Test
    void threeThousandNestedMatchesAreE110() throws IOException {
        StringBuilder xml = new StringBuilder(BrokenRulesTest.ROOT);
        xml.append("<match:uri.path value=\"/\">\n".repeat(3000));
        xml.append("<edgeservices:respond status=\"200\">ok</edgeservices:respond>\n");
        xml.append("</match:uri.path>\n".repeat(3000));
        xml.append("</rules>\n");
        Path f = tmp.resolve("deep.xml");
        Files.writeString(f, xml);
        assertThat(Files.size(f)).isGreaterThan(100_000);
        Cli.Result r = Cli.run("validate", f).expectCode(1);
        // the root is line 1 and depth 1: the 64th match, on line 65, is depth 65
        assertThat(r.errors()).extracting(Cli.Diag::at).containsExactly("E110@65:1");
    }

    @Test
    void backtrackingRegexConstructsAreE214() throws IOException {
        Path f = tmp.resolve("lookahead.xml");
        Files.writeString(f, BrokenRulesTest.ROOT + """
                  <match:request.header name="User-Agent" value="(?!.*bot).*" regex="true">
                    <edgeservices:deny/>
                  </match:request.header>
                </rules>
                """);
        assertThat(Cli.run("validate", f).expectCode(1).errors()).extracting(Cli.Diag::at).containsExactly("E214@2:43");
    }
}
