package io.surrogate.server.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.server.browser.Chromium;
import io.surrogate.server.origin.Answer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * The README's main job in a real browser: Debian's Chromium, headless, opens the demo page,
 * whose native EventSource connects by itself, and sees "You've got mail!" arrive, pushed by
 * the sample origin through the edge, on the button and on the origin's timer; then the
 * page's "Restart the edge" closes the connection, the page shows it reconnecting, and the
 * browser comes back by itself with the last mail's id as Last-Event-ID, and mail flows again.
 * And the page's "Open another tab of this user" gives a second tab of user B, and both get
 * every mail. And ten tabs of the demo on its https:// URL share one HTTP/2 connection, all
 * get every mail, and all come back by themselves after the origin failed for a while. One
 * browser for the class; skipped without Debian's chromium and chromium-driver (.ci/run
 * installs them).
 */
class DemoBrowserTest {
    private static Chromium browser;

    @BeforeAll
    static void startBrowser() throws Exception {
        // the demo makes its own throwaway certificate at start, as a visitor's browser would warn about it
        browser = Chromium.start("--ignore-certificate-errors");
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @AfterEach
    void closePages() {
        if (browser != null) {
            browser.reset();
        }
    }

    @Test
    void aVisitorWatchesMailArriveAndTheEdgeRestart() throws Exception {
        try (Demo demo = Demo.start(0, Duration.ofSeconds(2))) {
            WebDriver page = browser.driver();
            page.get(demo.page().toString());
            assertThat(page.getTitle()).containsIgnoringCase("surrogate");
            browser.until("the page's EventSource is open", d -> "open".equals(state(d)));
            // the timer's mail may already be there: the history keeps the moment it opened
            assertThat(history(page)).contains("open");
            assertThat(demo.origin().subscribes()).as("the origin saw the subscription").hasSize(1);
            assertThat(demo.origin().subscribes().get(0).headers().get("X-Event-User")).containsExactly("B");

            page.findElement(By.id("send")).click();
            browser.until("the mail sent now arrived", d -> mail(d).stream().anyMatch(t -> t.contains("You've got mail!") && t.contains("sent now")));
            browser.until("the timer's mail arrived", d -> mail(d).stream().anyMatch(t -> t.contains("You've got mail!") && !t.contains("sent now")));
            assertThat(demo.origin().subscribes()).as("repeatable: all of it over the one subscription").hasSize(1);

            String lastId = lastMailId(page);
            page.findElement(By.id("restart")).click();
            browser.until("the page reconnected after the restart", d -> history(d).stream().anyMatch(t -> t.startsWith("open again")));
            assertThat(history(page)).anyMatch(t -> t.startsWith("connection lost; the browser reconnects by itself with Last-Event-ID: "));
            // the mail timer may deliver between the two readings: the id sent is the last one before the connection was lost
            String resumedAfter = history(page).stream().filter(t -> t.startsWith("open again: the browser sent Last-Event-ID: "))
                    .findFirst().orElseThrow().substring("open again: the browser sent Last-Event-ID: ".length());
            assertThat(resumedAfter).matches("[0-9a-f]{16}-[0-9]+");
            assertThat(mailIds(page)).contains(lastId, resumedAfter);
            assertThat(demo.origin().subscribes()).as("the new edge asked the origin again").hasSize(2);

            int before = mail(page).size();
            page.findElement(By.id("send")).click();
            browser.until("mail arrives after the restart", d -> mail(d).size() > before && "open".equals(state(d)));
        }
    }

    /** Needs the many-clients branch: two clients of one user and event are both held. */
    @Test
    void twoTabsOfOneUserBothGetEveryMail() throws Exception {
        try (Demo demo = Demo.start(0, Duration.ofHours(1))) {
            WebDriver page = browser.driver();
            page.get(demo.page().toString());
            String first = page.getWindowHandle();
            browser.until("the first tab is open", d -> "open".equals(state(d)));
            page.findElement(By.id("another-tab")).click();
            browser.until("the second tab exists", d -> d.getWindowHandles().size() == 2);
            String second = page.getWindowHandles().stream().filter(h -> !h.equals(first)).findFirst().orElseThrow();
            page.switchTo().window(second);
            browser.until("the second tab is open", d -> "open".equals(state(d)));
            assertThat(page.findElement(By.id("user")).getAttribute("value")).isEqualTo("B");

            for (int sent = 1; sent <= 2; sent++) {
                int count = sent;
                page.findElement(By.id("send")).click();
                for (String tab : List.of(first, second)) {
                    page.switchTo().window(tab);
                    browser.until("mail " + count + " in tab " + tab, d -> mail(d).stream().filter(t -> t.contains("sent now")).count() == count);
                }
            }
            for (String tab : List.of(first, second)) {
                page.switchTo().window(tab);
                assertThat(history(page)).as("tab %s was never dropped to make room for the other", tab).containsExactly(
                        "new EventSource(\"/mail/events?event=2\", {withCredentials: true}) as user B", "open");
            }
        }
    }

    /**
     * Issue 10's "tried as a new user would": over HTTP/1.1 a browser opens at most six
     * connections to one host, so the seventh tab would never connect; over HTTP/2 all ten
     * share one. The origin then fails (503) while the edge restarts: every tab is told to come
     * back (the edge's event: error with retry:), and does, by itself, once the origin is back.
     */
    @Test
    void tenTabsOnTheHttpsUrlAllGetMailOverHttp2AndComeBackAfterTheOriginFailed() throws Exception {
        try (Demo demo = Demo.start(0, 0, Duration.ofHours(1))) {
            WebDriver page = browser.driver();
            List<String> tabs = new ArrayList<>();
            page.get(demo.securePage().toString());
            tabs.add(page.getWindowHandle());
            for (int i = 1; i < 10; i++) {
                tabs.add(browser.newTab());
                page.get(demo.securePage().toString());
            }
            for (String tab : tabs) {
                page.switchTo().window(tab);
                browser.until("tab " + tabs.indexOf(tab) + " is open", d -> "open".equals(state(d)));
                assertThat(browser.run("return performance.getEntriesByType('navigation')[0].nextHopProtocol;")).isEqualTo("h2");
            }
            assertThat(demo.origin().subscribes()).as("ten tabs of user B, one subscription at the origin").hasSize(1);
            sendAndAwaitInEveryTab(page, tabs, 1);

            demo.origin().setSubscribeAnswer(r -> Answer.text(503, "down for maintenance"));
            demo.restartEdge();
            for (String tab : tabs) {
                page.switchTo().window(tab);
                browser.until("tab " + tabs.indexOf(tab) + " was told to come back",
                        d -> history(d).stream().anyMatch(t -> t.startsWith("the edge said: ") && t.contains("\"status\":503")));
            }
            demo.origin().setSubscribeAnswer(r -> Answer.accepted());
            for (String tab : tabs) {
                page.switchTo().window(tab);
                browser.until("tab " + tabs.indexOf(tab) + " came back by itself",
                        d -> "open".equals(state(d)) && history(d).stream().anyMatch(t -> t.startsWith("open again")));
            }
            sendAndAwaitInEveryTab(page, tabs, 2);
        }
    }

    private static void sendAndAwaitInEveryTab(WebDriver page, List<String> tabs, int count) {
        page.findElement(By.id("send")).click();
        for (String tab : tabs) {
            page.switchTo().window(tab);
            browser.until("mail " + count + " in tab " + tabs.indexOf(tab),
                    d -> mail(d).stream().filter(t -> t.contains("sent now")).count() == count);
        }
    }

    private static String state(WebDriver d) {
        return d.findElement(By.id("status")).getAttribute("data-state");
    }

    private static List<String> mail(WebDriver d) {
        return d.findElements(By.cssSelector("#events li")).stream().map(WebElement::getText).toList();
    }

    private static List<String> mailIds(WebDriver d) {
        return d.findElements(By.cssSelector("#events li")).stream().map(e -> e.getAttribute("data-id")).toList();
    }

    private static String lastMailId(WebDriver d) {
        List<String> ids = mailIds(d);
        return ids.get(ids.size() - 1);
    }

    /** The connection history, each line without its time. */
    private static List<String> history(WebDriver d) {
        return d.findElements(By.cssSelector("#history li")).stream()
                .map(e -> e.getText().substring(e.findElement(By.tagName("time")).getText().length()).trim()).toList();
    }
}
