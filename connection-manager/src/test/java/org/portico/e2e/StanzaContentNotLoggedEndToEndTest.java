package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.portico.testing.BoshTestClient;
import org.portico.testing.LocalProsody;
import org.portico.testing.LogCapture;
import org.portico.testing.PorticoHarness;
import org.portico.testing.WebSocketTestClient;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/**
 * No stanza content in logs above DEBUG (DEVELOPERS.md "Logging", issue 12 security review): a BOSH user and a
 * WebSocket user log in through Portico to Prosody and exchange messages whose bodies are recognisable, then each
 * sends a malformed request carrying another; no log event at INFO or above — its message, its MDC or its stack
 * trace — contains a body or the SASL credentials. The same text is on the {@code portico.wire} logger at DEBUG,
 * which proves the capture saw the traffic.
 */
class StanzaContentNotLoggedEndToEndTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Test
    void messageBodiesAndCredentialsReachOnlyTheDebugWireLog() throws Exception {
        String fromBosh = "bosh-secret-" + UUID.randomUUID();
        String fromWebSocket = "ws-secret-" + UUID.randomUUID();
        String inBrokenBosh = "broken-bosh-secret-" + UUID.randomUUID();
        String inBrokenWebSocket = "broken-ws-secret-" + UUID.randomUUID();
        List<String> secrets = List.of(fromBosh, fromWebSocket, inBrokenBosh, inBrokenWebSocket,
                WebSocketTestClient.plain("test1", LocalProsody.password("test1")),
                WebSocketTestClient.plain("test2", LocalProsody.password("test2")));
        List<ILoggingEvent> events;
        try (LogCapture logs = LogCapture.start()) {
            try (PorticoHarness portico = PorticoHarness.start();
                    BoshTestClient bosh = portico.boshClient();
                    WebSocketTestClient ws = portico.websocketClient()) {
                String boshJid = bosh.login("test1", LocalProsody.password("test1"), "log-check");
                String wsJid = ws.login("test2", LocalProsody.password("test2"), "log-check");
                bosh.startPolling();

                bosh.send("<message xmlns='jabber:client' type='chat' to='" + wsJid + "' id='b1'><body>" + fromBosh
                        + "</body></message>");
                assertEquals(fromBosh, body(ws.nextMessage()));
                ws.chat(boshJid, "w1", fromWebSocket);
                XmlElement atBosh = bosh.nextMessage(TIMEOUT);
                assertNotNull(atBosh, "the BOSH client got nothing");
                assertEquals(fromWebSocket, body(atBosh));

                // unparseable, so its rid is never read: taking one from the session's sequence would leave a gap
                bosh.post("<body xmlns='http://jabber.org/protocol/httpbind' rid='1' sid='" + bosh.sid()
                        + "'><message><body>" + inBrokenBosh + "</message></body>");
                ws.send("<message xmlns='jabber:client'><body>" + inBrokenWebSocket + "</message>");
                XmlElement error = ws.next(e -> e.is(Namespaces.STREAMS, "error"));
                assertTrue(error.child(Namespaces.STREAM_ERRORS, "not-well-formed").isPresent(), error.toString());
            }
            events = logs.events();
        }

        for (String secret : secrets) {
            for (ILoggingEvent event : events) {
                if (event.getLevel().isGreaterOrEqual(Level.INFO)) {
                    assertFalse(text(event).contains(secret), "stanza content at " + event.getLevel() + " on "
                            + event.getLoggerName() + ": " + event.getFormattedMessage());
                }
            }
        }
        for (String secret : List.of(fromBosh, fromWebSocket)) {
            assertTrue(events.stream().anyMatch(e -> e.getLevel() == Level.DEBUG
                    && e.getLoggerName().equals("portico.wire") && text(e).contains(secret)),
                    "the wire log at DEBUG has " + secret + ", so the capture saw the traffic");
        }
    }

    private static String body(XmlElement message) {
        return message.child(Namespaces.JABBER_CLIENT, "body").orElseThrow().text();
    }

    /** Everything a log line could show: message, MDC and stack trace. */
    private static String text(ILoggingEvent event) {
        return event.getFormattedMessage() + " " + event.getMDCPropertyMap()
                + (event.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(event.getThrowableProxy()));
    }
}
