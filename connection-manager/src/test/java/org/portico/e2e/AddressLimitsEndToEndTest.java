package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.portico.client.ClientConfig;
import org.portico.server.PorticoServer;
import org.portico.session.SessionLog;
import org.portico.store.testing.ManualTicker;
import org.portico.testing.BoshTestClient;
import org.portico.testing.LocalProsody;
import org.portico.testing.LogCapture;
import org.portico.testing.PorticoHarness;
import org.portico.testing.WebSocketTestClient;
import org.portico.upstream.TcpUpstreamConnector;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/**
 * Issue 11, point 7: the limits per client address, both transports counted together, against the real Prosody. A
 * session beyond {@code client.maxSessionsPerAddress}, or a creation beyond {@code client.newSessionsPerSecond}, is
 * refused with the spec's error and one log line naming the client: BOSH a terminal {@code policy-violation} body
 * (XEP-0124 §17), WebSocket {@code <stream:error><policy-violation/>} then {@code <close/>} (RFC 7395 §3.5, RFC 6120
 * §4.9.3.14). Time is Portico's clock, moved by hand.
 */
class AddressLimitsEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private final ManualTicker clock = new ManualTicker();
    private PorticoServer portico;

    private void start(ClientConfig client) throws Exception {
        LocalProsody.assumeRunning();
        var config = PorticoHarness.config().withClient(client);
        portico = new PorticoServer(config, new TcpUpstreamConnector(config.upstream()), clock).start();
    }

    @AfterEach
    void stop() {
        if (portico != null) {
            portico.close();
        }
    }

    private BoshTestClient bosh() {
        return new BoshTestClient(java.net.URI.create("http://127.0.0.1:" + portico.port() + "/http-bind"),
                LocalProsody.DOMAIN);
    }

    private WebSocketTestClient websocket() throws Exception {
        return WebSocketTestClient.connect(java.net.URI.create("ws://127.0.0.1:" + portico.port()
                + "/xmpp-websocket"), LocalProsody.DOMAIN);
    }

    /** A creation request whose answer is a terminal body: its condition. */
    private static String refusedBoshCreation(BoshTestClient client) throws Exception {
        XmlElement body = client.raw("<body xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh'"
                + " rid='1' to='" + LocalProsody.DOMAIN + "' wait='10' hold='1' ver='1.11' xmpp:version='1.0'/>",
                WAIT);
        assertEquals("terminate", body.attribute("type").orElse(null), body.toString());
        return body.attribute("condition").orElse(null);
    }

    /** Opens a stream that must be refused: the stream error's condition, after which the socket closes. */
    private static String refusedWebSocketStream(WebSocketTestClient client) throws Exception {
        client.open();
        XmlElement error = client.next(e -> e.is(Namespaces.STREAMS, "error"));
        client.next(e -> e.is(Namespaces.FRAMING, "close"));
        client.awaitClosed();
        return error.childElements().stream()
                .filter(e -> Namespaces.STREAM_ERRORS.equals(e.namespace()) && !"text".equals(e.localName()))
                .findFirst().map(XmlElement::localName).orElse(null);
    }

    /**
     * A session's {@code <close/>} is answered before it leaves the store (DEVELOPERS.md: client frames first, then
     * the lease): its place is free once the store has let it go.
     */
    private void awaitStoreSize(int sessions) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (portico.store().size() != sessions) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(portico.store() + " does not hold " + sessions + " within " + WAIT);
            }
            Thread.sleep(5);
        }
    }

    private static void assertOneRefusalLineNamingTheClient(LogCapture log, String prefix) {
        List<ILoggingEvent> lines = log.events().stream()
                .filter(e -> e.getFormattedMessage().startsWith(prefix + "policy-violation")).toList();
        assertEquals(1, lines.size(), "one line per refusal: " + lines);
        assertEquals("127.0.0.1", lines.get(0).getMDCPropertyMap().get(SessionLog.CLIENT));
    }

    @Test
    void anAddressHoldingItsMostSessionsIsRefusedAPolicyViolationOnBothTransportsUntilOneEnds() throws Exception {
        start(ClientConfig.builder().maxSessionsPerAddress(2).build());
        try (BoshTestClient first = bosh(); WebSocketTestClient second = websocket();
                BoshTestClient refusedBosh = bosh(); WebSocketTestClient refusedSocket = websocket();
                BoshTestClient later = bosh(); LogCapture log = LogCapture.start()) {
            first.create(10, false);
            second.openStream();

            assertEquals("policy-violation", refusedBoshCreation(refusedBosh));
            assertOneRefusalLineNamingTheClient(log, "BOSH request rejected: ");
            assertEquals("policy-violation", refusedWebSocketStream(refusedSocket));
            assertOneRefusalLineNamingTheClient(log, "WebSocket stream refused: ");

            second.send("<close xmlns='" + Namespaces.FRAMING + "'/>");
            second.awaitClosed();
            awaitStoreSize(1);
            assertTrue(later.create(10, false).is(Namespaces.STREAMS, "features"),
                    "the place of a session that ended is free again");
        }
    }

    @Test
    void creationsBeyondTheRateAreRefusedUntilTheClockHasRefilledTheBucket() throws Exception {
        start(ClientConfig.builder().newSessionsPerSecond(1).newSessionsBurst(2).build());
        try (BoshTestClient first = bosh(); WebSocketTestClient second = websocket();
                WebSocketTestClient refusedSocket = websocket(); BoshTestClient refusedBosh = bosh();
                BoshTestClient later = bosh(); LogCapture log = LogCapture.start()) {
            first.create(10, false);
            second.openStream();

            assertEquals("policy-violation", refusedWebSocketStream(refusedSocket));
            assertEquals("policy-violation", refusedBoshCreation(refusedBosh));
            assertOneRefusalLineNamingTheClient(log, "BOSH request rejected: ");
            assertOneRefusalLineNamingTheClient(log, "WebSocket stream refused: ");

            clock.advance(Duration.ofSeconds(1));
            assertTrue(later.create(10, false).is(Namespaces.STREAMS, "features"), "one more after a second");
        }
    }
}
