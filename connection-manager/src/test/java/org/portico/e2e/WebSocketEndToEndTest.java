package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.portico.testing.BoshTestClient;
import org.portico.testing.LocalProsody;
import org.portico.testing.PorticoHarness;
import org.portico.testing.WebSocketTestClient;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/** XMPP over WebSocket (RFC 7395) through Portico to the real Prosody, with STARTTLS between them. */
class WebSocketEndToEndTest {

    private static PorticoHarness portico;

    @BeforeAll
    static void start() throws Exception {
        portico = PorticoHarness.start();
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
    void openSaslPlainRestartAndBind_R83_R87_R93_R95() throws Exception {
        try (WebSocketTestClient client = portico.websocketClient()) {
            assertEquals("xmpp", client.subprotocol(), "the server echoes the xmpp subprotocol (R83)");
            client.open();
            XmlElement open = client.next();
            assertTrue(open.is(Namespaces.FRAMING, "open"), "the first answer is <open/> (R87): " + open);
            assertEquals(LocalProsody.DOMAIN, open.attribute("from").orElse(null));
            assertEquals("1.0", open.attribute("version").orElse(null));
            assertTrue(open.attribute("id").isPresent());
            assertNotNull(client.token() == null ? open.attribute(new javax.xml.namespace.QName(
                    Namespaces.PORTICO_RESUME, "token")).orElse(null) : client.token());
            XmlElement features = client.next();
            assertTrue(features.is(Namespaces.STREAMS, "features"), features.toString());
            assertTrue(features.child(Namespaces.TLS, "starttls").isEmpty(), "no starttls (R95)");
            client.send("<auth xmlns='" + Namespaces.SASL + "' mechanism='PLAIN'>"
                    + WebSocketTestClient.plain("test1", LocalProsody.password("test1")) + "</auth>");
            assertTrue(client.next().is(Namespaces.SASL, "success"));

            XmlElement restarted = client.openStream();
            assertTrue(restarted.child(Namespaces.BIND, "bind").isPresent(), "post-auth features after the "
                    + "restart (R93): " + restarted);
            client.send("<iq xmlns='jabber:client' type='set' id='b1'><bind xmlns='" + Namespaces.BIND
                    + "'><resource>ws</resource></bind></iq>");
            XmlElement bound = client.next(e -> e.is(Namespaces.JABBER_CLIENT, "iq"));
            assertTrue(bound.child(Namespaces.BIND, "bind").orElseThrow().child(Namespaces.BIND, "jid")
                    .orElseThrow().text().startsWith("test1@" + LocalProsody.DOMAIN + "/"));
            assertEquals("close", client.closeStream().localName(), "<close/> is answered with <close/>");
            assertEquals(1000, client.awaitClosed().status());
        }
    }
}
