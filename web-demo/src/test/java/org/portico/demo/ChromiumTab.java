package org.portico.demo;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * A {@link DemoTab} in real headless Chromium: Debian's {@code chromium} driven through its {@code chromedriver}
 * by Selenium, each tab a browser of its own with a fresh profile (so two tabs are two people, with separate
 * sessionStorage). Nothing is downloaded: the driver and browser paths are given, so Selenium Manager is never
 * asked for them, and {@code SE_OFFLINE} (handed to Selenium Manager's environment were it ever started) forbids it
 * to fetch anything. Chromium runs with the flags this machine's closed network needs (no background networking,
 * component updates or sync).
 */
final class ChromiumTab extends DemoTab {

    /** Debian's paths; {@code -Dportico.chromium} and {@code -Dportico.chromedriver} point elsewhere. */
    static final Path BROWSER = Path.of(System.getProperty("portico.chromium", "/usr/bin/chromium"));
    static final Path DRIVER = Path.of(System.getProperty("portico.chromedriver", "/usr/bin/chromedriver"));
    /** A desktop window: the page's three-column grid. */
    static final Dimension DESKTOP = new Dimension(1280, 1000);
    /** A phone: the page's one-column layout (it switches under 720 px). */
    static final Dimension PHONE = new Dimension(390, 844);

    /** Selenium warns at every start that it has no DevTools classes for this Chromium; it needs none. */
    private static final Logger CDP_VERSION_WARNINGS = Logger.getLogger(
            "org.openqa.selenium.devtools.CdpVersionFinder");

    static {
        System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, DRIVER.toString());
        System.setProperty("SE_OFFLINE", "true");
        CDP_VERSION_WARNINGS.setLevel(Level.SEVERE);
    }

    private final Path profile;
    private final ChromeDriver driver;
    private final List<String> scriptErrors = new ArrayList<>();

    /**
     * Skips the calling test with the reason unless Debian's chromium and chromium-driver are installed; under
     * {@code scripts/test.sh} ({@code portico.e2e.required=true}) fails instead, so CI cannot pass without them.
     */
    static void assumeInstalled() {
        boolean installed = Files.isExecutable(BROWSER) && Files.isExecutable(DRIVER);
        String reason = "Chromium is not installed: " + BROWSER + " and " + DRIVER
                + " come from Debian's chromium and chromium-driver packages (.ci/run installs them)";
        if (Boolean.parseBoolean(System.getProperty("portico.e2e.required", System.getenv("PORTICO_E2E_REQUIRED")))) {
            Assertions.assertTrue(installed, reason);
        } else {
            Assumptions.assumeTrue(installed, reason);
        }
    }

    ChromiumTab(URI portico, Transport transport) {
        super(portico, "transport=" + transport.pageValue);
        try {
            profile = Files.createTempDirectory("portico-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        driver = start(options(profile));
    }

    /**
     * Debian's headless Chromium with a fresh profile and the flags this machine's closed network needs, and the
     * browser console's errors kept for {@link #scriptErrors()}.
     */
    static ChromeOptions options(Path profile) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BROWSER.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--disable-extensions", "--no-first-run", "--no-default-browser-check",
                "--disable-quic", "--user-data-dir=" + profile, "--window-size=" + DESKTOP.width + ","
                        + DESKTOP.height);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.SEVERE);
        options.setCapability("goog:loggingPrefs", logs);
        return options;
    }

    /** Starts Debian's chromedriver, which starts the browser; its log goes to {@code target/chromedriver.log}. */
    static ChromeDriver start(ChromeOptions options) {
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(new File("target/chromedriver.log"))
                .withAppendLog(true)
                .build();
        return new ChromeDriver(service, options);
    }

    @Override
    void load(String url) {
        collectConsoleErrors();
        driver.get(url);
    }

    @Override
    void reload() {
        collectConsoleErrors();
        driver.navigate().refresh();
    }

    @Override
    Object evaluate(String expression) {
        return ((JavascriptExecutor) driver).executeScript("return " + expression);
    }

    @Override
    void clickElement(String selector) {
        driver.findElement(By.cssSelector(selector)).click();
    }

    @Override
    void typeInto(String selector, String text) {
        driver.findElement(By.cssSelector(selector)).sendKeys(text);
    }

    /** WebDriver's file dialog: typing the absolute path into the input chooses the file and fires change. */
    @Override
    void chooseFile(String selector, Path file) {
        driver.findElement(By.cssSelector(selector)).sendKeys(file.toAbsolutePath().toString());
    }

    @Override
    void letThePageRun() {
        // Chromium runs the page on its own; Wait paces the checks.
    }

    /** Errors on the browser console: uncaught exceptions and failed loads, except the favicon the page has not. */
    @Override
    List<String> scriptErrors() {
        collectConsoleErrors();
        return List.copyOf(scriptErrors);
    }

    private void collectConsoleErrors() {
        for (LogEntry entry : driver.manage().logs().get(LogType.BROWSER)) {
            if (entry.getLevel().intValue() >= Level.SEVERE.intValue() && !entry.getMessage().contains("favicon")) {
                scriptErrors.add(entry.getMessage());
            }
        }
    }

    /** Resizes the browser window (the page's layout follows its width). */
    void resize(Dimension size) {
        driver.manage().window().setSize(size);
        await("the page to take the width " + size.width,
                () -> ((Number) evaluate("window.innerWidth")).intValue() <= size.width);
    }

    /**
     * Saves a PNG of what the window shows or, with {@code wholePage}, of the whole page as laid out at the
     * window's width; creates the folder if needed.
     */
    void screenshot(Path file, boolean wholePage) {
        Map<String, Object> parameters = new HashMap<>(Map.of("format", "png"));
        if (wholePage) {
            @SuppressWarnings("unchecked")
            Map<String, Object> size = (Map<String, Object>) driver.executeCdpCommand("Page.getLayoutMetrics",
                    Map.of()).get("cssContentSize");
            parameters.put("captureBeyondViewport", true);
            // Captured beyond the viewport the page has no scrollbar, so it is laid out at the window's full width.
            parameters.put("clip", Map.of("x", 0, "y", 0, "width", evaluate("window.innerWidth"), "height",
                    size.get("height"), "scale", 1));
        }
        String png = (String) driver.executeCdpCommand("Page.captureScreenshot", parameters).get("data");
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, Base64.getDecoder().decode(png));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                // a leftover temporary profile is harmless
            }
        }
    }
}
