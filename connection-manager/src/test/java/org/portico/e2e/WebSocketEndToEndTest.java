package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.portico.testing.BoshTestClient;
import org.portico.testing.LocalProsody;
import org.portico.testing.PorticoHarness;
import org.portico.testing.PorticoPerUpstream;
import org.portico.testing.Upstream;
import org.portico.testing.WebSocketTestClient;
import org.portico.upstream.TlsPolicy;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/**
 * XMPP over WebSocket (RFC 7395) through Portico to the real Prosody and ejabberd, over both upstream legs: STARTTLS
 * (the stream read by its own thread) and plain TCP (read by the upstream poller, written by the frame's thread).
 */
@ParameterizedClass(name = "upstream leg {0}")
@EnumSource(value = TlsPolicy.class, names = {"REQUIRED", "DISABLED"})
class WebSocketEndToEndTest {

    @Parameter
    TlsPolicy leg;

    @RegisterExtension
    static final PorticoPerUpstream UPSTREAMS = new PorticoPerUpstream();
    private static PorticoHarness portico;

    @BeforeAll
    static void start() throws Exception {
        portico = UPSTREAMS.in(Upstream.PROSODY);
    }

    private static String body(XmlElement message) {
        return message.child(Namespaces.JABBER_CLIENT, "body").orElseThrow().text();
    }

