package org.portico.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.Scheduler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.portico.testing.RecordingUpstreamListener;
import org.portico.upstream.UpstreamEnd.Reason;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/**
 * The upstream stream against the real local Prosody started by {@code scripts/upstream-start.sh}: STARTTLS with
 * certificate and hostname checks, SASL PLAIN passed through, the restart, resource binding, a clean close.
 *
 * <p>Reads the same settings the scripts hand to Maven: {@code portico.xmpp.port} / {@code PORTICO_XMPP_PORT}
 * (default 15222), {@code portico.domain} / {@code PORTICO_DOMAIN} (default localhost), and the certificate from
 * {@code portico.upstream.ca} / {@code PORTICO_UPSTREAM_CA}, else {@code <run dir>/prosody/certs/<domain>.crt} with
 * the run dir from {@code portico.run.dir} / {@code PORTICO_RUN_DIR}. Skipped when Prosody is not listening.
 */
@Timeout(60)
class UpstreamProsodyIT {

    private String domain;
    private int port;
    private Path certificate;
    private RecordingUpstreamListener listener;

    private static String setting(String property, String variable, String fallback) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            value = System.getenv(variable);
        }
        return value == null || value.isBlank() ? fallback : value;
    }

    @BeforeEach
    void findProsody() {
        domain = setting("portico.domain", "PORTICO_DOMAIN", "localhost");
        port = Integer.parseInt(setting("portico.xmpp.port", "PORTICO_XMPP_PORT", "15222"));
        String runDir = setting("portico.run.dir", "PORTICO_RUN_DIR", "run");
        certificate = Path.of(setting("portico.upstream.ca", "PORTICO_UPSTREAM_CA",
                Path.of(runDir, "prosody", "certs", domain + ".crt").toString()));
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress("127.0.0.1", port), 1000);
        } catch (IOException e) {
            Assumptions.abort("no Prosody on 127.0.0.1:" + port + " (start it with scripts/upstream-start.sh)");
        }
        Assumptions.assumeTrue(Files.isReadable(certificate), "Prosody's certificate " + certificate + " not found");
        listener = new RecordingUpstreamListener();
    }

    @AfterEach
    void checkContract() {
        if (listener != null) {
            listener.assertContractKept();
        }
    }

    @Test
    void startTlsSaslRestartBindAndCloseAgainstProsody() {
        UpstreamConfig config = UpstreamConfig.builder()
                .domain(domain, new UpstreamRoute("127.0.0.1", port, TlsPolicy.REQUIRED))
                .trustStore(certificate, null)
                .verifyHostname(true)
                .build();
        StreamHeader header = new StreamHeader(domain, null, "en", "1.0");
        Upstream upstream = new TcpUpstreamConnector(config, name -> List.of(), Scheduler.systemScheduler()).connect(header, null, listener);

        XmlElement serverHeader = listener.awaitOpened();
        assertEquals(domain, serverHeader.attribute("from").orElseThrow());
        XmlElement features = listener.awaitElement();
        assertTrue(features.child(Namespaces.SASL, "mechanisms").isPresent(), "SASL is offered after TLS: " + features);
        assertFalse(features.child(Namespaces.TLS, "starttls").isPresent(), "STARTTLS is not offered twice");
        assertTrue(upstream.toString().endsWith(" tls]"), upstream.toString());

        String credentials = Base64.getEncoder().encodeToString("\0test1\0test1pw".getBytes(StandardCharsets.UTF_8));
        upstream.send(UpstreamStreamTest.xml("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"
                + credentials + "</auth>"));
        XmlElement outcome = listener.awaitElement();
        assertTrue(outcome.is(Namespaces.SASL, "success"), "test1 authenticates: " + outcome);

        upstream.restart(header);
        upstream.writeQueuedWithoutWaiting();
        listener.awaitOpened();
        XmlElement restartedFeatures = listener.awaitElement();
        assertTrue(restartedFeatures.child(Namespaces.BIND, "bind").isPresent(), restartedFeatures.toString());

        upstream.send(UpstreamStreamTest.xml("<iq xmlns='jabber:client' type='set' id='bind1'>"
                + "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>upstream-it</resource></bind></iq>"));
        XmlElement bound = listener.awaitElement();
        assertEquals("result", bound.attribute("type").orElseThrow(), bound.toString());
        String jid = bound.child(Namespaces.BIND, "bind").orElseThrow()
                .child(Namespaces.BIND, "jid").orElseThrow().text();
        assertEquals("test1@" + domain + "/upstream-it", jid);

        upstream.close();
        assertEquals(Reason.CLOSED_BY_US, listener.awaitClosed().reason());
    }

    /**
     * RFC 6120 §6.4.6 and §4.4: after {@code <success/>} Prosody waits for a new stream header, so a stream closed
     * before its restart (a drain, a terminate or an expiry between a client's SASL success and its restart) must
     * open the new stream before closing it: a bare {@code </stream:stream>} would begin the new document with an
     * end tag, and Prosody answered it with a {@code not-well-formed} stream error.
     */
    @Test
    void aStreamClosedBetweenSaslSuccessAndItsRestartEndsWellFormed_RFC6120_6_4_6() {
        UpstreamConfig config = UpstreamConfig.builder()
                .domain(domain, new UpstreamRoute("127.0.0.1", port, TlsPolicy.REQUIRED))
                .trustStore(certificate, null)
                .build();
        StreamHeader header = new StreamHeader(domain, null, "en", "1.0");
        Upstream upstream = new TcpUpstreamConnector(config, name -> List.of(), Scheduler.systemScheduler())
                .connect(header, null, listener);
        listener.awaitOpened();
        listener.awaitElement();
        String credentials = Base64.getEncoder().encodeToString("\0test2\0test2pw".getBytes(StandardCharsets.UTF_8));
        upstream.send(UpstreamStreamTest.xml("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"
                + credentials + "</auth>"));
        XmlElement outcome = listener.awaitElement();
        assertTrue(outcome.is(Namespaces.SASL, "success"), "test2 authenticates: " + outcome);

        upstream.close();

        UpstreamEnd end = null;
        while (end == null) {
            if (listener.next() instanceof RecordingUpstreamListener.Closed closed) {
                end = closed.end();
            }
        }
        assertEquals(Reason.CLOSED_BY_US, end.reason(), "Prosody answered our close, no stream error: " + end);
        assertEquals("closed; the server answered", end.detail());
    }

    @Test
    void prosodysStreamErrorForAnUnservedDomainIsReported() {
        String other = "not-" + domain;
        UpstreamConfig config = UpstreamConfig.builder()
                .domain(other, new UpstreamRoute("127.0.0.1", port, TlsPolicy.REQUIRED))
                .trustStore(certificate, null)
                .build();

        new TcpUpstreamConnector(config, name -> List.of(), Scheduler.systemScheduler())
                .connect(new StreamHeader(other, null, null, "1.0"), null, listener);

        UpstreamEnd end = listener.awaitClosed();
        assertEquals(Reason.STREAM_ERROR, end.reason(), end.toString());
        assertEquals("host-unknown", UpstreamFailure.condition(end.streamError()), "RFC 6120 §4.9.3.6");
    }
}
