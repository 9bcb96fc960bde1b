package io.surrogate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every sample rule set validates, and every sample request beside it dry-runs to a subscription. */
class SampleRulesTest {
    /**
     * The client every sample request comes from: in the printers' registered networks (a
     * documentation range), which the other samples do not look at.
     */
    static final String CLIENT = "203.0.113.7:50123";

    static Stream<Path> ruleSets() throws IOException {
        try (Stream<Path> s = Files.walk(Cli.SAMPLES)) {
            List<Path> dirs = s.filter(Files::isDirectory).filter(SampleRulesTest::hasRuleFile).sorted().toList();
            assertThat(dirs).as("sample rule sets under %s", Cli.SAMPLES.toAbsolutePath())
                    .extracting(d -> d.getFileName().toString())
                    .contains("mail", "presence", "quotes", "printing");
            return dirs.stream();
        }
    }

    static Stream<Path> requests() throws IOException {
        try (Stream<Path> s = Files.walk(Cli.SAMPLES)) {
            List<Path> files = s.filter(p -> p.toString().endsWith(".http")).sorted().toList();
            assertThat(files).hasSizeGreaterThanOrEqualTo(4);
            return files.stream();
        }
    }

    private static boolean hasRuleFile(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> p.toString().endsWith(".xml"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @ParameterizedTest
    @MethodSource("ruleSets")
    void validatesWithNoWarningButTheMissingKeyring(Path dir) {
        Cli.Result r = Cli.run("validate", dir).expectCode(0);
        assertThat(r.diagnostics()).extracting(Cli.Diag::code).containsOnly("W002");
        assertThat(r.out()).contains(": ok, fingerprint ");
    }

    @ParameterizedTest
    @MethodSource("requests")
    void dryRunSubscribes(Path request) {
        Cli.Result r = Cli.run("dry-run", "--rules", request.getParent(), "--request", request, "--client", CLIENT).expectCode(0);
        assertThat(r.out()).containsPattern("(?m)^decision   subscribe ");
        assertThat(r.out()).contains("X-Event-Token: v1.", "X-Event-Signature: ");
    }

    @ParameterizedTest
    @MethodSource("requests")
    void dryRunJsonSubscribes(Path request) {
        JsonObject doc = Cli.run("dry-run", "--json", "--rules", request.getParent(), "--request", request, "--client", CLIENT)
                .expectCode(0).json();
        assertThat(doc.getAsJsonObject("decision").get("type").getAsString()).isEqualTo("subscribe");
        assertThat(doc.getAsJsonObject("token").get("event").getAsString()).isNotEmpty();
        assertThat(doc.getAsJsonObject("originRequest").get("path").getAsString()).isEqualTo("/subscribe-event");
    }

    @Test
    void theDirectoryFormValidatesEachSubdirectoryAsARuleSet() {
        Cli.Result r = Cli.run("validate", Cli.SAMPLES).expectCode(0);
        assertThat(r.out()).contains("mail.xml: ok", "presence.xml: ok", "quotes.xml: ok", "printing.xml: ok");
        JsonObject doc = Cli.run("validate", "--json", Cli.SAMPLES).expectCode(0).json();
        assertThat(doc.get("errors").getAsInt()).isZero();
        assertThat(doc.getAsJsonArray("ruleSets")).hasSizeGreaterThanOrEqualTo(4);
    }

    @Test
    void everySampleValidatesAgainstTheKeyringItsCommentsName(@org.junit.jupiter.api.io.TempDir Path tmp) {
        Path keys = tmp.resolve("keys");
        for (String token : List.of("ywewu238347i3u", "social-presence", "quotes", "print-jobs")) {
            Cli.run("keys", "generate", token, "--keys", keys).expectCode(0);
        }
        for (String hmac : List.of("origin", "quotes-origin")) {
            Cli.run("keys", "generate", hmac, "--type", "hmac", "--keys", keys).expectCode(0);
        }
        Cli.Result r = Cli.run("validate", "--keys", keys, Cli.SAMPLES).expectCode(0);
        assertThat(r.diagnostics()).isEmpty();
    }

    @Test
    void aSubscriptionWithoutAUserSaysSo() {
        String out = Cli.run("dry-run", "--rules", Cli.SAMPLES.resolve("quotes"), "GET", "http://quotes.example.com/quotes/bsc")
                .expectCode(0).out();
        assertThat(out).containsPattern("(?m)^decision   subscribe \\(no user\\) to event 'quote:BSC' \\(stream, transport sse, ");
        assertThat(out).containsPattern("(?m)^  user       \\(none\\)$");
    }

    @Test
    void theSamplesSayNoToWhatTheyRefuse() throws java.io.IOException {
        // quotes: not a symbol, not a GET
        assertThat(Cli.run("dry-run", "--rules", Cli.SAMPLES.resolve("quotes"), "GET", "http://quotes.example.com/quotes/BSC.x")
                .expectCode(0).out()).containsPattern("(?m)^decision   respond 404 ");
        assertThat(Cli.run("dry-run", "--rules", Cli.SAMPLES.resolve("quotes"), "POST", "http://quotes.example.com/quotes/BSC")
                .expectCode(0).out()).containsPattern("(?m)^decision   respond 405 ");
        // presence: no user; an app's verified token subject overrides the cookie; an app without a token, or a forged one, gets 401
        assertThat(Cli.run("dry-run", "--rules", Cli.SAMPLES.resolve("presence"), "GET", "http://push.social.example.com/presence/friends")
                .expectCode(0).out()).containsPattern("(?m)^decision   respond 401 ");
        String bearer = Files.readAllLines(Cli.SAMPLES.resolve("presence").resolve("app-subscribe.http")).stream()
                .filter(l -> l.startsWith("Authorization: ")).findFirst().orElseThrow();
        JsonObject app = Cli.run("dry-run", "--json", "--rules", Cli.SAMPLES.resolve("presence"), "GET",
                "http://push.social.example.com/presence/friends", "--cookie", "user=alice", "-H", "X-Api-Client: ios",
                "-H", bearer).expectCode(0).json();
        assertThat(app.getAsJsonObject("decision").get("eventId").getAsString()).isEqualTo("friends-of-bob");
        assertThat(Cli.run("dry-run", "--rules", Cli.SAMPLES.resolve("presence"), "GET", "http://push.social.example.com/presence/friends",
                "--cookie", "user=alice", "-H", "X-Api-Client: ios", "-H", "X-Api-User: bob")
                .expectCode(0).out()).containsPattern("(?m)^decision   respond 401 ").contains("no token in header 'Authorization'");
        String forged = bearer.substring(0, bearer.length() - 4) + (bearer.endsWith("AAAA") ? "BBBB" : "AAAA");
        assertThat(Cli.run("dry-run", "--rules", Cli.SAMPLES.resolve("presence"), "GET", "http://push.social.example.com/presence/friends",
                "-H", "X-Api-Client: ios", "-H", forged)
                .expectCode(0).out()).containsPattern("(?m)^decision   respond 401 ").contains("bad signature (EdDSA, tried 1 key)");
        // printing: outside the registered networks, unknown printer, old firmware; the query names the printer
        Path printing = Cli.SAMPLES.resolve("printing");
        Path request = printing.resolve("next-job.http");
        assertThat(Cli.run("dry-run", "--rules", printing, "--request", request, "--client", "127.0.0.1:4000")
                .expectCode(0).out()).containsPattern("(?m)^decision   respond 403 ");
        String url = "http://print.example.com/printers/next-job?printer=";
        assertThat(Cli.run("dry-run", "--rules", printing, "--client", CLIENT, "GET", url + "someone-else")
                .expectCode(0).out()).containsPattern("(?m)^decision   respond 403 ");
        assertThat(Cli.run("dry-run", "--rules", printing, "--client", CLIENT, "GET", url + "PRN-00A0C9E3F41B", "-H", "X-Printer-Firmware: 2.9")
                .expectCode(0).out()).containsPattern("(?m)^decision   respond 426 ");
        JsonObject polled = Cli.run("dry-run", "--json", "--rules", printing, "--client", CLIENT, "GET", url + "PRN-00A0C9E3F41B")
                .expectCode(0).json();
        assertThat(polled.getAsJsonObject("decision").get("eventId").getAsString()).isEqualTo("job-for-prn-00a0c9e3f41b");
        assertThat(polled.getAsJsonObject("decision").get("transport").getAsString()).isEqualTo("long-poll");
    }
}
