package io.surrogate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** DESIGN's acceptance: the talk's rule file, its subscription of user B to event 2, both ways of giving the request. */
class MailAcceptanceTest {
    static final Path MAIL = Cli.SAMPLES.resolve("mail");
    static final Path MAIL_XML = MAIL.resolve("mail.xml");

    /** The same request as a raw file and as curl-like flags. */
    static Stream<List<Object>> requests() {
        return Stream.of(
                List.of("--request", MAIL.resolve("subscribe.http")),
                List.of("POST", "http://mail.foo.com/mail/subscribe-event", "--cookie", "user=B", "-d", "id=2"));
    }

    private static Cli.Result dryRun(List<Object> request, Object... more) {
        List<Object> args = new ArrayList<>(List.of("dry-run", "--rules", MAIL));
        args.addAll(List.of(more));
        args.addAll(request);
        return Cli.run(args.toArray());
    }

    @Test
    void theTalksRuleFileValidates() {
        Cli.Result r = Cli.run("validate", MAIL_XML).expectCode(0);
        assertThat(r.errors()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("requests")
    void dryRunShowsTheMatchTheVariablesTheTokenAndTheOriginRequest(List<Object> request) {
        String out = dryRun(request).expectCode(0).out();
        assertThat(out).contains("request    POST /mail/subscribe-event  (host 'mail.foo.com'");
        assertThat(out).contains("keys       throwaway");
        // the rule matched, and said why
        assertThat(out).containsPattern("(?m)^  \\+ <match:uri\\.component value=\"subscribe-event\"> \\(.*mail\\.xml:5:3\\)$");
        assertThat(out).containsPattern("(?m)^      matched: ");
        // the variables
        assertThat(out).containsPattern("(?m)^  EVENT = \"2\"$").containsPattern("(?m)^  USER  = \"B\"$");
        assertThat(out).containsPattern("(?m)^decision   subscribe user 'B' to event '2' \\(one-shot, ");
        // the token's claims
        assertThat(out).containsPattern("(?m)^token      X-Event-Token, key 'ywewu238347i3u'");
        assertThat(out).containsPattern("(?m)^  user       B$").containsPattern("(?m)^  event      2$")
                .containsPattern("(?m)^  type       one-shot$").containsPattern("(?m)^  edge       edge-1 at ")
                .containsPattern("(?m)^  nonce      port-62471");
        // the exact origin request, in order
        List<String> origin = out.substring(out.indexOf("origin request")).lines().skip(1).map(String::strip).toList();
        assertThat(origin.get(0)).isEqualTo("POST /subscribe-event HTTP/1.1");
        assertThat(origin).contains("X-Event-Id: 2", "X-Event-User: B");
        assertThat(origin).as("the origin hears its own name, as serve sends it, never the client's Host")
                .noneMatch(l -> l.startsWith("Host:"));
        assertThat(origin).anyMatch(l -> l.matches("X-Event-Token: v1\\.ywewu238347i3u\\.[A-Za-z0-9_-]+"));
        // mail.xml forwards the session cookie: signed with version 2, and this request has none to forward
        assertThat(origin).anyMatch(l -> l.matches("X-Event-Signature: t=\\d+;n=[0-9a-f]+;v2=[0-9a-f]{64}"));
        assertThat(origin).contains("X-Event-Forwarded:").noneMatch(l -> l.startsWith("Cookie:"));
        assertThat(origin).containsSubsequence("X-Event-Id: 2", "X-Event-User: B");
    }

    @Test
    void dryRunShowsTheForwardedSessionCookieAloneAndItsVersion2Signature() {
        String out = dryRun(List.of("POST", "http://mail.foo.com/mail/subscribe-event", "--cookie", "user=B; session=abc123; theme=dark",
                "-H", "Authorization: Bearer not-chosen", "-d", "id=2")).expectCode(0).out();
        assertThat(out).contains("applied: subscribe user 'B' to event '2', forwarding cookie session to the origin");
        List<String> origin = out.substring(out.indexOf("origin request")).lines().skip(1).map(String::strip).toList();
        List<String> names = origin.stream().skip(1).takeWhile(l -> !l.isEmpty()).map(l -> l.substring(0, l.indexOf(':'))).toList();
        assertThat(names).containsExactly("X-Event-Id", "X-Event-User", "X-Event-Token", "X-Event-Forwarded", "Cookie",
                "X-Event-Signature", "Content-Length");
        assertThat(origin).contains("X-Event-Forwarded: cookie", "Cookie: session=abc123")
                .noneMatch(l -> l.contains("user=B") || l.contains("theme") || l.startsWith("Authorization"));
        assertThat(origin).anyMatch(l -> l.matches("X-Event-Signature: t=\\d+;n=[0-9a-f]+;v2=[0-9a-f]{64}"));
    }

    @ParameterizedTest
    @MethodSource("requests")
    void theJsonHasTheSameFacts(List<Object> request) {
        JsonObject doc = dryRun(request, "--json").expectCode(0).json();
        assertThat(doc.get("throwawayKeys").getAsBoolean()).isTrue();
        assertThat(doc.getAsJsonObject("request").get("method").getAsString()).isEqualTo("POST");
        assertThat(doc.getAsJsonObject("request").get("path").getAsString()).isEqualTo("/mail/subscribe-event");
        JsonObject first = doc.getAsJsonArray("trace").get(0).getAsJsonObject();
        assertThat(first.get("result").getAsString()).isEqualTo("matched");
        assertThat(first.get("statement").getAsString()).startsWith("<match:uri.component value=\"subscribe-event\">");
        JsonObject vars = doc.getAsJsonObject("variables");
        assertThat(vars.get("EVENT").getAsString()).isEqualTo("2");
        assertThat(vars.get("USER").getAsString()).isEqualTo("B");
        JsonObject decision = doc.getAsJsonObject("decision");
        assertThat(decision.get("type").getAsString()).isEqualTo("subscribe");
        assertThat(decision.get("user").getAsString()).isEqualTo("B");
        assertThat(decision.get("eventId").getAsString()).isEqualTo("2");
        assertThat(decision.get("subscriptionType").getAsString()).isEqualTo("one-shot");
        JsonObject token = doc.getAsJsonObject("token");
        assertThat(token.get("user").getAsString()).isEqualTo("B");
        assertThat(token.get("event").getAsString()).isEqualTo("2");
        assertThat(token.get("edge").getAsString()).isEqualTo("edge-1");
        assertThat(token.get("expiresAt").getAsLong()).isGreaterThan(token.get("issuedAt").getAsLong());
        JsonObject origin = doc.getAsJsonObject("originRequest");
        assertThat(origin.get("method").getAsString()).isEqualTo("POST");
        assertThat(origin.get("path").getAsString()).isEqualTo("/subscribe-event");
        Map<String, String> headers = headers(origin.getAsJsonArray("headers"));
        assertThat(headers).containsEntry("X-Event-Id", "2").containsEntry("X-Event-User", "B")
                .containsEntry("X-Event-Token", token.get("value").getAsString())
                .containsKey("X-Event-Signature");
    }

    static Map<String, String> headers(JsonArray pairs) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (JsonElement e : pairs) {
            m.put(e.getAsJsonArray().get(0).getAsString(), e.getAsJsonArray().get(1).getAsString());
        }
        return m;
    }

    @Test
    void aRequestThatMatchesNothingSaysSoAndWhy() {
        String out = Cli.run("dry-run", "--rules", MAIL, "GET", "http://mail.foo.com/inbox").expectCode(0).out();
        assertThat(out).containsPattern("(?m)^  - <match:uri\\.component value=\"subscribe-event\">");
        assertThat(out).containsPattern("(?m)^      did not match: .*inbox");
        assertThat(out).containsPattern("(?m)^decision   no rule decided anything");
        assertThat(out).doesNotContain("origin request", "X-Event-Token");

        JsonObject doc = Cli.run("dry-run", "--json", "--rules", MAIL, "GET", "http://mail.foo.com/inbox").expectCode(0).json();
        assertThat(doc.getAsJsonObject("decision").get("type").getAsString()).isEqualTo("no-match");
        assertThat(doc.has("token")).isFalse();
        assertThat(doc.getAsJsonArray("trace").get(0).getAsJsonObject().get("result").getAsString()).isEqualTo("not_matched");
    }

    @Test
    void everyTopLevelRuleThatDidNotMatchSaysWhy() {
        JsonObject doc = Cli.run("dry-run", "--json", "--rules", Cli.SAMPLES.resolve("quotes"), "GET", "http://quotes.example.com/weather")
                .expectCode(0).json();
        List<JsonObject> top = new ArrayList<>();
        doc.getAsJsonArray("trace").forEach(e -> {
            if (e.getAsJsonObject().get("depth").getAsInt() == 0) {
                top.add(e.getAsJsonObject());
            }
        });
        assertThat(top).hasSize(2).allSatisfy(t -> {
            assertThat(t.get("result").getAsString()).isEqualTo("not_matched");
            assertThat(t.get("detail").getAsString()).contains("/weather");
        });
    }
}
