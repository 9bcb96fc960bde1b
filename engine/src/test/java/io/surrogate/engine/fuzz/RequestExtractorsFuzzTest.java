package io.surrogate.engine.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.surrogate.engine.CompileResult;
import io.surrogate.engine.Decision;
import io.surrogate.engine.EdgeEnvironment;
import io.surrogate.engine.Evaluation;
import io.surrogate.engine.RuleCompiler;
import io.surrogate.engine.RuleSet;
import io.surrogate.engine.SubscriptionPlan;
import io.surrogate.engine.Subscriptions;
import io.surrogate.engine.request.EdgeRequest;
import io.surrogate.engine.request.FormCodec;
import io.surrogate.engine.request.Headers;
import io.surrogate.engine.token.KeySource;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.engine.token.TinkTokenCodec;
import io.surrogate.engine.token.TokenClaims;
import io.surrogate.engine.token.TokenException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import java.util.Set;

/**
 * The request parts rules read: form and JSON bodies, cookies, query, headers and path
 * segments, through every transform, on a fuzzed request. Evaluation decides or answers 400,
 * never throws; a subscribe mints a token that the edge opens again to the same claims.
 */
class RequestExtractorsFuzzTest {
    static final String RULES = """
            <rules xmlns="urn:surrogate:rules:1" xmlns:match="urn:surrogate:match:1"
                   xmlns:variable="urn:surrogate:variable:1" xmlns:edgeservices="urn:surrogate:edgeservices:1">
              <match:uri.path value="/.*" regex="true">
                <variable:extract name="FORM" from="post" key="f" transform="url-decode"/>
                <variable:extract name="JSON" from="post" key="a.b" transform="trim upper"/>
                <variable:extract name="COOKIE" from="cookie" key="c" transform="base64-decode"/>
                <variable:extract name="HEADER" from="header" key="X-H" transform="hex-decode"/>
                <variable:extract name="QUERY" from="query" key="q" transform="trim lower clamp:40"/>
                <variable:extract name="LAST" from="path-segment" key="-1" transform="url-encode"/>
                <variable:extract name="SECOND" from="path-segment" key="2" transform="base64-encode hex-encode sha256"/>
                <variable:extract name="EVENT" from="query" key="e" default="$(FORM)$(JSON)"/>
                <variable:extract name="USER" from="cookie" key="u" default="$(HEADER)"/>
                <match:query name="sub">
                  <edgeservices:event.handle-subscription>
                    <token><key>tokens</key><nonce-source>PORT</nonce-source></token>
                    <user>$(USER)$(COOKIE)</user>
                    <event-id>$(EVENT)</event-id>
                    <customer-code>$(QUERY)</customer-code>
                  </edgeservices:event.handle-subscription>
                </match:query>
                <match:query name="sub" result="false">
                  <match:cookie name="c" value="*a*b*" wildcard="true">
                    <edgeservices:response.header name="X-Cookie" value="$(COOKIE)"/>
                  </match:cookie>
                  <match:post name="f" value="[a-z]+" regex="true">
                    <edgeservices:response.header name="X-Form" value="$(FORM)"/>
                  </match:post>
                  <edgeservices:respond status="200">$(FORM)|$(JSON)|$(COOKIE)|$(HEADER)|$(QUERY)|$(LAST)|$(SECOND)</edgeservices:respond>
                </match:query>
              </match:uri.path>
            </rules>
            """;
    static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");
    static final EdgeEnvironment ENV = new EdgeEnvironment("edge-1", "127.0.0.1:8080", InstantSource.fixed(NOW));
    static final RuleSet RULE_SET = compile();

    static RuleSet compile() {
        CompileResult result = new RuleCompiler(FuzzKeys.INSTANCE).compile("extractors.xml", RULES.getBytes(StandardCharsets.UTF_8));
        if (!(result instanceof CompileResult.Success success) || result.hasErrors()) {
            throw new IllegalStateException(result.render());
        }
        return success.ruleSet();
    }

    /**
     * The input is lines: the method, the path, the query, the Content-Type, the X-H header,
     * then Cookie headers up to a line "--", then the body (the rest). Missing lines are empty;
     * header lines are bytes read as a server reads them.
     */
    @FuzzTest(maxDuration = "30s")
    void extract(byte[] input) {
        String text = new String(input, StandardCharsets.ISO_8859_1);
        int[] at = {0};
        String method = line(text, at);
        String path = "/" + line(text, at);
        String query = line(text, at);
        Headers.Builder headers = Headers.builder().add("Host", "push.example")
                .addFromWire("Content-Type", line(text, at))
                .addFromWire("X-H", line(text, at));
        for (int i = 0; i < 4 && at[0] < text.length(); i++) {
            String cookie = line(text, at);
            if (cookie.equals("--")) {
                break;
            }
            headers.addFromWire("Cookie", cookie);
        }
        byte[] body = java.util.Arrays.copyOfRange(input, Math.min(at[0], input.length), input.length);
        EdgeRequest request = new EdgeRequest(method.isEmpty() ? "GET" : method, path, query, "push.example", headers.build(), body,
                InetAddress.getLoopbackAddress(), 40000, 7);

        // the codecs alone, on the same text
        FormCodec.field(query, "q");
        FormCodec.decode(query, 0, query.length());
        String cookieHeader = request.headers().first("Cookie");
        if (cookieHeader != null) {
            FormCodec.cookie(cookieHeader, "c");
        }

        Evaluation evaluation = RULE_SET.trace(request, ENV);
        Decision.Outcome outcome = evaluation.decision().outcome();
        evaluation.trace().orElseThrow().render();
        if (outcome instanceof Decision.Subscribe subscribe) {
            roundTrip(subscribe.plan(), request);
        } else if (outcome instanceof Decision.Respond respond) {
            assertThat(respond.status()).isIn(200, 400);
        }
    }

    private static String line(String text, int[] at) {
        if (at[0] >= text.length()) {
            return "";
        }
        int nl = text.indexOf('\n', at[0]);
        int end = nl < 0 ? text.length() : nl;
        String line = text.substring(at[0], end);
        at[0] = end + 1;
        return line;
    }

    /** Every token the edge mints, it opens again to the same claims. */
    static void roundTrip(SubscriptionPlan plan, EdgeRequest request) {
        Subscriptions.Minted minted = Subscriptions.mint(plan, request, ENV);
        Subscriptions.subscribe(plan, request, minted.token(), ENV);
        NamedKey key = plan.settings().tokenKey();
        KeySource keys = new KeySource() {
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
        try {
            TokenClaims opened = TinkTokenCodec.verify(minted.token(), keys, ENV.edgeId(), NOW);
            assertThat(opened).isEqualTo(minted.claims());
        } catch (TokenException e) {
            throw new AssertionError("the edge refuses its own token of " + minted.token().length() + " characters: "
                    + e.getMessage(), e);
        }
    }
}
