package io.surrogate.server.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The demo page keeps the ids the browser test drives, and loads nothing from elsewhere. */
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
        for (String id : new String[] {"user", "event", "subscribe", "stop", "send", "status", "events"}) {
            assertThat(page).contains("id=\"" + id + "\"");
        }
        assertThat(page).contains("id=\"user\" value=\"B\"", "id=\"event\" value=\"2\"", ">Send mail now<");
    }

    @Test
    void itWorksOfflineAndNeverInsertsMarkup() throws IOException {
        String page = page();
        assertThat(page).doesNotContain("http://", "https://", "src=", "innerHTML", "insertAdjacentHTML", "document.write");
    }
}
