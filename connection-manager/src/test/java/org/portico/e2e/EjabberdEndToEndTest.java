package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.portico.testing.BoshTestClient;
import org.portico.testing.LocalEjabberd;
import org.portico.testing.LocalProsody;
import org.portico.testing.PorticoHarness;
import org.portico.testing.WebSocketTestClient;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/**
 * Portico in front of a second real server, ejabberd (scripts/ejabberd-start.sh), STARTTLS between them: login over
 * BOSH and WebSocket and a chat message each way. Skipped unless that ejabberd runs.
 */
class EjabberdEndToEndTest {

    private static PorticoHarness portico;

    @BeforeAll
    static void start() throws Exception {
        portico = PorticoHarness.startInFrontOfEjabberd();
    }

    @AfterAll
    static void stop() throws Exception {
        if (portico != null) {
            portico.close();
        }
    }

    private static String body(XmlElement message) {
        return message.child(Namespaces.JABBER_CLIENT, "body").orElseThrow().text();
    }

    @Test
    void aBoshClientAndAWebSocketClientLogInThroughPorticoAndExchangeMessagesBothWays() throws Exception {
        try (BoshTestClient bosh = portico.boshClient(); WebSocketTestClient ws = portico.websocketClient()) {
            String boshJid = bosh.login("test1", LocalProsody.password("test1"), "ejabberd-bosh");
            String wsJid = ws.login("test2", LocalProsody.password("test2"), "ejabberd-ws");
            assertTrue(boshJid.startsWith("test1@" + LocalEjabberd.DOMAIN + "/"), boshJid);
            assertTrue(wsJid.startsWith("test2@" + LocalEjabberd.DOMAIN + "/"), wsJid);
            bosh.startPolling();

            ws.chat(boshJid, "e1", "from websocket via ejabberd");
            XmlElement atBosh = bosh.nextMessage(Duration.ofSeconds(10));
            assertNotNull(atBosh, "the BOSH client got nothing");
            assertEquals("from websocket via ejabberd", body(atBosh));
            bosh.send("<message xmlns='jabber:client' type='chat' to='" + wsJid + "' id='e2'>"
                    + "<body>from bosh via ejabberd</body></message>");
            assertEquals("from bosh via ejabberd", body(ws.nextMessage()));
        }
    }
}
