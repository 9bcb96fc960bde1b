package io.surrogate.server.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The demo page keeps the ids the browser test drives, uses the browser's own EventSource
 * (no SSE parsed by hand), and loads nothing from elsewhere.
 */
class DemoPageTest {

    static String page() throws IOException {
        try (InputStream in = DemoPageTest.class.getResourceAsStream("/io/surrogate/server/demo/index.html")) {
            assertThat(in).as("the demo page on the classpath").isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theStableIdsAreThere() throws IOException {
        String page = page();
        for (String id : new String[] {"user", "event", "connect", "stop", "send", "restart", "another-tab", "other-user", "status",
                "answer", "events", "history"}) {
            assertThat(page).contains("id=\"" + id + "\"");
        }
        assertThat(page).contains("id=\"user\" value=\"B\"", "id=\"event\" value=\"2\"", ">Send mail now<", ">Restart the edge<");
    }

    @Test
    void itOpensANativeEventSourceWithCredentials() throws IOException {
        String page = page();
        assertThat(page).contains("new EventSource(\"/mail/events?event=\" + encodeURIComponent(event), { withCredentials: true })")
                .doesNotContain("getReader", "text/event-stream\"", "fetch(\"/mail/");
    }

    @Test
    void itWorksOfflineAndNeverInsertsMarkup() throws IOException {
        String page = page();
        assertThat(page).doesNotContain("http://", "https://", "src=", "innerHTML", "insertAdjacentHTML", "document.write");
    }

    /**
     * What the status line shows for each {@code setStatus(state, "text...")} call of the page,
     * worked out from setStatus's own assignment, says its label once: "held: held:" was once shown.
     */
    @Test
    void eachStatusSaysItsLabelOnce() throws IOException {
        String page = page();
        Matcher fn = Pattern.compile("function setStatus\\(state, text\\) \\{(.*?)\\n  \\}", Pattern.DOTALL).matcher(page);
        assertThat(fn.find()).as("setStatus(state, text) in the page").isTrue();
        Matcher assignment = Pattern.compile("statusBox\\.textContent = ([^;]+);").matcher(fn.group(1));
        assertThat(assignment.find()).as("setStatus sets the status text").isTrue();
        String expression = assignment.group(1).trim();
        assertThat(expression).as("a form this test can evaluate").isIn("text", "state + \": \" + text");
        boolean labelled = !expression.equals("text");
        Matcher call = Pattern.compile("setStatus\\(\"([a-z]+)\", \"([^\"]*)\"").matcher(page);
        List<String> shown = new ArrayList<>();
        while (call.find()) {
            shown.add((labelled ? call.group(1) + ": " : "") + call.group(2));
        }
        assertThat(shown).hasSizeGreaterThanOrEqualTo(6).allSatisfy(text -> {
            String[] words = text.split("[^A-Za-z]+");
            assertThat(words.length < 2 || !words[0].equals(words[1])).as("'%s' repeats its first word", text).isTrue();
        });
        assertThat(shown).contains("open: the edge holds this connection until mail arrives");
    }
}