    @ParameterizedTest
    @EnumSource(Upstream.class)
    void openSaslPlainRestartAndBind_R83_R87_R93_R95(Upstream upstream) throws Exception {
        PorticoHarness portico = UPSTREAMS.in(upstream, leg);
        try (WebSocketTestClient client = portico.websocketClient()) {
            assertEquals("xmpp", client.subprotocol(), "the server echoes the xmpp subprotocol (R83)");
            client.open();
            XmlElement open = client.next();
            assertTrue(open.is(Namespaces.FRAMING, "open"), "the first answer is <open/> (R87): " + open);
            assertEquals(LocalProsody.DOMAIN, open.attribute("from").orElse(null));
            assertEquals("1.0", open.attribute("version").orElse(null));
            assertTrue(open.attribute("id").isPresent());
            assertTrue(open.attribute(new javax.xml.namespace.QName(Namespaces.PORTICO_RESUME, "token")).isPresent(),
                    "Portico's resume token (urn:portico:resume:0)");
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
    @ParameterizedTest
    @EnumSource(Upstream.class)
    void twoWebSocketClientsExchangeMessagesBothWays(Upstream upstream) throws Exception {
        PorticoHarness portico = UPSTREAMS.in(upstream, leg);
        try (WebSocketTestClient alice = portico.websocketClient();
                WebSocketTestClient bob = portico.websocketClient()) {
            String aliceJid = alice.login("test1", LocalProsody.password("test1"), "ws-both");
            String bobJid = bob.login("test2", LocalProsody.password("test2"), "ws-both");

            alice.chat(bobJid, "a1", "hello bob");
            assertEquals("hello bob", body(bob.nextMessage()));
            bob.chat(aliceJid, "b1", "hello alice");
            assertEquals("hello alice", body(alice.nextMessage()));
        }
    }

    @ParameterizedTest
    @EnumSource(Upstream.class)
    void aWebSocketClientAndABoshClientExchangeMessages(Upstream upstream) throws Exception {
        PorticoHarness portico = UPSTREAMS.in(upstream, leg);
        try (WebSocketTestClient ws = portico.websocketClient(); BoshTestClient bosh = portico.boshClient()) {
            String wsJid = ws.login("test1", LocalProsody.password("test1"), "ws-bosh");
            String boshJid = bosh.login("test2", LocalProsody.password("test2"), "ws-bosh");
            bosh.startPolling();

            ws.chat(boshJid, "w1", "from websocket");
            XmlElement atBosh = bosh.nextMessage(Duration.ofSeconds(10));
            assertNotNull(atBosh, "the BOSH client got nothing");
            assertEquals("from websocket", body(atBosh));
            bosh.send("<message xmlns='jabber:client' type='chat' to='" + wsJid + "' id='b1'><body>from bosh</body>"
                    + "</message>");
            assertEquals("from bosh", body(ws.nextMessage()));
        }
    }

    private static String authenticate(String user) {
        return "<authenticate xmlns='" + Namespaces.SASL2 + "' mechanism='PLAIN'><initial-response>"
                + WebSocketTestClient.plain(user, LocalProsody.password(user)) + "</initial-response>"
                + "<bind xmlns='urn:xmpp:bind:0'><tag>portico</tag></bind></authenticate>";
    }

    private static final String PING = "<iq xmlns='jabber:client' type='get' id='p1' to='" + LocalProsody.DOMAIN
            + "'><ping xmlns='urn:xmpp:ping'/></iq>";

    @Test
    void sasl2WithBind2LogsInWithoutARestart_XEP0388_XEP0386() throws Exception {
        try (WebSocketTestClient client = portico.websocketClient()) {
            XmlElement features = client.openStream();
            assertTrue(features.child(Namespaces.SASL2, "authentication").isPresent(), features.toString());

            client.send(authenticate("test3"));
            XmlElement success = client.next();

            assertTrue(success.is(Namespaces.SASL2, "success"), success.toString());
            assertTrue(success.child(Namespaces.SASL2, "authorization-identifier").orElseThrow().text()
                    .startsWith("test3@" + LocalProsody.DOMAIN + "/portico"), "bound by Bind 2: " + success);
            assertTrue(success.child("urn:xmpp:bind:0", "bound").isPresent());
            client.send(PING);
            XmlElement pong = client.next(e -> e.is(Namespaces.JABBER_CLIENT, "iq"));
            assertEquals("result", pong.attribute("type").orElse(null), "the stream works with no new <open/>");
        }
    }

    @Test
    void sasl2WithBind2OverBosh_XEP0388_XEP0206() throws Exception {
        try (BoshTestClient client = portico.boshClient()) {
            XmlElement features = client.create(30, true);
            assertTrue(features.child(Namespaces.SASL2, "authentication").isPresent(), features.toString());

            XmlElement response = client.request("", authenticate("test3"));
            while (response.childElements().isEmpty()) {
                response = client.request("", "");
            }
            XmlElement success = response.childElements().get(0);

            assertTrue(success.is(Namespaces.SASL2, "success"), response.toString());
            assertTrue(success.child("urn:xmpp:bind:0", "bound").isPresent());
            XmlElement response2 = client.request("", PING);
            XmlElement pong = null;
            while (pong == null) {
                pong = response2.childElements().stream().filter(e -> e.is(Namespaces.JABBER_CLIENT, "iq"))
                        .findFirst().orElse(null);
                response2 = pong == null ? client.request("", "") : response2;
            }
            assertEquals("result", pong.attribute("type").orElse(null), "no restart needed: " + pong);
        }
    }

    @ParameterizedTest
    @EnumSource(Upstream.class)
    void aServerStreamErrorIsOneMessageThenCloseThenTheSocketCloses_R89_R90(Upstream upstream) throws Exception {
        PorticoHarness portico = UPSTREAMS.in(upstream, leg);
        try (WebSocketTestClient first = portico.websocketClient();
                WebSocketTestClient second = portico.websocketClient()) {
            first.login("test6", LocalProsody.password("test6"), "twice");
            second.login("test6", LocalProsody.password("test6"), "twice");

            XmlElement error = first.next(e -> !e.is(Namespaces.JABBER_CLIENT, "presence"));
            assertTrue(error.is(Namespaces.STREAMS, "error"), "Prosody replaced the first session: " + error);
            assertTrue(error.child(Namespaces.STREAM_ERRORS, "conflict").isPresent());
            assertTrue(first.next().is(Namespaces.FRAMING, "close"), "then <close/>");
            assertEquals(1000, first.awaitClosed().status(), "then the WebSocket closing handshake");
        }
    }

    @Test
    void anOpenOutsideTheFramingNamespaceIsInvalidNamespace_R85_R89() throws Exception {
        try (WebSocketTestClient client = portico.websocketClient()) {
            client.send("<open xmlns='jabber:client' to='" + LocalProsody.DOMAIN + "' version='1.0'/>");

            assertTrue(client.next().is(Namespaces.FRAMING, "open"), "an <open/> first, as the error came while "
                    + "opening (R89)");
            XmlElement error = client.next();
            assertTrue(error.is(Namespaces.STREAMS, "error"));
            assertTrue(error.child(Namespaces.STREAM_ERRORS, "invalid-namespace").isPresent(), error.toString());
            assertTrue(client.next().is(Namespaces.FRAMING, "close"));
            assertEquals(1000, client.awaitClosed().status());
        }
    }

    @ParameterizedTest
    @EnumSource(Upstream.class)
    void aMessageThatIsNotWellFormedEndsTheStream_R86(Upstream upstream) throws Exception {
        PorticoHarness portico = UPSTREAMS.in(upstream, leg);
        try (WebSocketTestClient client = portico.websocketClient()) {
            client.login("test1", LocalProsody.password("test1"), "broken");
            client.send("<message xmlns='jabber:client'><body>unclosed</message>");

            XmlElement error = client.next(e -> e.is(Namespaces.STREAMS, "error"));
            assertTrue(error.child(Namespaces.STREAM_ERRORS, "not-well-formed").isPresent(), error.toString());
            assertTrue(client.next().is(Namespaces.FRAMING, "close"));
            assertEquals(1000, client.awaitClosed().status());
        }
    }

    @ParameterizedTest
    @EnumSource(Upstream.class)
    void xep0198PassesThroughAndEnabledCarriesNoLocation(Upstream upstream) throws Exception {
        PorticoHarness portico = UPSTREAMS.in(upstream, leg);
        try (WebSocketTestClient client = portico.websocketClient()) {
            client.login("test2", LocalProsody.password("test2"), "sm");
            client.send("<enable xmlns='" + Namespaces.SM + "' resume='true'/>");

            XmlElement enabled = client.next(e -> e.is(Namespaces.SM, "enabled"));

            assertTrue(enabled.attribute("id").isPresent(), "resumption granted: " + enabled);
            assertTrue(enabled.attribute("location").isEmpty(), "no TCP address a browser cannot use");
            client.send(PING);
            client.send("<r xmlns='" + Namespaces.SM + "'/>");
            XmlElement ack = client.next(e -> e.is(Namespaces.SM, "a"));
            assertEquals("1", ack.attribute("h").orElse(null), "the server counted our one stanza since enable");
        }
    }
}
