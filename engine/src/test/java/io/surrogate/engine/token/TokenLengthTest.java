package io.surrogate.engine.token;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.Decision;
import io.surrogate.engine.RuleSet;
import io.surrogate.engine.SubscriptionPlan;
import io.surrogate.engine.Subscriptions;
import io.surrogate.engine.TestRules;
import io.surrogate.engine.request.EdgeRequest;
import io.surrogate.engine.request.Headers;
import java.net.InetAddress;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every token the edge mints, it can open later: an event id and user that would make a token
 * longer than {@link TinkTokenCodec#MAX_TOKEN_LENGTH} are refused at subscribe with 400, and
 * every other one mints a token that verifies to the same claims.
 */
class TokenLengthTest {
    static final String RULES = TestRules.rules("""
              <match:uri.path value="/s">
                <variable:extract name="EVENT" from="header" key="X-E"/>
                <variable:extract name="USER" from="header" key="X-U"/>
                <edgeservices:event.handle-subscription>
                  <token><key>mail-token</key><nonce-source>RANDOM</nonce-source></token>
                  <user>$(USER)</user>
                  <event-id>$(EVENT)</event-id>
                </edgeservices:event.handle-subscription>
              </match:uri.path>
            """);
    static final RuleSet RULE_SET = TestRules.ruleSet(RULES);

    static Decision.Outcome subscribe(String event, String user) {
        EdgeRequest request = request(event, user);
        return RULE_SET.evaluate(request, TestRules.ENV).decision().outcome();
    }

    static EdgeRequest request(String event, String user) {
        Headers headers = Headers.builder().add("Host", "push.example").add("X-E", event).add("X-U", user).build();
        return new EdgeRequest("GET", "/s", "", "push.example", headers, new byte[0], InetAddress.getLoopbackAddress(), 4444, 1);
    }

    @Test
    void theIssuesEventIdOf1500CharactersIsRefusedWith400() {
        Decision.Outcome outcome = subscribe("e".repeat(1500), "B");
        assertThat(outcome).isInstanceOf(Decision.Respond.class);
        Decision.Respond refused = (Decision.Respond) outcome;
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body()).startsWith("event id and user too long: their token would have ").endsWith(", at most 2048\n");
        assertThat(RULE_SET.trace(request("e".repeat(1500), "B"), TestRules.ENV).trace().orElseThrow().render())
                .contains("make a token of").contains("more than 2048: 400");
    }

    static final String ESCAPED = "\"\\\n\u0001<>&=";

    /** A random text of up to {@code max} chars: ASCII, JSON-escaped chars, 2-, 3- and 4-byte UTF-8. */
    static String text(Random r, int max) {
        StringBuilder b = new StringBuilder();
        int length = r.nextInt(max + 1);
        int kind = r.nextInt(5);
        while (b.length() < length) {
            switch (r.nextInt(6) < 4 ? kind : r.nextInt(5)) {
                case 0 -> b.append((char) (0x20 + r.nextInt(0x5f)));
                case 1 -> b.append(ESCAPED.charAt(r.nextInt(ESCAPED.length())));
                case 2 -> b.append((char) (0xa0 + r.nextInt(0x600)));
                case 3 -> b.append((char) (0x800 + r.nextInt(0xd000 - 0x800)));
                default -> b.appendCodePoint(0x10000 + r.nextInt(0x10000));
            }
        }
        return b.toString();
    }

    @Test
    void everyMintedTokenOpensAndEveryRefusalWasNeeded() throws Exception {
        int minted = 0;
        int refused = 0;
        for (long seed = 0; seed < 400; seed++) {
            Random r = new Random(seed);
            String event = "e" + text(r, 1600);
            String user = text(r, r.nextInt(4) == 0 ? 1600 : 80);
            EdgeRequest request = request(event, user);
            Decision.Outcome outcome = RULE_SET.evaluate(request, TestRules.ENV).decision().outcome();
            if (outcome instanceof Decision.Subscribe s) {
                SubscriptionPlan plan = s.plan();
                Subscriptions.Minted token = Subscriptions.mint(plan, request, TestRules.ENV);
                assertThat(token.token().length()).as("seed %d", seed)
                        .isEqualTo(Subscriptions.tokenLength(plan, request, TestRules.ENV))
                        .isLessThanOrEqualTo(TinkTokenCodec.MAX_TOKEN_LENGTH);
                TokenClaims opened = TinkTokenCodec.verify(token.token(), keysOf(plan.settings().tokenKey()), "edge-1", TestRules.NOW);
                assertThat(opened).as("seed %d", seed).isEqualTo(token.claims());
                assertThat(opened.event()).isEqualTo(event);
                assertThat(opened.user()).isEqualTo(user);
                minted++;
            } else {
                assertThat(outcome).as("seed %d", seed).isInstanceOf(Decision.Respond.class);
                assertThat(((Decision.Respond) outcome).status()).isEqualTo(400);
                // the refusal was needed: minting it anyway gives a token too long to read back
                SubscriptionPlan plan = new SubscriptionPlan(user, event, "default", settings(), "test");
                String tooLong = TinkTokenCodec.mint(Subscriptions.claims(plan, request, TestRules.ENV), plan.settings().tokenKey());
                assertThat(tooLong.length()).as("seed %d", seed).isGreaterThan(TinkTokenCodec.MAX_TOKEN_LENGTH);
                refused++;
            }
        }
        assertThat(minted).isGreaterThan(100);
        assertThat(refused).isGreaterThan(50);
    }

    static io.surrogate.engine.SubscriptionSettings settings() {
        Decision.Outcome ok = subscribe("e", "u");
        return ((Decision.Subscribe) ok).plan().settings();
    }

    static KeySource keysOf(NamedKey key) {
        return new KeySource() {
            @Override
            public Optional<NamedKey> find(String name) {
                return name.equals(key.name()) ? Optional.of(key) : Optional.empty();
            }

            @Override
            public Set<String> names() {
                return Set.of(key.name());
            }

            @Override
            public boolean throwaway() {
                return true;
            }
        };
    }
}
