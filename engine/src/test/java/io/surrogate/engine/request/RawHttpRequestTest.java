package io.surrogate.engine.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RawHttpRequestTest {
    static EdgeRequest parse(String text) throws Exception {
        return RawHttpRequest.parse(text.getBytes(StandardCharsets.UTF_8), InetAddress.getByName("192.0.2.1"), 4444);
    }

    @Test
    void crlfWithContentLength() throws Exception {
        EdgeRequest r = parse("POST /mail/subscribe-event?x=1#frag HTTP/1.1\r\nHost: Mail.Foo.com:8080\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 4\r\n\r\nid=2 and more");
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/mail/subscribe-event");
        assertThat(r.rawQuery()).isEqualTo("x=1");
        assertThat(r.host()).isEqualTo("mail.foo.com");
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("id=2");
        assertThat(r.clientPort()).isEqualTo(4444);
        assertThat(r.headers().first("content-length")).isEqualTo("4");
    }

    @Test
    void lfWithoutContentLengthDropsOneFinalLineEnd() throws Exception {
        EdgeRequest r = parse("\n\nPOST / HTTP/1.1\nHost: a\n\nline one\nline two\n");
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("line one\nline two");
        assertThat(parse("GET /x HTTP/1.1\nHost: a\n").body()).isEmpty();
        assertThat(parse("GET /x\n\n").path()).isEqualTo("/x");
    }

    @Test
    void absoluteTargetsGiveTheHost() throws Exception {
        EdgeRequest r = parse("GET http://Push.Example:81/a/b?c=d HTTP/1.1\n\n");
        assertThat(r.host()).isEqualTo("push.example");
        assertThat(r.path()).isEqualTo("/a/b");
        assertThat(r.headers().first("Host")).isEqualTo("Push.Example:81");
        assertThat(parse("GET http://[2001:db8::1]:8080 HTTP/1.1\n\n").host()).isEqualTo("[2001:db8::1]");
    }

    @Test
    void badLinesNameTheirLine() {
        assertThatThrownBy(() -> parse("")).hasMessageStartingWith("line 1:");
        assertThatThrownBy(() -> parse("\n\nget / HTTP/1.1\n\n")).hasMessageStartingWith("line 3:");
        assertThatThrownBy(() -> parse("GET nopath HTTP/1.1\n\n")).hasMessageStartingWith("line 1:");
        assertThatThrownBy(() -> parse("GET / HTTP/2\n\n")).hasMessageStartingWith("line 1:");
        assertThatThrownBy(() -> parse("GET / HTTP/1.1\r\nHost: a\r\nno colon here\r\n\r\n")).hasMessageStartingWith("line 3:");
        assertThatThrownBy(() -> parse("GET / HTTP/1.1\nHost: a\nBad Name: x\n\n")).hasMessageStartingWith("line 3:");
        assertThatThrownBy(() -> parse("POST / HTTP/1.1\nHost: a\nContent-Length: four\n\nbody"))
                .isInstanceOf(RawHttpRequest.FormatException.class).hasMessageStartingWith("line 3:");
        assertThatThrownBy(() -> parse("POST / HTTP/1.1\nContent-Length: 10\n\nshort"))
                .isInstanceOf(RawHttpRequest.FormatException.class).hasMessageStartingWith("line 2:");
        assertThatThrownBy(() -> parse("POST / HTTP/1.1\nContent-Length: -1\n\nshort"))
                .isInstanceOf(RawHttpRequest.FormatException.class).hasMessageStartingWith("line 2:");
    }
}
