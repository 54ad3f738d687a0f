package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.StanzaCollector;
import org.jivesoftware.smack.bosh.BOSHConfiguration;
import org.jivesoftware.smack.bosh.XMPPBOSHConnection;
import org.jivesoftware.smack.filter.AndFilter;
import org.jivesoftware.smack.filter.MessageWithBodiesFilter;
import org.jivesoftware.smack.filter.StanzaFilter;
import org.jivesoftware.smack.filter.StanzaTypeFilter;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.MessageBuilder;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.jxmpp.jid.EntityFullJid;
import org.jxmpp.jid.impl.JidCreate;
import org.portico.bosh.BoshConfig;
import org.portico.testing.BoshTestClient;
import org.portico.testing.LocalProsody;
import org.portico.testing.PorticoHarness;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/**
 * A real third-party client, Smack's BOSH connection (jbosh underneath), through Portico to the real Prosody: it
 * negotiates SASL, restarts and binds the way it does against any connection manager (XEP-0124, XEP-0206).
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // jbosh's send() ignores interrupts
class SmackBoshThroughPorticoTest {

    static {
        // Smack 4.4 asserts that a parser reports a namespace prefix as null or non-empty, but the StAX parser it
        // uses on Java SE reports the default namespace's prefix as "". With assertions on (as under Surefire) the
        // AssertionError kills jbosh's receive thread at the first extension with its own xmlns, such as
        // vcard-temp:x:update in Prosody's presence, whatever the connection manager. Smack runs without -ea in
        // real applications; so does it here. Must run before any Smack class is loaded.
        SmackBoshThroughPorticoTest.class.getClassLoader().setPackageAssertionStatus("org.jivesoftware.smack", false);
    }

    private static final Duration SHORT = Duration.ofSeconds(10);
    /** Messages with a body only: Smack also receives presence and roster pushes after its login. */
    private static final StanzaFilter CHAT_MESSAGES = new AndFilter(StanzaTypeFilter.MESSAGE,
            MessageWithBodiesFilter.INSTANCE);
    @AutoClose
    private static PorticoHarness portico;

    @BeforeAll
    static void start() throws Exception {
        portico = PorticoHarness.start();
    }

    /** A logged-in Smack BOSH connection to Portico as {@code user}. */
    private static XMPPBOSHConnection smack(String user, String resource) throws Exception {
        BOSHConfiguration config = BOSHConfiguration.builder()
                .setXmppDomain(LocalProsody.DOMAIN)
                // A DNS name, not "127.0.0.1": Smack 4.4 writes an IP host into the BOSH URI as InetAddress
                // .toString() ("/127.0.0.1"), which is no URI. localhost is 127.0.0.1 on the machines we run on.
                .setHost("localhost")
                .setPort(portico.port())
                .setFile(BoshConfig.DEFAULT.path())
                .setUseHttps(false)
                // BOSH here is plain HTTP on loopback; TLS belongs at the HTTP layer, and STARTTLS inside BOSH is
                // NOT RECOMMENDED (XEP-0206 §2, R74), so Portico does not offer it and Smack must not insist.
                .setSecurityMode(SecurityMode.disabled)
                .setUsernameAndPassword(user, LocalProsody.password(user))
                .setResource(resource)
                .build();
        XMPPBOSHConnection connection = new XMPPBOSHConnection(config);
        connection.setReplyTimeout(SHORT.toMillis());
        connection.connect().login();
        return connection;
    }

    private static Message chat(EntityFullJid to, String text) {
        return MessageBuilder.buildMessage().to(to).ofType(Message.Type.chat).setBody(text).build();
    }

    private static Message next(StanzaCollector collector) throws InterruptedException {
        Message message = collector.nextResult(SHORT.toMillis());
        assertNotNull(message, "no message within " + SHORT);
        return message;
    }

    @Test
    void smackLogsInWithTheSaslMechanismItNegotiatesRestartsAndBinds_XEP0206() throws Exception {
        XMPPBOSHConnection alice = smack("test1", "smack-login");
        try {
            assertTrue(alice.isAuthenticated());
            assertEquals("test1@" + LocalProsody.DOMAIN + "/smack-login", alice.getUser().toString());
            // Smack prefers SCRAM; Prosody stores salted hashes (internal_hashed), so this is real SCRAM over BOSH
            assertTrue(alice.getUsedSaslMechansism().startsWith("SCRAM-SHA-"), alice.getUsedSaslMechansism());
        } finally {
            alice.disconnect();
        }
    }

    @Test
    void twoSmackClientsExchangeMessagesBothWays() throws Exception {
        XMPPBOSHConnection alice = smack("test2", "smack-a");
        XMPPBOSHConnection bob = smack("test3", "smack-b");
        try (StanzaCollector atAlice = alice.createStanzaCollector(CHAT_MESSAGES);
                StanzaCollector atBob = bob.createStanzaCollector(CHAT_MESSAGES)) {
            alice.sendStanza(chat(bob.getUser(), "hello bob, from smack"));
            Message received = next(atBob);
            assertEquals("hello bob, from smack", received.getBody());
            assertEquals(alice.getUser(), received.getFrom());
            assertEquals(bob.getUser(), received.getTo());

            bob.sendStanza(chat(received.getFrom().asEntityFullJidOrThrow(), "hello alice, from smack"));
            Message reply = next(atAlice);
            assertEquals("hello alice, from smack", reply.getBody());
            assertEquals(bob.getUser(), reply.getFrom());
            assertEquals(alice.getUser(), reply.getTo());
        } finally {
            alice.disconnect();
            bob.disconnect();
        }
    }

    @Test
    void smackAndABrowserStyleClientExchangeMessagesBothWays() throws Exception {
        XMPPBOSHConnection smack = smack("test4", "smack");
        try (BoshTestClient browser = portico.boshClient();
                StanzaCollector atSmack = smack.createStanzaCollector(CHAT_MESSAGES)) {
            String browserJid = browser.login("test5", LocalProsody.password("test5"), "browser");
            browser.startPolling();

            smack.sendStanza(chat(JidCreate.entityFullFrom(browserJid), "to the browser"));
            XmlElement atBrowser = browser.nextMessage(SHORT);
            assertNotNull(atBrowser, "the browser-style client got nothing");
            assertEquals("to the browser", atBrowser.child(Namespaces.JABBER_CLIENT, "body").orElseThrow().text());
            assertEquals(smack.getUser().toString(), atBrowser.attribute("from").orElse(null));
            assertEquals(browserJid, atBrowser.attribute("to").orElse(null));

            browser.send("<message xmlns='jabber:client' type='chat' to='" + smack.getUser() + "' id='r1'>"
                    + "<body>to smack</body></message>");
            Message reply = next(atSmack);
            assertEquals("to smack", reply.getBody());
            assertEquals(browserJid, reply.getFrom().toString());
            assertEquals(smack.getUser(), reply.getTo());
        } finally {
            smack.disconnect();
        }
    }
}
