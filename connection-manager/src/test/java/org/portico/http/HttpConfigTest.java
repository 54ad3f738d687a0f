package org.portico.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portico.bosh.BoshConfig;
import org.portico.server.PorticoConfig;

/**
 * http.idleTimeout and bosh.maxHold: a connection must outlast the longest BOSH hold (XEP-0124 §7.1, {@code wait}),
 * or it idles out under a held request; hold defaults to what Prosody and ejabberd grant.
 */
class HttpConfigTest {

    @TempDir
    Path dir;

    private PorticoConfig load(String properties) throws Exception {
        Path file = dir.resolve("portico.properties");
        Files.writeString(file, properties);
        return PorticoConfig.load(file, Map.of());
    }

    @Test
    void theDefaultsHoldARequestForAMinuteOnAConnectionThatIdlesAfterNinetySeconds() {
        assertEquals(Duration.ofSeconds(90), HttpConfig.DEFAULT.idleTimeout());
        assertEquals(Duration.ofSeconds(60), BoshConfig.DEFAULT.maxWait());
        assertEquals(1, BoshConfig.DEFAULT.maxHold());
    }

    @Test
    void anIdleTimeoutThatDoesNotOutlastTheLongestHoldIsRefusedWithBothKeysNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load("http.idleTimeout = 60s\nbosh.maxWait = 60s\n"));

        assertTrue(e.getMessage().contains("http.idleTimeout") && e.getMessage().contains("bosh.maxWait"),
                e.getMessage());
    }

    @Test
    void anIdleTimeoutTenSecondsAboveTheLongestHoldIsAccepted() throws Exception {
        PorticoConfig config = load("http.idleTimeout = 40s\nbosh.maxWait = 30s\n");

        assertEquals(Duration.ofSeconds(40), config.http().idleTimeout());
        assertEquals(Duration.ofSeconds(30), config.bosh().maxWait());
    }

    @Test
    void aReadBufferTooSmallForARequestLineAndItsHeadersIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load("http.inputBufferBytes = 256\n"));

        assertTrue(e.getMessage().contains("http.inputBufferBytes"), e.getMessage());
    }

    @Test
    void theShippedConfigurationDocumentsTheIdleTimeoutAndHold() throws Exception {
        String text = Files.readString(Path.of("../conf/portico.properties"));

        assertTrue(text.contains("# http.idleTimeout (duration, default 90s"), "http.idleTimeout documented");
        assertTrue(text.contains("# bosh.maxHold (integer >= 1, default 1)"), "bosh.maxHold documented");
        assertTrue(text.contains("# http.inputBufferBytes (integer >= 512, default 2048)"),
                "http.inputBufferBytes documented");
    }

    /** Jetty's default header cache is a 96 kB table per connection; a held BOSH request keeps its connection. */
    @Test
    void theHeaderCacheIsOffByDefaultAndCanBeTurnedOn() throws Exception {
        assertEquals(0, HttpConfig.DEFAULT.headerCacheSize());
        assertEquals(512, load("http.headerCacheSize = 512\n").http().headerCacheSize());
    }

    /** Compressing a small answer costs more CPU than the bytes it saves are worth (R4 is a MAY). */
    @Test
    void responsesFromOneKibibyteAreCompressedUnlessConfiguredOtherwise() throws Exception {
        assertEquals(1024, HttpConfig.DEFAULT.gzipMinBytes());
        assertEquals(0, load("http.gzipMinBytes = 0\n").http().gzipMinBytes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load("http.gzipMinBytes = -1\n"));
        assertTrue(e.getMessage().contains("http.gzipMinBytes"), e.getMessage());
        assertTrue(Files.readString(Path.of("../conf/portico.properties"))
                .contains("# http.gzipMinBytes (integer >= 0, default 1024)"), "http.gzipMinBytes documented");
    }

    @Test
    void aNegativeHeaderCacheSizeIsRefusedWithItsKeyNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load("http.headerCacheSize = -1\n"));

        assertTrue(e.getMessage().contains("http.headerCacheSize"), e.getMessage());
    }
}
