package io.surrogate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.diag.Diagnostic;
import io.surrogate.engine.diag.DiagnosticCode;
import io.surrogate.engine.request.EdgeRequest;
import io.surrogate.engine.request.Headers;
import io.surrogate.engine.token.OriginSignature;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code <forward-to-origin>}: what the compiler refuses, what a request forwards, what
 * refuses a request before the origin hears of it, and that the origin request carries exactly
 * the chosen headers, signed with version 2.
 */
class ForwardToOriginTest {
    static String rule(String forward) {
        return TestRules.rules("""
                  <match:uri.component value="sub">
                    <variable:extract name="E" from="query" key="e"/>
                    <edgeservices:event.handle-subscription>
                      <token><key>mail-token</key></token>
                      <user>B</user>
                      <event-id>$(E)</event-id>
                      <forward-to-origin>
                %s      </forward-to-origin>
                    </edgeservices:event.handle-subscription>
                  </match:uri.component>
                """.formatted(forward));
    }

    static final RuleSet RULES = TestRules.ruleSet(rule("""
                    <header name="Authorization"/>
                    <cookie name="session"/>
                    <cookie name="csrf"/>
            """));

    static EdgeRequest request(Headers headers) throws Exception {
        return new EdgeRequest("GET", "/sub", "e=2", "mail.foo.com", headers, new byte[0], InetAddress.getByName("127.0.0.1"), 62471, 1L);
    }

    static Decision decide(Headers headers) throws Exception {
        return RULES.evaluate(request(headers), TestRules.ENV).decision();
    }

    static OriginRequest originRequest(Headers headers) throws Exception {
        SubscriptionPlan plan = ((Decision.Subscribe) decide(headers).outcome()).plan();
        EdgeRequest r = request(headers);
        return Subscriptions.subscribe(plan, r, Subscriptions.mint(plan, r, TestRules.ENV).token(), TestRules.ENV);
    }

