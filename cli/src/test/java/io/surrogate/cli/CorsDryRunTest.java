package io.surrogate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

/** dry-run shows a CORS refusal at the edge: the 403, the rule that refused, and no request to the origin. */
class CorsDryRunTest {
    private static final String URL = "http://push.social.example.com/presence/friends";

    @Test
    void aDisallowedOriginIsRefusedByTheCorsRuleAndNothingGoesToTheOrigin() {
        Cli.Result r = Cli.run("dry-run", "--rules", Cli.SAMPLES.resolve("presence"), "-H", "Origin: https://evil.example",
                "-H", "Accept: text/event-stream", "-b", "user=alice", "GET", URL).expectCode(0);
        assertThat(r.out()).containsPattern("(?m)^decision   respond 403 'cross-origin request refused: origin not allowed' by <edgeservices:cors ");
        assertThat(r.out()).contains("origin 'https://evil.example' not allowed: refused 403 at the edge",
                "failed: not subscribed: the request's origin was refused by CORS");
        assertThat(r.out()).doesNotContain("X-Event-Signature");

        JsonObject doc = Cli.run("dry-run", "--json", "--rules", Cli.SAMPLES.resolve("presence"), "-H", "Origin: https://evil.example",
                "-b", "user=alice", "GET", URL).expectCode(0).json();
        assertThat(doc.getAsJsonObject("decision").get("type").getAsString()).isEqualTo("respond");
        assertThat(doc.getAsJsonObject("decision").get("status").getAsInt()).isEqualTo(403);
        assertThat(doc.getAsJsonObject("decision").getAsJsonArray("responseHeaders").toString()).doesNotContain("Access-Control-");
        assertThat(doc.has("originRequest") && !doc.get("originRequest").isJsonNull()).isFalse();
    }

    @Test
    void theAllowedOriginIsSubscribed() {
        Cli.Result r = Cli.run("dry-run", "--rules", Cli.SAMPLES.resolve("presence"), "-H", "Origin: https://social.example.com",
                "-b", "user=alice", "GET", URL).expectCode(0);
        assertThat(r.out()).containsPattern("(?m)^decision   subscribe ");
        assertThat(r.out()).contains("X-Event-Signature: ");
    }
}
