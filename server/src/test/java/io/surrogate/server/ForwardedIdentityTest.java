package io.surrogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.server.origin.JdkSignature;
import io.surrogate.server.origin.Received;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The sample mail rule forwards the session cookie (sample-rules/mail/mail.xml, verbatim) and
 * the sample origin checks it: on real sockets, the origin receives exactly the chosen cookie
 * (none of the client's other cookies or headers), signed with version 2, and decides who
 * subscribes by it.
 */
class ForwardedIdentityTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Path MAIL = Path.of("..", "sample-rules", "mail", "mail.xml");

    private static RawClient subscribe(EdgeFixture f, String cookie) throws Exception {
        return RawClient.open(f.clientPort(), true, "POST", "/mail/subscribe-event", "id=2",
                "Content-Type: application/x-www-form-urlencoded", "Accept: text/event-stream",
                "Cookie: " + cookie, "Authorization: Bearer not-forwarded", "X-Event-User: A", "X-Event-Forwarded: authorization");
    }

    @Test
    void theOriginReceivesTheSessionCookieAloneSignedAndAcceptsItsUser() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(Files.readString(MAIL))) {
            f.origin.setSessions(Map.of("s-of-B", "B"));
            try (RawClient client = subscribe(f, "theme=dark; user=B; session=s-of-B; other=1")) {
                assertThat(client.status).isEqualTo(200);
                Received r = f.origin.awaitReceived("/subscribe-event", 1, WAIT).get(0);
                assertThat(r.signature()).isEqualTo(JdkSignature.Check.VALID);
                assertThat(r.signatureVersion()).isEqualTo(2);
                assertThat(r.forwarded()).containsExactly(Map.entry("cookie", "session=s-of-B"));
                assertThat(r.forwardedCookie("session")).isEqualTo("s-of-B");
                assertThat(r.headers().get("Cookie")).containsExactly("session=s-of-B");
                assertThat(r.headers().get("X-Event-User")).containsExactly("B");
                assertThat(r.headers().get("X-Event-Forwarded")).containsExactly("cookie");
                Set<String> names = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
                names.addAll(r.headers().keySet());
                names.removeAll(Set.of("Host", "Content-Length", "Connection"));
                assertThat(names).as("exactly the chosen cookie, nothing else of the client's")
                        .containsExactlyInAnyOrder("X-Event-Id", "X-Event-User", "X-Event-Token", "X-Event-Forwarded", "Cookie",
                                "X-Event-Signature");
                assertThat(f.origin.subscriptions()).hasSize(1);
            }
        }
    }

    @Test
    void anotherUsersSessionOrNoneIsRefusedByTheOrigin() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(Files.readString(MAIL))) {
            f.origin.setSessions(Map.of("s-of-A", "A"));
            try (RawClient client = subscribe(f, "user=B; session=s-of-A")) {
                assertThat(client.status).as("B with A's session").isEqualTo(403);
            }
            try (RawClient client = subscribe(f, "user=B")) {
                assertThat(client.status).as("no session").isEqualTo(401);
            }
            assertThat(f.origin.subscribes()).hasSize(2).allSatisfy(r -> assertThat(r.signatureVerified()).isTrue());
            assertThat(f.origin.subscriptions()).isEmpty();
            f.assertQuiet(WAIT);
        }
    }

    @Test
    void aForwardedHeaderTheClientSentTwiceNeverReachesTheOrigin() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(Files.readString(MAIL).replace("<cookie name=\"session\"/>",
                "<header name=\"Authorization\"/><cookie name=\"session\"/>"))) {
            try (RawClient client = RawClient.open(f.clientPort(), true, "POST", "/mail/subscribe-event", "id=2",
                    "Content-Type: application/x-www-form-urlencoded", "Cookie: user=B",
                    "Authorization: Bearer one", "Authorization: Bearer two")) {
                assertThat(client.status).isEqualTo(400);
            }
            assertThat(f.origin.received()).isEmpty();
            f.assertQuiet(WAIT);
        }
    }
}
