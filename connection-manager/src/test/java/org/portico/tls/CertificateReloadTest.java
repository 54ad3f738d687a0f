package org.portico.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.portico.bosh.BoshConfig;
import org.portico.http.Http2Config;
import org.portico.http.HttpConfig;
import org.portico.server.PorticoConfig;
import org.portico.server.PorticoServer;
import org.portico.store.StoreConfig;
import org.portico.testing.InMemoryUpstream;
import org.portico.testing.LogCapture;
import org.portico.testing.TestCertificates;
import org.portico.testing.TestCertificates.Issued;
import org.portico.upstream.UpstreamConfig;
import org.portico.xml.XmlLimits;

/**
 * A renewed certificate is served without a restart: the files are replaced as certbot or an operator does, and
 * the next handshake presents the new certificate. The scan interval is the shortest Jetty's scanner has (1 s), and
 * a change counts once two scans in a row see it, so each reload is awaited for a few seconds at most.
 */
class CertificateReloadTest {

    /** Two scans of 1 s after the change, with room for a loaded machine. */
    private static final Duration RELOAD_WITHIN = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private PorticoServer portico;
    private Issued first;
    private Issued second;

    @AfterEach
    void stop() {
        if (portico != null) {
            portico.close();
        }
    }

    /** Issues two certificates and installs the first in {@code live/} (as certbot's live folder). */
    private Path live() throws Exception {
        first = TestCertificates.issue(dir, "portico-first");
        second = TestCertificates.issue(dir, "portico-second");
        Path live = Files.createDirectories(dir.resolve("live"));
        Files.copy(first.certificate(), live.resolve("fullchain.pem"));
        Files.copy(first.privateKey(), live.resolve("privkey.pem"));
        Files.copy(first.keyStore(), live.resolve("keystore.p12"));
        return live;
    }

    private void start(TlsConfig tls) throws Exception {
        PorticoConfig config = new PorticoConfig(HttpConfig.builder().port(0).build(), BoshConfig.DEFAULT,
                UpstreamConfig.builder().build(), XmlLimits.DEFAULT, new StoreConfig(10))
                .withTls(tls, Http2Config.DEFAULT);
        portico = new PorticoServer(config, new InMemoryUpstream.Factory()).start();
    }

    /** The certificate a fresh TLS handshake with Portico presents. */
    private Certificate presented() throws Exception {
        try (SSLSocket socket = (SSLSocket) TestCertificates.trusting(first, second).getSocketFactory()
                .createSocket("127.0.0.1", portico.tlsPort())) {
            socket.startHandshake();
            return socket.getSession().getPeerCertificates()[0];
        }
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + RELOAD_WITHIN.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() - deadline < 0, "waited " + RELOAD_WITHIN.toSeconds() + " s for " + what);
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"pem", "pkcs12"})
    void aReplacedCertificateIsServedToNewConnectionsWithoutARestart(String form) throws Exception {
        Path live = live();
        boolean pem = form.equals("pem");
        start((pem ? TlsConfig.builder().certificate(live.resolve("fullchain.pem"))
                .privateKey(live.resolve("privkey.pem"))
                : TlsConfig.builder().keyStore(live.resolve("keystore.p12")).keyStorePassword(TestCertificates.PASSWORD))
                .port(0).reloadInterval(Duration.ofSeconds(1)).build());
        assertEquals(first.x509(), presented());

        if (pem) {
            TestCertificates.replace(second.privateKey(), live.resolve("privkey.pem"));
            TestCertificates.replace(second.certificate(), live.resolve("fullchain.pem"));
        } else {
            TestCertificates.replace(second.keyStore(), live.resolve("keystore.p12"));
        }
        await("the reload", () -> portico.certificates().reloads() == 1);

        assertEquals(second.x509(), presented());
    }

    @Test
    void aCertificateWhoseKeyHasNotArrivedYetIsRefusedAndThePreviousOneStaysUntilTheKeyComes() throws Exception {
        Path live = live();
        start(TlsConfig.builder().port(0).certificate(live.resolve("fullchain.pem"))
                .privateKey(live.resolve("privkey.pem")).reloadInterval(Duration.ofSeconds(1)).build());
        try (LogCapture log = LogCapture.start()) {
            TestCertificates.replace(second.certificate(), live.resolve("fullchain.pem"));
            await("the warning about the unmatched key", () -> !log.lines(LogCapture.warnings()).isEmpty());

            assertEquals(first.x509(), presented(), "the previous certificate is still served");
            List<String> warnings = log.lines(LogCapture.warnings());
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).contains("does not belong to the first certificate"), warnings.get(0));
            assertEquals(0, portico.certificates().reloads());

            TestCertificates.replace(second.privateKey(), live.resolve("privkey.pem"));
            await("the reload once the key came", () -> portico.certificates().reloads() == 1);
            assertEquals(second.x509(), presented());
        }
    }
}
