package org.portico.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.Scheduler;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.portico.testing.LogCapture;
import org.portico.testing.RecordingUpstreamListener;
import org.portico.testing.ScriptedXmppServer;
import org.portico.testing.ScriptedXmppServer.Peer;
import org.portico.testing.UpstreamThreads;
import org.portico.upstream.UpstreamEnd.Reason;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/** STARTTLS to the upstream, done by Portico before the session sees anything (RFC 6120 §5; XEP-0124 §19.2, R63). */
@Timeout(60)
class UpstreamStartTlsTest {

    private ScriptedXmppServer server;
    private RecordingUpstreamListener listener;

    @BeforeEach
    void start() throws IOException {
        server = new ScriptedXmppServer();
        listener = new RecordingUpstreamListener();
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        listener.assertContractKept();
    }

    /** Domain {@code domain} served by the scripted server with the given policy, trusting the test certificate. */
    private Upstream connect(String domain, TlsPolicy policy, UnaryOperator<UpstreamConfig.Builder> settings) {
        return connect(domain, policy, settings, server);
    }

    private Upstream connect(String domain, TlsPolicy policy, UnaryOperator<UpstreamConfig.Builder> settings,
            ScriptedXmppServer server) {
        UpstreamConfig.Builder builder = UpstreamConfig.builder()
                .domain(domain, new UpstreamRoute("127.0.0.1", server.port(), policy))
                .trustStore(ScriptedXmppServer.TRUST_PEM, null);
        return new TcpUpstreamConnector(settings.apply(builder).build(), name -> List.of(), Scheduler.systemScheduler())
                .connect(new StreamHeader(domain, null, "en", "1.0"), null, listener);
    }

    /** The server half of RFC 6120 §9.1.2: features with STARTTLS, proceed, handshake. */
    private Peer negotiateTls() throws IOException {
        return negotiateTls(server);
    }

    /**
     * The server's side of a whole opening over TLS (STARTTLS, the new stream, its features); returns once the
     * listener has the secured header and features.
     */
    private Peer openedOverTls(ScriptedXmppServer server) throws IOException {
        Peer peer = negotiateTls(server);
        peer.expectHeader();
        peer.open("secure", ScriptedXmppServer.FEATURES_SASL);
        assertEquals("secure", listener.awaitOpened().attribute("id").orElseThrow());
        listener.awaitElement();
        return peer;
    }

    private static Peer negotiateTls(ScriptedXmppServer server) throws IOException {
        Peer peer = server.accept();
        peer.expectHeader();
        peer.open("plain", ScriptedXmppServer.FEATURES_STARTTLS);
        assertTrue(peer.expect("/>").contains("<starttls xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\"/>"));
        peer.send(ScriptedXmppServer.PROCEED);
        peer.startTls();
        return peer;
    }

    @ParameterizedTest(name = "trust store {0}")
    @CsvSource({"tls/localhost.crt,", "tls/truststore.p12,portico"})
    void requiredStartTlsIsNegotiatedAndOnlyTheSecuredStreamIsReported(String trust, String password)
            throws IOException {
        Path trustStore = trust.endsWith(".crt") ? ScriptedXmppServer.TRUST_PEM : ScriptedXmppServer.TRUST_PKCS12;
        Upstream upstream = connect("localhost", TlsPolicy.REQUIRED, b -> b.trustStore(trustStore, password));
        Peer peer = negotiateTls();

        String header = peer.expectHeader();
        assertTrue(header.contains("to='localhost'"), "RFC 6120 §5.4.3.3: a new stream over TLS: " + header);
        peer.open("secure", ScriptedXmppServer.FEATURES_SASL);

        assertEquals("secure", listener.awaitOpened().attribute("id").orElseThrow(),
                "the plain-text header is never reported");
        XmlElement features = listener.awaitElement();
        assertTrue(features.child(Namespaces.SASL, "mechanisms").isPresent());
        assertFalse(features.child(Namespaces.TLS, "starttls").isPresent());
        assertTrue(upstream.toString().endsWith(" OPEN tls]"), upstream.toString());

        upstream.send(UpstreamStreamTest.xml("<message xmlns='jabber:client' id='secret'/>"));
        assertTrue(peer.expect("/>").contains("id=\"secret\""));
        peer.send("<message id='reply'/>");
        assertEquals("reply", listener.awaitElement().attribute("id").orElseThrow());
    }

