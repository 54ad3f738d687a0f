package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.portico.client.ClientConfig;
import org.portico.session.SessionLog;
import org.portico.testing.BoshTestClient;
import org.portico.testing.LocalProsody;
import org.portico.testing.LogCapture;
import org.portico.testing.PorticoHarness;
import org.portico.testing.WebSocketTestClient;
import org.portico.xml.XmlElement;

/**
 * Issue 11, points 2 and 3: {@code Forwarded} (RFC 7239) and {@code X-Forwarded-For} are believed only from a peer
 * in {@code client.trustedProxies}; the address so found is the one each session line and each refusal line names
 * ({@code client} in the MDC) and the one the limits per address count. A request from any other peer keeps its
 * socket's address, whatever headers it sends. Against the real Prosody, over BOSH and WebSocket.
 */
class ClientAddressEndToEndTest {

    private static final String BROWSER = "203.0.113.10";
    private static final String OTHER_BROWSER = "203.0.113.20";
    private final HttpClient http = HttpClient.newHttpClient();
    private PorticoHarness portico;

    private void start(List<String> trustedProxies) throws Exception {
        portico = PorticoHarness.start(config -> config.withClient(ClientConfig.builder()
                .trustedProxies(trustedProxies).maxSessionsPerAddress(1).build()));
    }

    @AfterEach
    void stop() {
        if (portico != null) {
            portico.close();
        }
        http.close();
    }

    /** A BOSH session creation (XEP-0124 §7.1) with extra headers; returns the first response's body. */
    private XmlElement create(String header, String value) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(portico.boshUri()).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "text/xml; charset=utf-8").header(header, value)
                .POST(HttpRequest.BodyPublishers.ofString("<body xmlns='http://jabber.org/protocol/httpbind' "
                        + "xmlns:xmpp='urn:xmpp:xbosh' rid='1000' to='" + LocalProsody.DOMAIN + "' wait='10' "
                        + "hold='1' ver='1.11' xmpp:version='1.0'/>", StandardCharsets.UTF_8)).build();
        return BoshTestClient.parse(http.send(request, HttpResponse.BodyHandlers.ofString()).body());
    }

    private static String client(List<ILoggingEvent> events, String message) {
        return events.stream().filter(e -> e.getFormattedMessage().startsWith(message)).findFirst()
                .map(e -> e.getMDCPropertyMap().get(SessionLog.CLIENT))
                .orElseThrow(() -> new AssertionError("no line '" + message + "' in " + events));
    }

    @Test
    void behindATrustedProxyEachBoshSessionIsTheForwardedBrowsersAndSoIsItsLimit() throws Exception {
        start(List.of("127.0.0.1"));
        try (LogCapture log = LogCapture.start()) {
            XmlElement first = create("X-Forwarded-For", BROWSER);
            assertTrue(first.attribute("sid").isPresent(), "created: " + first);
            assertEquals(BROWSER, client(log.events(), "BOSH session created"));

            log.clear();
            XmlElement second = create("Forwarded", "for=" + OTHER_BROWSER + ";proto=https");
            assertTrue(second.attribute("sid").isPresent(), "another browser has its own limit: " + second);
            assertEquals(OTHER_BROWSER, client(log.events(), "BOSH session created"));

            log.clear();
            XmlElement third = create("X-Forwarded-For", BROWSER);
            assertEquals("policy-violation", third.attribute("condition").orElse(null), third.toString());
            assertEquals(BROWSER, client(log.events(), "BOSH request rejected: policy-violation"));
        }
    }

    @Test
    void fromAnUntrustedPeerTheForwardingHeadersAreIgnored() throws Exception {
        start(List.of("10.9.9.9", "192.0.2.0/24"));
        try (LogCapture log = LogCapture.start()) {
            XmlElement first = create("X-Forwarded-For", BROWSER);
            assertTrue(first.attribute("sid").isPresent(), "created: " + first);
            assertEquals("127.0.0.1", client(log.events(), "BOSH session created"));

            log.clear();
            XmlElement second = create("Forwarded", "for=" + OTHER_BROWSER);
            assertEquals("policy-violation", second.attribute("condition").orElse(null),
                    "the same socket address, whatever the header says: " + second);
            assertEquals("127.0.0.1", client(log.events(), "BOSH request rejected: policy-violation"));
        }
    }

    @Test
    void aWebSocketBehindATrustedProxyIsTheForwardedBrowsers() throws Exception {
        start(List.of("127.0.0.1"));
        try (LogCapture log = LogCapture.start()) {
            WebSocketTestClient socket = WebSocketTestClient.connect(portico.websocketUri(), LocalProsody.DOMAIN,
                    Map.of("X-Forwarded-For", BROWSER));
            try {
                socket.openStream();
                assertEquals(BROWSER, client(log.events(), "WebSocket session"));
            } finally {
                socket.close();
            }
        }
    }

    @Test
    void aWebSocketFromAnUntrustedPeerKeepsItsSocketAddress() throws Exception {
        start(List.of("10.9.9.9"));
        try (LogCapture log = LogCapture.start()) {
            WebSocketTestClient socket = WebSocketTestClient.connect(portico.websocketUri(), LocalProsody.DOMAIN,
                    Map.of("X-Forwarded-For", BROWSER));
            try {
                socket.openStream();
                assertEquals("127.0.0.1", client(log.events(), "WebSocket session"));
            } finally {
                socket.close();
            }
        }
    }

    @Test
    void theShippedLogPatternPrintsTheClientOnEveryLine() throws Exception {
        String logback = java.nio.file.Files.readString(java.nio.file.Path.of("../conf/logback.xml"));

        assertTrue(logback.contains("client=%X{" + SessionLog.CLIENT + ":--}"), logback);
    }
}
