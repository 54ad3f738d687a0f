package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.portico.testing.BoshTestClient.chat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.portico.server.PorticoConfig;
import org.portico.testing.BoshTestClient;
import org.portico.testing.LocalProsody;
import org.portico.testing.PorticoHarness;
import org.portico.testing.PorticoPerUpstream;
import org.portico.testing.Upstream;
import org.portico.upstream.TlsPolicy;
import org.portico.upstream.UpstreamRoute;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/** BOSH through Portico to the real Prosody (and, where the server matters, ejabberd), with STARTTLS between them (XEP-0124, XEP-0206). */
class BoshEndToEndTest {

    private static final Duration SHORT = Duration.ofSeconds(5);
    @RegisterExtension
    static final PorticoPerUpstream UPSTREAMS = new PorticoPerUpstream();
    private static PorticoHarness portico;

    @BeforeAll
    static void start() throws Exception {
        portico = UPSTREAMS.in(Upstream.PROSODY);
    }

    @ParameterizedTest
    @EnumSource(Upstream.class)
    void loginWithSaslPlainRestartAndBindOverStartTls_XEP0206(Upstream upstream) throws Exception {
        PorticoHarness portico = UPSTREAMS.in(upstream);
        try (BoshTestClient alice = portico.boshClient()) {
            String jid = alice.login("test1", LocalProsody.password("test1"), "e2e");

            assertTrue(jid.startsWith("test1@" + LocalProsody.DOMAIN + "/"), jid);
            XmlElement creation = alice.creation();
            assertEquals("true", creation.attribute(new javax.xml.namespace.QName(Namespaces.XBOSH, "restartlogic"))
                    .orElse(null));
            assertEquals(LocalProsody.DOMAIN, creation.attribute("from").orElse(null));
            XmlElement features = creation.child(Namespaces.STREAMS, "features").orElseThrow();
            assertTrue(features.child(Namespaces.TLS, "starttls").isEmpty(), "no starttls relayed (R74)");
        }
    }

    @ParameterizedTest
    @EnumSource(Upstream.class)
    void twoSessionsExchangeMessagesBothWaysWhileALongPollIsHeld(Upstream upstream) throws Exception {
        PorticoHarness portico = UPSTREAMS.in(upstream);
        try (BoshTestClient alice = portico.boshClient(); BoshTestClient bob = portico.boshClient()) {
            String aliceJid = alice.login("test1", LocalProsody.password("test1"), "both-ways");
            String bobJid = bob.login("test2", LocalProsody.password("test2"), "both-ways");
            alice.startPolling();
            bob.startPolling();

            long sent = System.nanoTime();
            alice.send(chat(bobJid, "a1", "hello bob"));
            XmlElement atBob = bob.nextMessage(SHORT);
            Duration aliceToBob = Duration.ofNanos(System.nanoTime() - sent);
            sent = System.nanoTime();
            bob.send(chat(aliceJid, "b1", "hello alice"));
            XmlElement atAlice = alice.nextMessage(SHORT);
            Duration bobToAlice = Duration.ofNanos(System.nanoTime() - sent);

            assertNotNull(atBob, "bob got nothing");
            assertNotNull(atAlice, "alice got nothing");
            assertEquals("hello bob", atBob.child(Namespaces.JABBER_CLIENT, "body").orElseThrow().text());
            assertEquals("hello alice", atAlice.child(Namespaces.JABBER_CLIENT, "body").orElseThrow().text());
            assertTrue(aliceToBob.compareTo(Duration.ofSeconds(1)) < 0, "held poll answered at once, not after "
                    + "wait: " + aliceToBob);
            assertTrue(bobToAlice.compareTo(Duration.ofSeconds(1)) < 0, "held poll answered at once: " + bobToAlice);
        }
    }

    @Test
    void aRepeatedRidGetsTheBufferedResponse_R43() throws Exception {
        try (BoshTestClient client = portico.boshClient()) {
            client.login("test3", LocalProsody.password("test3"), "repeat");
            long rid = client.nextRid();
            String body = client.body(rid, "", "<iq xmlns='jabber:client' type='get' id='ping1'><ping "
                    + "xmlns='urn:xmpp:ping'/></iq>");
            String first = client.rawAsync(body).get(10, TimeUnit.SECONDS);
            String again = client.rawAsync(body).get(10, TimeUnit.SECONDS);

            assertTrue(first.contains("ping1"), first);
            assertEquals(first, again);
        }
    }

