package org.portico.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portico.server.PorticoConfig;

/** admin.*: the admin listener's keys, their defaults in the record, and their documentation in the shipped file. */
class AdminConfigTest {

    private static final String[] KEYS = {"admin.enabled", "admin.host", "admin.port", "admin.upstreamTimeout",
        "admin.upstreamCheckEvery", "admin.drainGrace"};

    @TempDir
    Path dir;

    private PorticoConfig load(String properties, Map<String, String> environment) throws Exception {
        Path file = dir.resolve("portico.properties");
        Files.writeString(file, properties);
        return PorticoConfig.load(file, environment);
    }

    @Test
    void aConfigurationFileTurnsTheAdminListenerOnAtLoopbackByDefault() throws Exception {
        AdminConfig admin = load("", Map.of()).admin();

        assertEquals(AdminConfig.DEFAULT, admin);
        assertTrue(admin.enabled());
        assertEquals("127.0.0.1", admin.host());
        assertEquals(7071, admin.port());
        assertEquals(Duration.ofSeconds(30), admin.drainGrace());
    }

    @Test
    void everyKeyIsReadFromTheFileAndTheEnvironmentOverridesIt() throws Exception {
        AdminConfig admin = load("""
                admin.enabled = true
                admin.host = 0.0.0.0
                admin.port = 9100
                admin.upstreamTimeout = 500ms
                admin.upstreamCheckEvery = 1s
                admin.drainGrace = 2m
                """, Map.of("PORTICO_CFG_ADMIN_PORT", "9200")).admin();

        assertEquals(new AdminConfig(true, "0.0.0.0", 9200, Duration.ofMillis(500), Duration.ofSeconds(1),
                Duration.ofMinutes(2)), admin);
    }

    @Test
    void aPorticoBuiltFromCodeHasNoAdminListenerUnlessAskedFor() {
        assertFalse(org.portico.testing.PorticoHarness.config().admin().enabled());
    }

    @Test
    void badValuesAreRefusedWithTheKeyNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> load("admin.port = 70000\n", Map.of()))
                .getMessage().contains("admin.port"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> load("admin.upstreamTimeout = 0s\n",
                Map.of())).getMessage().contains("admin.upstreamTimeout"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> load("admin.drainGrace = -1s\n", Map.of()))
                .getMessage().contains("admin.drainGrace"));
    }

    @Test
    void theShippedConfigurationDocumentsEveryAdminKeyAndLoads() throws Exception {
        Path shipped = Path.of("../conf/portico.properties");
        String text = Files.readString(shipped);

        for (String key : KEYS) {
            assertTrue(text.contains("# " + key + " ("), key + " documented");
        }
        assertEquals(AdminConfig.DEFAULT, PorticoConfig.load(shipped, Map.of()).admin());
    }
}
