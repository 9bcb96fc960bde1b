package io.surrogate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.request.EdgeRequest;
import io.surrogate.engine.request.Headers;
import io.surrogate.engine.request.RawHttpRequest;
import io.surrogate.engine.token.ThrowawayKeys;
import io.surrogate.engine.token.TinkTokenCodec;
import io.surrogate.engine.token.TokenClaims;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.Test;

class MailRuleTest {
    static final Path MAIL = Path.of("../sample-rules/mail/mail.xml");
    static final EdgeEnvironment ENV = new EdgeEnvironment("edge-1", "127.0.0.1:8080",
            InstantSource.fixed(Instant.parse("2026-11-29T12:00:00Z")));

    static EdgeRequest seedRequest() throws Exception {
        return RawHttpRequest.build("POST", "/mail/subscribe-event", Headers.builder()
                        .add("Host", "mail.foo.com")
                        .add("Cookie", "user=B")
                        .add("Content-Type", "application/x-www-form-urlencoded").build(),
                "id=2".getBytes(StandardCharsets.UTF_8), InetAddress.getByName("127.0.0.1"), 62471);
    }

    @Test
    void theSeedRequestSubscribesUserBToEvent2() throws Exception {
        CompileResult result = new RuleCompiler(new ThrowawayKeys()).compilePaths(List.of(MAIL));
        assertThat(result.hasErrors()).as(result.render()).isFalse();
        RuleSet rules = ((CompileResult.Success) result).ruleSet();

        Evaluation fast = rules.evaluate(seedRequest(), ENV);
        Evaluation traced = rules.trace(seedRequest(), ENV);
        assertThat(fast.variables()).containsEntry("EVENT", "2").containsEntry("USER", "B");
        assertThat(traced.decision()).isEqualTo(fast.decision());
        assertThat(fast.decision().outcome()).isInstanceOf(Decision.Subscribe.class);
        SubscriptionPlan plan = ((Decision.Subscribe) fast.decision().outcome()).plan();

        Subscriptions.Minted minted = Subscriptions.mint(plan, seedRequest(), ENV);
        TokenClaims opened = TinkTokenCodec.verify(minted.token(), new SingleKey(plan.settings().tokenKey()), "edge-1", ENV.clock().instant());
        assertThat(opened).isEqualTo(minted.claims());
        assertThat(opened.user()).isEqualTo("B");
        assertThat(opened.event()).isEqualTo("2");
        assertThat(opened.nonce()).isEqualTo("port-62471-c1");

        OriginRequest origin = Subscriptions.subscribe(plan, seedRequest(), minted.token(), ENV);
        assertThat(origin.method()).isEqualTo("POST");
        assertThat(origin.path()).isEqualTo("/subscribe-event");
        assertThat(origin.header("X-Event-Id")).isEqualTo("2");
        assertThat(origin.header("X-Event-User")).isEqualTo("B");
        assertThat(origin.header("X-Event-Token")).isEqualTo(minted.token());
        // the rule forwards the session cookie: version 2, even when the client has none to forward
        assertThat(origin.header("X-Event-Signature")).matches("t=\\d+;n=[0-9a-f]{32};v2=[0-9a-f]{64}");
        assertThat(origin.header("X-Event-Forwarded")).isEmpty();
        assertThat(origin.header("Cookie")).as("the user cookie is not the session: never forwarded").isNull();
    }

    @Test
    void theSessionCookieGoesToTheOriginAloneAndSigned() throws Exception {
        RuleSet rules = TestRules.ruleSet("mail.xml", java.nio.file.Files.readAllBytes(MAIL));
        EdgeRequest request = RawHttpRequest.build("POST", "/mail/subscribe-event", Headers.builder()
                        .add("Host", "mail.foo.com")
                        .add("Cookie", "theme=dark; user=B; session=s3cr3t-B; tracking=x")
                        .add("Content-Type", "application/x-www-form-urlencoded").build(),
                "id=2".getBytes(StandardCharsets.UTF_8), InetAddress.getByName("127.0.0.1"), 62471);
        SubscriptionPlan plan = ((Decision.Subscribe) rules.evaluate(request, ENV).decision().outcome()).plan();
        String token = Subscriptions.mint(plan, request, ENV).token();
        OriginRequest origin = Subscriptions.subscribe(plan, request, token, ENV);

        assertThat(origin.header("X-Event-Forwarded")).isEqualTo("cookie");
        assertThat(origin.header("Cookie")).isEqualTo("session=s3cr3t-B");
        io.surrogate.engine.token.OriginSignature.Header h = io.surrogate.engine.token.OriginSignature.Header
                .parse(origin.header("X-Event-Signature"), 2).orElseThrow();
        var signed = new io.surrogate.engine.token.OriginSignature.Signed("POST", "/subscribe-event", "2", "B", token, new byte[0]);
        var forwarded = List.of(new io.surrogate.engine.token.OriginSignature.Forwarded("Cookie", "session=s3cr3t-B"));
        assertThat(io.surrogate.engine.token.OriginSignature.verify(origin.header("X-Event-Signature"), signed, forwarded,
                plan.settings().originKey(), ENV.clock().instant(), 300)).isEqualTo(io.surrogate.engine.token.OriginSignature.Check.VALID);
        assertThat(h.version()).isEqualTo(2);
        // the unsubscribe of the same subscription carries nothing forwarded and stays version 1
        OriginRequest unsubscribe = Subscriptions.unsubscribe(plan, request, token, ENV);
        assertThat(unsubscribe.header("Cookie")).isNull();
        assertThat(unsubscribe.header("X-Event-Forwarded")).isNull();
        assertThat(unsubscribe.header("X-Event-Signature")).contains(";v1=");
    }

    record SingleKey(io.surrogate.engine.token.NamedKey key) implements io.surrogate.engine.token.KeySource {
        public java.util.Optional<io.surrogate.engine.token.NamedKey> find(String name) {
            return name.equals(key.name()) ? java.util.Optional.of(key) : java.util.Optional.empty();
        }

        public java.util.Set<String> names() {
            return java.util.Set.of(key.name());
        }

        public boolean throwaway() {
            return false;
        }
    }
}
