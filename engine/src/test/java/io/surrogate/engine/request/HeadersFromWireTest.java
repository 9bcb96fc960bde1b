package io.surrogate.engine.request;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.Decision;
import io.surrogate.engine.OriginRequest;
import io.surrogate.engine.Subscriptions;
import io.surrogate.engine.TestRules;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Header bytes arrive one char per byte (ISO-8859-1); a browser's UTF-8 cookie must reach the
 * origin as the characters it meant: {@code Zoë 50%} as {@code Zo%C3%AB 50%25}, not
 * {@code Zo%C3%83%C2%AB 50%25}.
 */
class HeadersFromWireTest {
    static final String RULES = TestRules.rules("""
              <match:uri.path value="/mail">
                <variable:extract name="USER" from="cookie" key="name"/>
                <variable:extract name="EVENT" from="header" key="X-Topic"/>
                <edgeservices:event.handle-subscription>
                  <token><key>tokens</key></token>
                  <user>$(USER)</user>
                  <event-id>$(EVENT)</event-id>
                </edgeservices:event.handle-subscription>
              </match:uri.path>
            """);

    /** What a server hands over for these UTF-8 bytes: one char per byte. */
    static String wire(String text) {
        return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    @Test
    void utf8BytesDecodeOtherValuesStayAsTheyAre() {
        assertThat(wire("Zoë 50%")).isEqualTo("ZoÃ« 50%");
        assertThat(Headers.fromWire(wire("Zoë 50%"))).isEqualTo("Zoë 50%");
        assertThat(Headers.fromWire(wire("€ \ud83d\ude00 ☃"))).isEqualTo("€ \ud83d\ude00 ☃");
        assertThat(Headers.fromWire("plain ascii")).isEqualTo("plain ascii");
        assertThat(Headers.fromWire("")).isEmpty();
        // Latin-1 text that is not UTF-8 (a lone 0xE9, a truncated sequence) is kept as read
        assertThat(Headers.fromWire("caf\u00e9")).isEqualTo("caf\u00e9");
        assertThat(Headers.fromWire("Zo\u00c3")).isEqualTo("Zo\u00c3");
        // an overlong encoding of '/' is not UTF-8
        assertThat(Headers.fromWire("\u00c0\u00af")).isEqualTo("\u00c0\u00af");
        // chars beyond U+00FF did not come off the wire as bytes: left alone
        assertThat(Headers.fromWire("Zoë ☃")).isEqualTo("Zoë ☃");
        assertThat(Headers.builder().addFromWire("Cookie", wire("a=ü")).build().first("cookie")).isEqualTo("a=ü");
    }

    @Test
    void aUtf8CookieReachesTheOriginEscapedOnce() {
        Headers headers = Headers.builder().add("Host", "push.example")
                .addFromWire("Cookie", wire("name=Zoë 50%; other=1"))
                .addFromWire("X-Topic", wire("Straße"))
                .build();
        EdgeRequest request = new EdgeRequest("GET", "/mail", "", "push.example", headers, new byte[0],
                InetAddress.getLoopbackAddress(), 4444, 1);
        assertThat(originHeaders(request)).contains("X-Event-User: Zo%C3%AB 50%25", "X-Event-Id: Stra%C3%9Fe");
    }

    @Test
    void aDryRunRequestFileWithARawUtf8CookieGivesTheSameOriginRequest() throws Exception {
        byte[] file = "GET /mail HTTP/1.1\r\nHost: push.example\r\nCookie: name=Zoë 50%\r\nX-Topic: Straße\r\n\r\n"
                .getBytes(StandardCharsets.UTF_8);
        EdgeRequest request = RawHttpRequest.parse(file, InetAddress.getLoopbackAddress(), 4444);
        assertThat(request.headers().first("Cookie")).isEqualTo("name=Zoë 50%");
        assertThat(originHeaders(request)).contains("X-Event-User: Zo%C3%AB 50%25", "X-Event-Id: Stra%C3%9Fe");
    }

    static java.util.List<String> originHeaders(EdgeRequest request) {
        Decision.Outcome outcome = TestRules.ruleSet(RULES).evaluate(request, TestRules.ENV).decision().outcome();
        assertThat(outcome).isInstanceOf(Decision.Subscribe.class);
        var plan = ((Decision.Subscribe) outcome).plan();
        assertThat(plan.user()).isEqualTo("Zoë 50%");
        Subscriptions.Minted minted = Subscriptions.mint(plan, request, TestRules.ENV);
        OriginRequest call = Subscriptions.subscribe(plan, request, minted.token(), TestRules.ENV);
        return call.headers().stream().map(h -> h.name() + ": " + h.value()).toList();
    }
}