    @Test
    void aRidOutsideTheWindowTerminatesTheSessionWithItemNotFound_R41() throws Exception {
        try (BoshTestClient client = portico.boshClient()) {
            client.create(30, false);
            XmlElement body = client.raw(client.body(client.currentRid() + 100, "", ""), SHORT);

            assertEquals("terminate", body.attribute("type").orElse(null));
            assertEquals("item-not-found", body.attribute("condition").orElse(null));
            XmlElement after = client.request("", "");
            assertEquals("terminate", after.attribute("type").orElse(null), "the session is gone");
        }
    }

    @Test
    void anUnknownSidIsItemNotFound_R46() throws Exception {
        try (BoshTestClient client = portico.boshClient()) {
            XmlElement body = client.raw("<body xmlns='http://jabber.org/protocol/httpbind' sid='no-such-sid' "
                    + "rid='1234' ver='1.11'/>", SHORT);

            assertEquals("terminate", body.attribute("type").orElse(null));
            assertEquals("item-not-found", body.attribute("condition").orElse(null));
        }
    }

    @Test
    void aLegacyClientWithoutVerGetsHttpErrorCodes_R54_R55() throws Exception {
        try (BoshTestClient client = portico.boshClient()) {
            XmlElement created = client.raw("<body xmlns='http://jabber.org/protocol/httpbind' rid='77' to='"
                    + LocalProsody.DOMAIN + "' wait='10' hold='1'/>", Duration.ofSeconds(20));
            String sid = created.attribute("sid").orElseThrow();
            var outside = client.post("<body xmlns='http://jabber.org/protocol/httpbind' sid='" + sid
                    + "' rid='500'/>");

            assertEquals(404, outside.statusCode(), "item-not-found is HTTP 404 for a client without ver");
        }
    }

    @ParameterizedTest
    @EnumSource(Upstream.class)
    void stanzasSentDuringAPauseArriveAfterTheResume_R31(Upstream upstream) throws Exception {
        PorticoHarness portico = UPSTREAMS.in(upstream);
        try (BoshTestClient alice = portico.boshClient(); BoshTestClient bob = portico.boshClient()) {
            String aliceJid = alice.login("test4", LocalProsody.password("test4"), "pause");
            String bobJid = bob.login("test5", LocalProsody.password("test5"), "pause");
            XmlElement paused = alice.request("pause='60'", "");
            assertTrue(paused.childElements().isEmpty(), "the pause response has no payloads (R32)");

            bob.startPolling();
            bob.send(chat(aliceJid, "p1", "while you were away 1"));
            bob.send(chat(aliceJid, "p2", "while you were away 2"));
            alice.startPolling();

            XmlElement first = alice.nextMessage(SHORT);
            XmlElement second = alice.nextMessage(SHORT);
            assertNotNull(first);
            assertNotNull(second);
            assertEquals(List.of("p1", "p2"), List.of(first.attribute("id").orElseThrow(),
                    second.attribute("id").orElseThrow()));
            assertTrue(bobJid.startsWith("test5@"));
        }
    }

    @ParameterizedTest
    @EnumSource(Upstream.class)
    void terminateEndsTheSessionAndForwardsItsPayloads_R38(Upstream upstream) throws Exception {
        PorticoHarness portico = UPSTREAMS.in(upstream);
        try (BoshTestClient alice = portico.boshClient(); BoshTestClient bob = portico.boshClient()) {
            String aliceJid = alice.login("test1", LocalProsody.password("test1"), "term");
            bob.login("test2", LocalProsody.password("test2"), "term");
            XmlElement ended = alice.request("type='terminate'", chat(bob.jid(), "bye", "last words"));

            assertEquals("terminate", ended.attribute("type").orElse(null));
            bob.startPolling();
            XmlElement last = bob.nextMessage(SHORT);
            assertNotNull(last, "the terminate body's payload was forwarded");
            assertEquals("last words", last.child(Namespaces.JABBER_CLIENT, "body").orElseThrow().text());
            assertTrue(last.attribute("from").orElse("").startsWith(aliceJid.substring(0, aliceJid.indexOf('/'))));
            XmlElement after = alice.request("", "");
            assertEquals("terminate", after.attribute("type").orElse(null));
        }
    }

