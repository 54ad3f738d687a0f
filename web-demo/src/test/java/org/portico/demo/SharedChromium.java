package org.portico.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.PageLoadStrategy;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * One headless Chromium with many windows of the demo page, as one person with many tabs: one profile, so one
 * connection pool per host, which is what HTTP/1.1's six-connections-per-host limit and HTTP/2's one shared
 * connection are about ({@link ChromiumTab} gives each tab a browser of its own instead). Windows rather than tabs,
 * so none is in the background, where Chromium would slow its timers.
 *
 * <p>Navigation does not wait for the page to load (page load strategy "none"): a window whose requests the browser
 * holds back behind busy connections must not stop the test from looking at the others.
 */
final class SharedChromium implements AutoCloseable {

    private final Path profile;
    private final ChromeDriver driver;

    /** @param arguments more Chromium switches, e.g. the key to trust for a test certificate */
    SharedChromium(String... arguments) {
        try {
            profile = Files.createTempDirectory("portico-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = ChromiumTab.options(profile);
        options.addArguments(arguments);
        options.setPageLoadStrategy(PageLoadStrategy.NONE);
        driver = ChromiumTab.start(options);
    }

    /**
     * Opens the page in a new window (the first in the window the browser started with) without waiting for it.
     *
     * @param query the page's query string, e.g. {@code transport=bosh&wait=120}
     */
    Window open(URI portico, String query) {
        if (!driver.getWindowHandles().isEmpty() && !"about:blank".equals(driver.getCurrentUrl())) {
            driver.switchTo().newWindow(WindowType.WINDOW);
        }
        Window window = new Window(portico, query, driver.getWindowHandle());
        window.load(window.pageUrl());
        return window;
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

    /** One window of the shared browser: every primitive first brings the driver to it. */
    final class Window extends DemoTab {

        private final String handle;

        private Window(URI portico, String query, String handle) {
            super(portico, query);
            this.handle = handle;
        }

        private ChromeDriver focus() {
            driver.switchTo().window(handle);
            return driver;
        }

        @Override
        void load(String url) {
            focus().get(url);
        }

        @Override
        void reload() {
            focus().navigate().refresh();
        }

        @Override
        Object evaluate(String expression) {
            return ((JavascriptExecutor) focus()).executeScript("return " + expression);
        }

        @Override
        void clickElement(String selector) {
            focus().findElement(By.cssSelector(selector)).click();
        }

        @Override
        void typeInto(String selector, String text) {
            focus().findElement(By.cssSelector(selector)).sendKeys(text);
        }

        @Override
        void chooseFile(String selector, Path file) {
            focus().findElement(By.cssSelector(selector)).sendKeys(file.toAbsolutePath().toString());
        }

        @Override
        void letThePageRun() {
            // Chromium runs the page on its own
        }

        /** Not kept per window: the browser's console log is one for all of them. */
        @Override
        List<String> scriptErrors() {
            return List.of();
        }

        /** Windows close with the browser. */
        @Override
        public void close() {
            // SharedChromium.close quits the browser with every window
        }
    }
}