    /**
     * A TLS stream whose session never waits (WebSocket, BOSH) is read by the poller once negotiated, as a plain
     * one is: it holds no reader thread (issue 10, the cost per session with TLS to the server), and everything
     * still goes both ways: stanzas larger than a TLS record, and after the server updates its keys and asks us to
     * update ours (RFC 8446 §4.6.3).
     */
    @Test
    void aTlsStreamWhoseSessionNeverWaitsIsReadByThePollerAndHoldsNoThread() throws Exception {
        listener = new RecordingUpstreamListener(true);
        Upstream upstream = connect("localhost", TlsPolicy.REQUIRED, b -> b);
        Peer peer = openedOverTls(server);
        assertTrue(upstream.toString().endsWith(" OPEN tls]"), upstream.toString());

        // the reader thread ends just after it handed the stream over; no writer runs while nothing is queued
        assertEquals(0, UpstreamThreads.awaitNoneFor("localhost", ScriptedXmppServer.TIMEOUT),
                "the open TLS stream is read by the poller");

        String large = "x".repeat(70_000); // more than four TLS records' worth
        upstream.send(UpstreamStreamTest.xml("<message xmlns='jabber:client' id='big-out'><body>" + large
                + "</body></message>"));
        assertTrue(peer.expect("</message>").contains(large), "a stanza of several records reaches the server");
        peer.send("<message id='big-in'><body>" + large + "</body></message>");
        XmlElement in = listener.awaitElement();
        assertEquals("big-in", in.attribute("id").orElseThrow());
        assertEquals(large, in.child(Namespaces.JABBER_CLIENT, "body").orElseThrow().text());

        peer.rekey();
        peer.send("<message id='after-key-update'/>");
        assertEquals("after-key-update", listener.awaitElement().attribute("id").orElseThrow());
        upstream.send(UpstreamStreamTest.xml("<message xmlns='jabber:client' id='out-after-key-update'/>"));
        assertTrue(peer.expect("/>").contains("id=\"out-after-key-update\""));
    }

    /**
     * A TLS stream whose session may wait keeps its reader thread, which reads blocking: records of the largest size
     * come through whole, both ways.
     */
    @Test
    void aTlsStreamReadBlockingRelaysFullSizeRecords() throws Exception {
        Upstream upstream = connect("localhost", TlsPolicy.REQUIRED, b -> b);
        Peer peer = openedOverTls(server);

        String large = "z".repeat(70_000);
        peer.send("<message id='big-in'><body>" + large + "</body></message>");
        XmlElement in = listener.awaitElement();
        assertEquals(large, in.child(Namespaces.JABBER_CLIENT, "body").orElseThrow().text());
        upstream.send(UpstreamStreamTest.xml("<message xmlns='jabber:client' id='big-out'><body>" + large
                + "</body></message>"));
        assertTrue(peer.expect("</message>").contains(large));
    }

    /**
     * A server that stops reading while a TLS stream read by the poller writes to it: the records the socket did
     * not take wait, and once the server reads again every stanza arrives whole and in order, none twice.
     */
    @Test
    void recordsASlowServerCouldNotTakeAtOnceArriveWholeAndInOrder() throws Exception {
        try (ScriptedXmppServer slow = new ScriptedXmppServer(4096)) {
            listener = new RecordingUpstreamListener(true);
            Upstream upstream = connect("localhost", TlsPolicy.REQUIRED, b -> b.maxQueuedWriteBytes(16 << 20), slow);
            Peer peer = openedOverTls(slow);

            String body = "y".repeat(20_000);
            int count = 300; // 6 MB: more than the socket buffers hold while the server does not read (4 MB here)
            for (int n = 0; n < count; n++) {
                upstream.send(UpstreamStreamTest.xml("<message xmlns='jabber:client' id='m" + n + "'><body>" + body
                        + "</body></message>"));
            }
            // a server silent for a while: the stanzas are queued and their writer meets a full socket meanwhile
            Thread.sleep(200);
            for (int n = 0; n < count; n++) {
                String stanza = peer.expect("</message>");
                // the body exactly, so that a record sent twice shows even inside its run of one letter
                assertTrue(stanza.contains("id=\"m" + n + "\"") && stanza.contains("<body>" + body + "</body>"),
                        "stanza " + n + " whole and in order");
            }
            assertTrue(upstream.toString().endsWith(" OPEN tls]"), "the stream stays open: " + upstream);
        }
    }

    @Test
    void requiredButNotOfferedFailsTheConnection() throws IOException {
        connect("localhost", TlsPolicy.REQUIRED, b -> b);
        Peer peer = server.accept();
        peer.expectHeader();
        peer.open("plain", ScriptedXmppServer.FEATURES_SASL);

        UpstreamEnd end = listener.awaitClosed();
        assertEquals(Reason.CONNECTION_FAILED, end.reason(), "XEP-0124 remote-connection-failed");
        assertTrue(end.detail().contains("does not offer"), end.detail());
        assertFalse(peer.readToEnd().contains("<auth"), "nothing goes out in plain text");
    }

