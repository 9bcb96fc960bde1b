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
        assertThat(origin.header("X-Event-Signature")).matches("t=\\d+;n=[0-9a-f]{32};v1=[0-9a-f]{64}");
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