    @Test
    void moreThanSixteenNamesAreOutOfRange() {
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 17; i++) {
            many.append("        <cookie name=\"c").append(i).append("\"/>\n");
        }
        CompileResult result = TestRules.compile("rules.xml", rule(many.toString()));
        List<Diagnostic> errors = result.diagnostics().stream().filter(d -> d.code() != DiagnosticCode.W002).toList();
        assertThat(errors).extracting(Diagnostic::code).containsExactly(DiagnosticCode.E211);
        assertThat(errors.get(0).position().line()).isEqualTo(11);
    }

    @Test
    void anEmptyForwardIsASchemaError() {
        CompileResult result = TestRules.compile("rules.xml", rule(""));
        assertThat(result.hasErrors()).isTrue();
    }

    @Test
    void onlyTheChosenHeadersAndCookiesGoInTheRulesOrderSignedWithVersion2() throws Exception {
        OriginRequest r = originRequest(Headers.builder()
                .add("Cookie", "csrf=c1; user=A; session=\"s:1,2\"")
                .add("Authorization", "\t Bearer abc \t")
                .add("X-Event-User", "A")
                .add("Accept", "text/event-stream")
                .build());
        assertThat(r.headers()).extracting(Decision.HeaderField::name).containsExactly(
                "X-Event-Id", "X-Event-User", "X-Event-Token", "X-Event-Forwarded", "Authorization", "Cookie",
                "X-Event-Signature", "Content-Length");
        assertThat(r.header("X-Event-User")).isEqualTo("B");
        assertThat(r.header("X-Event-Forwarded")).isEqualTo("authorization,cookie");
        assertThat(r.header("Authorization")).isEqualTo("Bearer abc");
        assertThat(r.header("Cookie")).as("rule order, values as sent").isEqualTo("session=\"s:1,2\"; csrf=c1");
        assertThat(r.header("X-Event-Signature")).matches("t=\\d+;n=[0-9a-f]{32};v2=[0-9a-f]{64}");
        assertThat(r.render()).doesNotContain("user=A", "text/event-stream");
    }

    @Test
    void absentOrEmptyValuesAreLeftOutAndTheFirstOfTwoCookiesIsTaken() throws Exception {
        OriginRequest r = originRequest(Headers.builder()
                .add("Authorization", "  ")
                .add("Cookie", "csrf=; session=first")
                .add("Cookie", "session=second")
                .build());
        assertThat(r.header("X-Event-Forwarded")).isEqualTo("cookie");
        assertThat(r.header("Authorization")).isNull();
        assertThat(r.header("Cookie")).isEqualTo("session=first");

        OriginRequest none = originRequest(Headers.EMPTY);
        assertThat(none.header("X-Event-Forwarded")).isEmpty();
        assertThat(none.header("Cookie")).isNull();
        assertThat(none.header("X-Event-Signature")).contains(";v2=");
    }

    @Test
    void hostileValuesAreRefusedBeforeTheOriginHearsOfThem() throws Exception {
        record Hostile(String what, Headers headers, int status, String reason) {}
        String huge = "x".repeat(OriginForwarding.MAX_VALUE_LENGTH + 1);
        List<Hostile> cases = List.of(
                new Hostile("two Authorization headers", Headers.builder().add("Authorization", "Bearer a").add("authorization", "Bearer b").build(),
                        400, "header 'Authorization' sent 2 times"),
                new Hostile("a LF inside a value", Headers.builder().add("Authorization", "Bearer a\nx-event-user:A").build(),
                        400, "header 'Authorization' holds a character outside printable ASCII"),
                new Hostile("a CR inside a cookie", Headers.builder().add("Cookie", "session=a\rb").build(),
                        400, "cookie 'session' holds a character outside printable ASCII"),
                new Hostile("a NUL", Headers.builder().add("Authorization", "a\u0000b").build(), 400, "outside printable ASCII"),
                new Hostile("non-ASCII", Headers.builder().add("Cookie", "session=Zoë").build(), 400, "cookie 'session' holds"),
                new Hostile("a huge header", Headers.builder().add("Authorization", huge).build(), 431, "header 'Authorization' has 8193 characters"),
                new Hostile("cookies too long together", Headers.builder().add("Cookie", "session=" + "s".repeat(5000) + "; csrf=" + "c".repeat(5000)).build(),
                        431, "Cookie header of 10015 characters"));
        for (Hostile h : cases) {
            Decision d = decide(h.headers());
            assertThat(d.outcome()).as(h.what()).isInstanceOf(Decision.Respond.class);
            Decision.Respond respond = (Decision.Respond) d.outcome();
            assertThat(respond.status()).as(h.what()).isEqualTo(h.status());
            assertThat(respond.body()).as(h.what()).contains(h.reason()).doesNotContain(huge);
            Evaluation traced = RULES.trace(request(h.headers()), TestRules.ENV);
            assertThat(traced.decision()).as(h.what()).isEqualTo(d);
        }
    }

    @Test
    void theCanonicalStringListsTheForwardedHeadersOnePerLineAfterTheList() {
        OriginSignature.Signed s = new OriginSignature.Signed("POST", "/subscribe-event", "2", "B", "tok", new byte[0]);
        String canonical = OriginSignature.canonical(s, List.of(new OriginSignature.Forwarded("Authorization", "Bearer a:b"),
                new OriginSignature.Forwarded("Cookie", "session=1")), 7, "nonce-123");
        assertThat(canonical.split("\n", -1)).containsExactly("surrogate-v2", "POST", "/subscribe-event", "2", "B", "tok", "7", "nonce-123",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "authorization,cookie", "authorization:Bearer a:b",
                "cookie:session=1");
        assertThat(OriginSignature.canonical(s, List.of(), 7, "nonce-123")).endsWith("b855\n");
    }

    @Test
    void aRuleThatForwardsNothingSignsVersion1AsBefore() throws Exception {
        RuleSet plain = TestRules.ruleSet(rule("").replace("<forward-to-origin>\n      </forward-to-origin>\n", ""));
        EdgeRequest r = request(Headers.builder().add("Authorization", "Bearer a").add("Cookie", "session=1").build());
        SubscriptionPlan plan = ((Decision.Subscribe) plain.evaluate(r, TestRules.ENV).decision().outcome()).plan();
        OriginRequest o = Subscriptions.subscribe(plan, r, Subscriptions.mint(plan, r, TestRules.ENV).token(), TestRules.ENV);
        assertThat(o.header("X-Event-Signature")).contains(";v1=");
        assertThat(o.header("X-Event-Forwarded")).isNull();
        assertThat(o.header("Authorization")).isNull();
        assertThat(o.header("Cookie")).isNull();
    }

    @Test
    void theCanonicalXmlPrintsTheForwardAndRecompilesToTheSameFingerprint() {
        assertThat(RULES.canonicalXml()).contains("<forward-to-origin>", "<header name=\"Authorization\"/>",
                "<cookie name=\"session\"/>", "<cookie name=\"csrf\"/>");
        RuleSet again = TestRules.ruleSet("canonical.xml", RULES.canonicalXml().getBytes(StandardCharsets.UTF_8));
        assertThat(again.fingerprint()).isEqualTo(RULES.fingerprint());
    }
}