    @Test
    void aStartTlsFailureFailsTheConnection() throws IOException {
        connect("localhost", TlsPolicy.REQUIRED, b -> b);
        Peer peer = server.accept();
        peer.expectHeader();
        peer.open("plain", ScriptedXmppServer.FEATURES_STARTTLS);
        peer.expect("<starttls xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\"/>");
        peer.send("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" + ScriptedXmppServer.CLOSING_TAG);

        assertEquals(Reason.CONNECTION_FAILED, listener.awaitClosed().reason());
    }

    @Test
    void aCertificateForAnotherNameIsRejected() throws IOException {
        connect("example.org", TlsPolicy.REQUIRED, b -> b);
        Peer peer = server.accept();
        peer.expectHeader();
        peer.open("plain", ScriptedXmppServer.FEATURES_STARTTLS);
        peer.expect("<starttls xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\"/>");
        peer.send(ScriptedXmppServer.PROCEED);

        assertThrows(IOException.class, peer::startTls, "the client aborts the handshake");
        UpstreamEnd end = listener.awaitClosed();
        assertEquals(Reason.CONNECTION_FAILED, end.reason(), "RFC 6125 §6: the domain is the reference identity");
        assertTrue(end.detail().contains("handshake"), end.detail());
    }

    /** Turning the check off is allowed, and said once at WARN when the connector is made. */
    @Test
    void withoutHostnameVerificationATrustedCertificateForAnotherNameIsAccepted() throws IOException {
        try (LogCapture log = LogCapture.start()) {
            connect("example.org", TlsPolicy.REQUIRED, b -> b.verifyHostname(false));
            assertEquals(List.of("upstream certificates are not checked against the XMPP domain"
                    + " (upstream.verifyHostname=false)"), log.lines(LogCapture.warnings()));
        }
        Peer peer = negotiateTls();
        peer.expectHeader();
        peer.open("secure", ScriptedXmppServer.FEATURES_SASL);

        assertEquals("secure", listener.awaitOpened().attribute("id").orElseThrow());
        listener.awaitElement();
    }

    @Test
    void anUntrustedCertificateIsRejected() throws IOException {
        connect("localhost", TlsPolicy.REQUIRED, b -> b.trustStore(null, null));
        Peer peer = server.accept();
        peer.expectHeader();
        peer.open("plain", ScriptedXmppServer.FEATURES_STARTTLS);
        peer.expect("<starttls xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\"/>");
        peer.send(ScriptedXmppServer.PROCEED);

        assertThrows(IOException.class, peer::startTls);
        assertEquals(Reason.CONNECTION_FAILED, listener.awaitClosed().reason(), "the JDK's trust has no test CA");
    }

    @Test
    void optionalWithoutStartTlsProceedsInPlainText() throws IOException {
        Upstream upstream = connect("localhost", TlsPolicy.OPTIONAL, b -> b);
        Peer peer = server.accept();
        peer.expectHeader();
        peer.open("plain", ScriptedXmppServer.FEATURES_SASL);

        assertEquals("plain", listener.awaitOpened().attribute("id").orElseThrow());
        assertTrue(listener.awaitElement().child(Namespaces.SASL, "mechanisms").isPresent());
        assertTrue(upstream.toString().endsWith(" plain]"), upstream.toString());
    }

    @Test
    void optionalUsesStartTlsWhenOffered() throws IOException {
        Upstream upstream = connect("localhost", TlsPolicy.OPTIONAL, b -> b);
        openedOverTls(server);
        assertTrue(upstream.toString().endsWith(" tls]"), upstream.toString());
    }

    @Test
    void disabledRelaysTheFirstFeaturesAsTheyAre() throws IOException {
        Upstream upstream = connect("localhost", TlsPolicy.DISABLED, b -> b);
        Peer peer = server.accept();
        peer.expectHeader();
        peer.open("plain", ScriptedXmppServer.FEATURES_STARTTLS);

        listener.awaitOpened();
        assertTrue(listener.awaitElement().child(Namespaces.TLS, "starttls").isPresent(),
                "stripping <starttls/> is the session's job (XEP-0206 §4, RFC 7395 §3.9)");
        upstream.send(UpstreamStreamTest.xml("<presence xmlns='jabber:client'/>"));
        assertEquals("<presence/>", peer.expect("<presence/>"), "Portico sent no <starttls/> of its own");
    }
}
