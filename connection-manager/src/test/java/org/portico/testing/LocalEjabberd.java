package org.portico.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Where the second real upstream is: the ejabberd that {@code scripts/ejabberd-start.sh} runs on loopback, with the
 * same domain and accounts as {@link LocalProsody}. Coordinates come from system properties or the scripts'
 * environment variables, with the scripts' defaults. {@code scripts/test.sh} starts it beside Prosody; run by hand
 * without it, tests against it are skipped.
 */
public final class LocalEjabberd {

    public static final String HOST = LocalProsody.HOST;
    public static final String DOMAIN = LocalProsody.DOMAIN;
    public static final int PORT = Integer.parseInt(LocalProsody.setting("portico.ejabberd.xmpp.port",
            "PORTICO_EJABBERD_XMPP_PORT", "16222"));
    public static final int HTTP_PORT = Integer.parseInt(LocalProsody.setting("portico.ejabberd.http.port",
            "PORTICO_EJABBERD_HTTP_PORT", "16280"));
    /** The second c2s port, whose connections must start with a PROXY protocol header. */
    public static final int PROXY_PORT = Integer.parseInt(LocalProsody.setting("portico.ejabberd.proxy.port",
            "PORTICO_EJABBERD_PROXY_PORT", "16223"));

    private LocalEjabberd() {
    }

    /** ejabberd's self-signed certificate, trusted for STARTTLS. */
    public static Path certificate() {
        return Path.of(LocalProsody.setting("portico.ejabberd.ca", "PORTICO_EJABBERD_CA",
                LocalProsody.RUN_DIR.resolve("ejabberd/certs/" + DOMAIN + ".crt").toString()));
    }

    /**
     * Skips the calling test with a clear reason unless ejabberd answers on its port and its certificate is there;
     * in the full run ({@code portico.e2e.required=true}) a missing ejabberd fails instead.
     */
    public static void assumeRunning() {
        if (Boolean.parseBoolean(LocalProsody.setting("portico.e2e.required", "PORTICO_E2E_REQUIRED", "false"))) {
            org.junit.jupiter.api.Assertions.assertTrue(reachable() && Files.isReadable(certificate()),
                    "the local ejabberd is not running on " + HOST + ":" + PORT + " with its certificate at "
                            + certificate());
            return;
        }
        Assumptions.assumeTrue(reachable(), "the local ejabberd is not running on " + HOST + ":" + PORT
                + " (start it with scripts/ejabberd-start.sh)");
        Assumptions.assumeTrue(Files.isReadable(certificate()), "no ejabberd certificate at " + certificate());
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
