package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import ch.qos.logback.classic.spi.ILoggingEvent;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.portico.session.SessionLog;
import org.portico.testing.BoshTestClient;
import org.portico.testing.LocalProsody;
import org.portico.testing.LogCapture;
import org.portico.testing.PorticoHarness;

/**
 * DEVELOPERS.md "Logging": the session id and the client's address are in the MDC of every line about a session,
 * the {@code portico.wire} lines included. A BOSH session's requests and answers are logged on Jetty's threads, which
 * carry no session; before, those lines read {@code sid=- client=-}, so a wire log could not tell whose request an
 * answer went to (the reload flake of 2026-12-06 was read by timing alone). Against the real Prosody.
 */
class WireLogEndToEndTest {

    @Test
    void everyBoshRequestAndAnswerOnTheWireLogNamesItsSessionAndClient() throws Exception {
        List<ILoggingEvent> lines;
        String sid;
        try (LogCapture logs = LogCapture.start()) {
            try (PorticoHarness portico = PorticoHarness.start(); BoshTestClient bosh = portico.boshClient()) {
                String jid = bosh.login("test1", LocalProsody.password("test1"), "wire-log");
                sid = bosh.sid();
                bosh.startPolling();
                bosh.send("<message xmlns='jabber:client' type='chat' to='" + jid + "' id='w1'><body>to myself"
                        + "</body></message>");
                assertNotNull(bosh.nextMessage(Duration.ofSeconds(10)), "the message came back");
            }
            lines = logs.events().stream().filter(e -> e.getLoggerName().equals("portico.wire")
                    && e.getFormattedMessage().startsWith("bosh ")).toList();
        }

        assertFalse(lines.isEmpty(), "the capture saw the BOSH wire log");
        for (ILoggingEvent line : lines) {
            String message = line.getFormattedMessage();
            boolean creationRequest = message.startsWith("bosh <- ") && !message.contains(sid);
            assertEquals(creationRequest ? null : sid, line.getMDCPropertyMap().get(SessionLog.SID), message);
            assertEquals("127.0.0.1", line.getMDCPropertyMap().get(SessionLog.CLIENT), message);
        }
    }
}
