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
 * environment variables, with the scripts' defaults. Tests against it are skipped while it is not running:
 * {@code scripts/test.sh} does not start it.
 */
public final class LocalEjabberd {

    public static final String HOST = LocalProsody.HOST;
    public static final String DOMAIN = LocalProsody.DOMAIN;
    public static final int PORT = Integer.parseInt(LocalProsody.setting("portico.ejabberd.xmpp.port",
            "PORTICO_EJABBERD_XMPP_PORT", "56222"));
    public static final int HTTP_PORT = Integer.parseInt(LocalProsody.setting("portico.ejabberd.http.port",
            "PORTICO_EJABBERD_HTTP_PORT", "56280"));
    /** The second c2s port, whose connections must start with a PROXY protocol header. */
    public static final int PROXY_PORT = Integer.parseInt(LocalProsody.setting("portico.ejabberd.proxy.port",
            "PORTICO_EJABBERD_PROXY_PORT", "56223"));

    private LocalEjabberd() {
    }

    /** ejabberd's self-signed certificate, trusted for STARTTLS. */
    public static Path certificate() {
        return Path.of(LocalProsody.setting("portico.ejabberd.ca", "PORTICO_EJABBERD_CA",
                LocalProsody.RUN_DIR.resolve("ejabberd/certs/" + DOMAIN + ".crt").toString()));
    }

    /** Skips the calling test with a clear reason unless ejabberd answers on its port and its certificate is there. */
    public static void assumeRunning() {
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
