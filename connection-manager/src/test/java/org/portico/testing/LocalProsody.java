package org.portico.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Where the real upstream of the end-to-end tests is: the Prosody that {@code scripts/upstream-start.sh} runs on
 * loopback. Coordinates come from system properties (set by Maven from the environment) or the same environment
 * variables the scripts use, with the scripts' defaults.
 */
public final class LocalProsody {

    public static final String HOST = "127.0.0.1";
    public static final String DOMAIN = setting("portico.domain", "PORTICO_DOMAIN", "localhost");
    public static final int PORT = Integer.parseInt(setting("portico.xmpp.port", "PORTICO_XMPP_PORT", "15222"));
    public static final int HTTP_PORT = Integer.parseInt(setting("portico.upstream.http.port",
            "PORTICO_UPSTREAM_HTTP_PORT", "15280"));
    public static final Path RUN_DIR = Path.of(setting("portico.run.dir", "PORTICO_RUN_DIR",
            Path.of(System.getProperty("user.dir")).resolve("../run").normalize().toString()));
    /** Test accounts created by the start script: test1 … test10 by default, password "<name>pw". */
    public static final String PASSWORD_SUFFIX = "pw";

    private LocalProsody() {
    }

    /** A test setting: the system property, else the environment variable, else the fallback. */
    static String setting(String property, String environment, String fallback) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            value = System.getenv(environment);
        }
        return value == null || value.isBlank() ? fallback : value;
    }

    /** Prosody's self-signed certificate, trusted for STARTTLS. */
    public static Path certificate() {
        return RUN_DIR.resolve("prosody/certs/localhost.crt");
    }

    /** How many test accounts (test1 … testN) the start script created: {@code PORTICO_TEST_USERS}. */
    public static int testUsers() {
        return Integer.parseInt(setting("portico.test.users", "PORTICO_TEST_USERS", "10"));
    }

    public static String password(String user) {
        return user + PASSWORD_SUFFIX;
    }

    /**
     * Skips the calling test with a clear reason unless Prosody answers on its port. Under {@code scripts/test.sh}
     * ({@code portico.e2e.required=true}) a missing Prosody fails instead: the full run must never skip silently.
     */
    public static void assumeRunning() {
        if (Boolean.parseBoolean(setting("portico.e2e.required", "PORTICO_E2E_REQUIRED", "false"))) {
            org.junit.jupiter.api.Assertions.assertTrue(reachable(), "the local Prosody is not running on " + HOST
                    + ":" + PORT);
            return;
        }
        Assumptions.assumeTrue(reachable(), "the local Prosody is not running on " + HOST + ":" + PORT
                + " (start it with scripts/upstream-start.sh, or run scripts/test.sh)");
        Assumptions.assumeTrue(Files.isReadable(certificate()), "no Prosody certificate at " + certificate());
    }

    public static boolean reachable() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, PORT), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