    @ParameterizedTest
    @EnumSource(Upstream.class)
    void aResponseLostOnADroppedConnectionIsRecoveredThroughAcks_R28(Upstream upstream) throws Exception {
        PorticoHarness portico = UPSTREAMS.in(upstream);
        // bosh.reportAfter=0: report a lagging ack at once (the default waits 1 s for responses still on their way)
        try (PorticoHarness reporting = PorticoHarness.start(config -> new PorticoConfig(config.http(),
                config.bosh().toBuilder().reportAfter(Duration.ZERO).build(), config.upstream(), config.xml(), config.store()));
                BoshTestClient alice = reporting.boshClient(); BoshTestClient bob = reporting.boshClient()) {
            String aliceJid = alice.login("test3", LocalProsody.password("test3"), "acks");
            bob.login("test6", LocalProsody.password("test6"), "acks");
            bob.startPolling();
            long lostRid = alice.nextRid();
            CompletableFuture<String> lost = alice.rawAsync(alice.body(lostRid, "", ""));
            bob.send(chat(aliceJid, "lost1", "do not lose me"));
            String lostBody = lost.get(10, TimeUnit.SECONDS);
            assertTrue(lostBody.contains("do not lose me"), "precondition: the response carried the message");

            // the client never saw that response: its next request acknowledges only the rid before it
            XmlElement report = alice.raw(alice.body(alice.nextRid(), "ack='" + (lostRid - 1) + "'", ""), SHORT);
            assertEquals(String.valueOf(lostRid), report.attribute("report").orElse(null));
            assertTrue(report.attribute("time").isPresent());
            XmlElement resent = alice.raw(alice.body(lostRid, "ack='" + (lostRid - 1) + "'", ""), SHORT);
            assertEquals("do not lose me", resent.child(Namespaces.JABBER_CLIENT, "message").orElseThrow()
                    .child(Namespaces.JABBER_CLIENT, "body").orElseThrow().text());
        }
    }

    @Test
    void anUnreachableUpstreamIsRemoteConnectionFailed() throws Exception {
        int closedPort = freePort();
        try (PorticoHarness refused = PorticoHarness.start(config -> withDomain(config,
                new UpstreamRoute("127.0.0.1", closedPort, TlsPolicy.REQUIRED)));
                BoshTestClient client = refused.boshClient()) {
            XmlElement body = client.raw("<body xmlns='http://jabber.org/protocol/httpbind' rid='5' to='"
                    + LocalProsody.DOMAIN + "' wait='10' hold='1' ver='1.11'/>", Duration.ofSeconds(20));

            assertEquals("terminate", body.attribute("type").orElse(null));
            assertEquals("remote-connection-failed", body.attribute("condition").orElse(null));
        }
    }

    @Test
    void aDomainWithNoUpstreamIsHostUnknown() throws Exception {
        try (BoshTestClient client = portico.boshClient()) {
            XmlElement body = client.raw("<body xmlns='http://jabber.org/protocol/httpbind' rid='5' "
                    + "to='nowhere.invalid' wait='10' hold='1' ver='1.11'/>", Duration.ofSeconds(20));

            assertEquals("host-unknown", body.attribute("condition").orElse(null));
        }
    }

    @Test
    void startTlsRefusesACertificateItDoesNotTrust_R63() throws Exception {
        try (PorticoHarness untrusting = PorticoHarness.start(config -> new PorticoConfig(config.http(),
                config.bosh(), new org.portico.upstream.UpstreamConfig(config.upstream().domains(), false,
                        TlsPolicy.REQUIRED, null, null, true, Duration.ofSeconds(5), Duration.ofSeconds(2), List.of(),
                        1024 * 1024, config.xml(), 1), config.xml(), config.store()));
                BoshTestClient client = untrusting.boshClient()) {
            XmlElement body = client.raw("<body xmlns='http://jabber.org/protocol/httpbind' rid='5' to='"
                    + LocalProsody.DOMAIN + "' wait='10' hold='1' ver='1.11'/>", Duration.ofSeconds(20));

            assertEquals("remote-connection-failed", body.attribute("condition").orElse(null),
                    "Prosody's self-signed certificate is not in the JDK's trust store");
        }
    }

    private static PorticoConfig withDomain(PorticoConfig config, UpstreamRoute route) {
        return new PorticoConfig(config.http(), config.bosh(), PorticoHarness.upstream(Map.of(LocalProsody.DOMAIN,
                route)), config.xml(), config.store());
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
