package org.portico.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.c2s.ModularXmppClientToServerConnection;
import org.jivesoftware.smack.c2s.ModularXmppClientToServerConnectionConfiguration;
import org.jivesoftware.smack.filter.StanzaTypeFilter;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.websocket.XmppWebSocketTransportModuleDescriptor;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.jxmpp.jid.impl.JidCreate;
import org.portico.testing.LocalProsody;
import org.portico.testing.PorticoHarness;
import org.portico.testing.WebSocketTestClient;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/** A third-party RFC 7395 client, Smack's WebSocket transport, logs in through Portico and chats. */
class SmackWebSocketEndToEndTest {

    static {
        // Smack 4.5.0-beta5's StAX parser adapter reports the prefix of a default namespace declaration as "" where
        // Smack asserts it is null, so with assertions on (as under surefire) it fails on the first extension that
        // declares xmlns='…' - which every standalone RFC 7395 message does, from Prosody as from Portico. Smack
        // runs without assertions in applications; here it must too, set before any Smack class is loaded.
        SmackWebSocketEndToEndTest.class.getClassLoader().setPackageAssertionStatus("org.jivesoftware.smack", false);
    }

    @AutoClose
    private static PorticoHarness portico;

    @BeforeAll
    static void start() throws Exception {
        portico = PorticoHarness.start();
    }

    private static ModularXmppClientToServerConnection smack(String user, String resource) throws Exception {
        ModularXmppClientToServerConnectionConfiguration.Builder builder =
                ModularXmppClientToServerConnectionConfiguration.builder()
                        .setXmppAddressAndPassword(user + "@" + LocalProsody.DOMAIN, LocalProsody.password(user))
                        .setResource(resource)
                        // ws:// on loopback in the test; Portico itself speaks STARTTLS to Prosody
                        .setSecurityMode(SecurityMode.disabled);
        builder.removeAllModules();
        builder.addModule(XmppWebSocketTransportModuleDescriptor.getBuilder(builder)
                .explicitlySetWebSocketEndpointAndDiscovery(portico.websocketUri(), false).build());
        return new ModularXmppClientToServerConnection(builder.build());
    }

    @Test
    void smackLogsInOverWebSocketAndExchangesMessages_R83_R87_R93() throws Exception {
        ModularXmppClientToServerConnection connection = smack("test5", "smack");
        try (WebSocketTestClient peer = portico.websocketClient()) {
            BlockingQueue<Message> inbox = new LinkedBlockingQueue<>();
            connection.addAsyncStanzaListener(stanza -> inbox.add((Message) stanza), StanzaTypeFilter.MESSAGE);
            connection.connect();
            connection.login();
            assertTrue(connection.isAuthenticated());
            String smackJid = connection.getUser().toString();
            assertTrue(smackJid.startsWith("test5@" + LocalProsody.DOMAIN + "/smack"), smackJid);
            String peerJid = peer.login("test6", LocalProsody.password("test6"), "smack-peer");

            connection.sendStanza(connection.getStanzaFactory().buildMessageStanza()
                    .to(JidCreate.from(peerJid)).ofType(Message.Type.chat).setBody("hello from smack").build());
            XmlElement received = peer.nextMessage();
            assertEquals("hello from smack", received.child(Namespaces.JABBER_CLIENT, "body").orElseThrow().text());

            peer.chat(smackJid, "s1", "hello smack");
            Message answer = inbox.poll(10, TimeUnit.SECONDS);
            assertNotNull(answer, "Smack got nothing");
            assertEquals("hello smack", answer.getBody());
        } finally {
            connection.disconnect();
        }
    }
}
