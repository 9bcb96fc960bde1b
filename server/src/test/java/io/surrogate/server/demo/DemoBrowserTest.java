package io.surrogate.server.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The README's main job in a real browser: Debian's Chromium, headless, opens the demo page,
 * subscribes, and sees "You've got mail!" arrive, pushed by the sample origin through the
 * edge, both on the button and on the origin's timer. The drivers come from Debian's
 * chromium and chromium-driver packages, which .ci/run installs; without them the test is
 * skipped (and says so).
 */
class DemoBrowserTest {
    private static final Path CHROMEDRIVER = Path.of(System.getProperty("surrogate.chromedriver", "/usr/bin/chromedriver"));
    private static final Path CHROMIUM = Path.of(System.getProperty("surrogate.chromium", "/usr/bin/chromium"));
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void aVisitorSubscribesAndWatchesMailArrive() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMEDRIVER) && Files.isExecutable(CHROMIUM),
                "Debian's chromium and chromium-driver are not installed (apt-get install chromium chromium-driver); .ci/run installs them");
        try (Demo demo = Demo.start(0, Duration.ofSeconds(3))) {
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM.toFile());
            options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--no-first-run", "--no-default-browser-check", "--user-data-dir=" + Files.createTempDirectory("surrogate-chromium"));
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                    .usingAnyFreePort().build();
            WebDriver browser = new ChromeDriver(service, options);
            try {
                browser.get(demo.page().toString());
                assertThat(browser.getTitle()).containsIgnoringCase("surrogate");
                browser.findElement(By.id("subscribe")).click();
                WebDriverWait wait = new WebDriverWait(browser, WAIT);
                wait.until(d -> "held".equals(d.findElement(By.id("status")).getAttribute("data-state")));
                assertThat(browser.findElement(By.id("status")).getText()).as("the label once")
                        .isEqualTo("held: the edge keeps this connection open until mail arrives");
                assertThat(demo.origin().subscribes()).as("the origin saw the subscription").isNotEmpty();
                assertThat(demo.origin().subscribes().get(0).user()).isEqualTo("B");

                browser.findElement(By.id("send")).click();
                wait.until(d -> events(d).stream().anyMatch(t -> t.contains("You've got mail!") && t.contains("sent now")));
                // the subscription is one-shot: the page subscribes again and the timer's mail arrives too
                wait.until(d -> events(d).stream().anyMatch(t -> t.contains("You've got mail!") && !t.contains("sent now")));
                assertThat(demo.origin().subscribes().size()).as("one subscription per event (one-shot)").isGreaterThanOrEqualTo(2);
            } finally {
                browser.quit();
            }
        }
    }

    private static List<String> events(WebDriver d) {
        return d.findElements(By.cssSelector("#events li")).stream().map(WebElement::getText).toList();
    }
}
