package io.surrogate.server;

import static io.surrogate.server.HeldClients.WAIT;
import static io.surrogate.server.HeldClients.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.TinkTokenCodec;
import io.surrogate.engine.token.TokenClaims;
import io.surrogate.server.origin.Delivery;
import io.surrogate.server.origin.Received;
import io.surrogate.server.origin.SampleOrigin;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DESIGN §4: a held client whose token expires is disconnected at the first heartbeat after
 * the expiry and must subscribe again; the origin is told with {@code /unsubscribe-event}.
 * Lifetimes here are 2 s and 1 s (docs/rules.md: from 1 s), heartbeats 1 s.
 */
class TokenExpiryTest {
    private static final String SUBSCRIBE = SampleOrigin.SUBSCRIBE_PATH;
    private static final String UNSUBSCRIBE = SampleOrigin.UNSUBSCRIBE_PATH;

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"sse", "stream"})
    void aHeldClientWhoseTokenExpiresIsDisconnectedAndTheOriginIsTold(String transport) throws Exception {
        try (EdgeFixture f = EdgeFixture.start(rule(transport, "2s"))) {
            RawClient client = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B");
            assertThat(client.status).isEqualTo(200);
            String token = f.origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
            TokenClaims claims = TinkTokenCodec.open(token, Keyring.open(f.keys));
            assertThat(claims.expiresAt() - claims.issuedAt()).as("the rule's lifetime").isEqualTo(2);
            String start = transport.equals("sse") ? HeldClients.preambleId(client) : null;

            assertThat(f.runUntil(WAIT, () -> f.edge.heldConnections() == 0)).as("held until a heartbeat after the expiry").isTrue();
            assertThat(client.awaitEnd(WAIT)).as("the edge disconnects the client").isTrue();

            assertThat(f.clock.instant().getEpochSecond()).as("not before its token expired").isGreaterThanOrEqualTo(claims.expiresAt());
            assertToldOnce(f, token);
            client.close();
            if (start != null) {
                // its id names a subscription that ended: coming back with it subscribes again at the origin
                RawClient again = RawClient.open(f.clientPort(), "GET", "/sub?e=2&u=B", "Last-Event-ID: " + start);
                assertThat(again.status).isEqualTo(200);
                List<Received> subscribes = f.origin.awaitReceived(SUBSCRIBE, 2, WAIT);
                assertThat(subscribes).hasSize(2);
                assertThat(subscribes.get(1).token()).isNotEqualTo(token);
                again.close();
                f.awaitUnsubscribes(2);
            }
            f.assertQuiet(WAIT);
        }
    }

    /** With the minimum lifetime, 1 s, the token has expired when the first poll's heartbeat wait ends. */
    @Test
    void aParkedLongPollWhoseTokenExpiresIsClosedInsteadOfAnswered204() throws Exception {
        try (EdgeFixture f = EdgeFixture.start(rule("long-poll", "1s"))) {
            Socket poll = HeldClients.send(f.clientPort(), "/sub?e=2&u=B");
            poll.setSoTimeout((int) WAIT.toMillis());
            String token = f.origin.awaitReceived(SUBSCRIBE, 1, WAIT).get(0).token();
            assertThat(EdgeFixture.eventually(WAIT, () -> f.edge.heldConnections() == 1)).isTrue();
            f.advance(Duration.ofSeconds(1));

            assertThat(poll.getInputStream().read()).as("closed without an answer: it must subscribe again").isEqualTo(-1);

            assertToldOnce(f, token);
            poll.close();
            f.assertQuiet(WAIT);
        }
    }

    private static void assertToldOnce(EdgeFixture f, String token) throws Exception {
        List<Received> gone = f.awaitUnsubscribes(1);
        assertThat(gone).extracting(Received::token).containsExactly(token);
        assertThat(gone.get(0).signatureVerified()).isTrue();
        Delivery late = f.origin.deliver(token, "2", "B", bytes("too late"));
        assertThat(late.status()).isEqualTo(410);
        assertThat(late.word()).isEqualTo("expired-token");
        assertThat(HeldClients.counter(f, "surrogate_disconnects_total", "reason", "token-expired")).isEqualTo(1);
        assertThat(f.edge.subscriptions()).as("the expired subscription is gone").isZero();
        assertThat(f.origin.unsubscribes()).as("told once").hasSize(1);
    }

    private static String rule(String transport, String lifetime) {
        String rule = EdgeFixture.rule("repeatable", transport, "1s", "");
        String token = "<token><key>tok</key></token>";
        assertThat(rule).contains(token);
        return rule.replace(token, "<token><key>tok</key><lifetime>" + lifetime + "</lifetime></token>");
    }
}
