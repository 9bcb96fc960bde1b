package io.surrogate.server.browser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * One headless Debian Chromium for a test class, driven by Debian's chromedriver, with the
 * flags that keep it off the network (LIBRARIES.md) and a fresh profile deleted on close.
 * Without the two binaries the calling test class is skipped, and says why; .ci/run installs
 * them.
 */
public final class Chromium implements AutoCloseable {
    public static final Path CHROMEDRIVER = Path.of(System.getProperty("surrogate.chromedriver", "/usr/bin/chromedriver"));
    public static final Path CHROMIUM = Path.of(System.getProperty("surrogate.chromium", "/usr/bin/chromium"));
    /** The longest any wait for the page may take; a wait ends as soon as its condition holds. */
    public static final Duration WAIT = Duration.ofSeconds(30);

    private final WebDriver driver;
    private final Path profile;

    private Chromium(WebDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    /** Skips the calling test (class) unless Debian's chromium and chromium-driver are installed. */
    public static void assumeInstalled() {
        Assumptions.assumeTrue(Files.isExecutable(CHROMEDRIVER) && Files.isExecutable(CHROMIUM),
                "Debian's chromium and chromium-driver are not installed (apt-get install chromium chromium-driver); .ci/run installs them");
    }

    /** Starts the browser with the standard flags and {@code extraFlags}. */
    public static Chromium start(String... extraFlags) throws IOException {
        assumeInstalled();
        Path profile = Files.createTempDirectory("surrogate-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        List<String> flags = new ArrayList<>(List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--no-default-browser-check", "--user-data-dir=" + profile));
        flags.addAll(List.of(extraFlags));
        options.addArguments(flags);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        try {
            return new Chromium(new ChromeDriver(service, options), profile);
        } catch (RuntimeException e) {
            delete(profile);
            throw e;
        }
    }

    public WebDriver driver() {
        return driver;
    }

    /** Runs {@code script} (its {@code return} is the result) in the current tab. */
    public Object run(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** Waits, bounded by {@link #WAIT}, until {@code condition} holds on the page, polling it; {@code what} names it in a timeout. */
    public <T> T until(String what, Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, WAIT, Duration.ofMillis(50)).withMessage(what).until(condition);
    }

    /** Back to one blank tab: the EventSources of every page are closed with their pages. */
    public void reset() {
        String first = null;
        for (String handle : new ArrayList<>(driver.getWindowHandles())) {
            if (first == null) {
                first = handle;
                continue;
            }
            driver.switchTo().window(handle).close();
        }
        driver.switchTo().window(first);
        driver.get("about:blank");
    }

    /** Opens a new tab and switches to it; returns its handle. */
    public String newTab() {
        driver.switchTo().newWindow(WindowType.TAB);
        return driver.getWindowHandle();
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            delete(profile);
        }
    }

    /** Best effort: a browser that just quit may still be writing into its profile. */
    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("could not delete the browser profile " + dir + ": " + e);
        }
    }
}
