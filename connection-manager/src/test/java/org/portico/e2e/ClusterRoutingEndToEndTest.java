package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.portico.cluster.ClusterConfig;
import org.portico.server.PorticoConfig;
import org.portico.testing.AdminClient;
import org.portico.testing.BoshTestClient;
import org.portico.testing.ClusterPorts;
import org.portico.testing.LocalProsody;
import org.portico.testing.PorticoHarness;
import org.portico.testing.TcpForwarder;
import org.portico.testing.WebSocketTestClient;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/**
 * Routing between two cluster nodes in this JVM, against the real Prosody ({@code docs/cluster.md}): the BOSH sid
 * and the WebSocket resume token name the owning node; a BOSH request (a POST, or an XEP-0252 GET) that reaches the
 * other node is forwarded to the owner and counted; a WebSocket resumption that reaches the other node is sent to the owner with
 * {@code see-other-uri} (RFC 7395 §3.6.1); once the owner has left, its sids are {@code item-not-found} at once
 * (XEP-0124 §17.1).
 */
class ClusterRoutingEndToEndTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private static int httpPort(int node) {
        return ClusterPorts.BASE + 50 + node;
    }

    /** Node {@code n} of two, on fixed ports (its internal URL must be known before it starts), admin on port 0. */
    private static PorticoConfig node(PorticoConfig config, int n) {
        return node(config, n, "http://127.0.0.1:" + httpPort(n));
    }

    /** As {@link #node(PorticoConfig, int)}, with the URL the other node forwards this one's requests to. */
    private static PorticoConfig node(PorticoConfig config, int n, String internalUrl) {
        List<String> members = IntStream.range(0, 2).mapToObj(i -> "127.0.0.1:" + (ClusterPorts.BASE + 60 + i))
                .toList();
        return PorticoHarness.withAdmin(config.withHttp(config.http().toBuilder().port(httpPort(n)).build())
                .withCluster(ClusterConfig.builder().enabled(true).name("routing-test").nodeName("node" + n)
                        .bindPort(ClusterPorts.BASE + 60 + n).members(members)
                        .failureDetectionOffset(ClusterPorts.FAILURE_DETECTION_OFFSET)
                        .internalUrl(internalUrl).build()));
    }

    private static void awaitMembers(PorticoHarness node, int members) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (node.server().cluster().orElseThrow().members().size() != members) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not " + members + " members within " + PATIENCE);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void aBoshRequestOnTheOtherNodeIsForwardedToTheOwnerAndOnceTheOwnerLeftItIsItemNotFound_XEP0124_17_1()
            throws Exception {
        // closed in the middle, when the owner leaves, and again at the end should the test fail before
        PorticoHarness owner = PorticoHarness.start(config -> node(config, 0));
        try (PorticoHarness other = PorticoHarness.start(config -> node(config, 1));
                AdminClient otherAdmin = other.admin();
                BoshTestClient client = owner.boshClient();
                BoshTestClient elsewhere = other.boshClient()) {
            awaitMembers(other, 2);
            String jid = client.login("test7", LocalProsody.password("test7"), "routed");
            assertTrue(client.sid().startsWith("node0~"), "the sid names its node: " + client.sid());

            XmlElement echoed = elsewhere.raw(client.body(client.nextRid(), "", "<message xmlns='jabber:client' "
                    + "to='" + jid + "' type='chat' id='m1'><body>through node1</body></message>"),
                    PATIENCE.plusSeconds(40));
            XmlElement message = echoed.childElements().isEmpty()
                    ? elsewhere.raw(client.body(client.nextRid(), "", ""), PATIENCE.plusSeconds(40))
                            .childElements().getFirst()
                    : echoed.childElements().getFirst();
            assertEquals("through node1", message.child(Namespaces.JABBER_CLIENT, "body").orElseThrow().text(),
                    "the owner's session answered the request that reached node1");
            assertTrue(otherAdmin.scrape().value("portico_cluster_forwarded_requests_total",
                    Map.of("outcome", "answered")) >= 1, "the forward is counted where it happened");

            owner.close();
            awaitMembers(other, 1);
            long asked = System.nanoTime();
            XmlElement gone = elsewhere.raw(client.body(client.nextRid(), "", ""), PATIENCE);
            assertEquals("item-not-found", gone.attribute("condition").orElse(null), gone.toString());
            assertTrue(System.nanoTime() - asked < Duration.ofSeconds(2).toNanos(), "answered promptly");
        } finally {
            owner.close();
        }
    }

    /**
     * XEP-0124 §14.2 (R40) through the cluster: a request that reached the other node is forwarded to its owner over
     * a slow hop (here 1.5 s a read; up to 9 s was seen on a loaded host), and the client's next request, sent
     * straight to the owner, overtakes it. The client may still have the first open, so the owner waits for it past
     * {@code bosh.ridGapGrace} and the peer gets the two messages in rid order; given up after the grace, the first
     * went up after the second (ClusterEndToEndTest, 2026-12-06).
     */
    @Test
    void aForwardedRequestOvertakenOnASlowHopStillGoesUpInRidOrder_XEP0124_14_2_R40() throws Exception {
        Duration grace = Duration.ofMillis(500);
        try (TcpForwarder slowHop = new TcpForwarder("127.0.0.1", httpPort(0));
                PorticoHarness owner = PorticoHarness.start(config -> node(config.withBosh(config.bosh().toBuilder()
                        .ridGapGrace(grace).build()), 0, "http://127.0.0.1:" + slowHop.port()));
                PorticoHarness other = PorticoHarness.start(config -> node(config, 1));
                BoshTestClient client = owner.boshClient();
                BoshTestClient elsewhere = other.boshClient();
                WebSocketTestClient peer = owner.websocketClient()) {
            awaitMembers(other, 2);
            client.login("test8", LocalProsody.password("test8"), "slow-hop", false);
            String peerJid = peer.login("test9", LocalProsody.password("test9"), "slow-hop-peer");
            long overtaken = client.nextRid();
            long later = client.nextRid();

            slowHop.delay(grace.multipliedBy(3));
            CompletableFuture<String> first = elsewhere.rawAsync(client.body(overtaken, "",
                    BoshTestClient.chat(peerJid, "first")));
            CompletableFuture<String> second = client.rawAsync(client.body(later, "",
                    BoshTestClient.chat(peerJid, "second")));

            assertEquals(List.of("first", "second"), List.of(peer.nextMessageBody(), peer.nextMessageBody()),
                    "in rid order, not given up after the grace");
            String answer = first.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertTrue(BoshTestClient.parse(answer).attribute("type").isEmpty(), "the session goes on: " + answer);
            second.cancel(true);
        }
    }

    /**
     * XEP-0252: a legacy browser's GET that reaches the other node goes to the owner with its query as it came, and
     * the owner's answer, already a script, reaches the browser unchanged (encoded once, not twice).
     */
    @Test
    void aScriptSyntaxRequestOnTheOtherNodeIsForwardedAndItsScriptAnswerRelayed_XEP0252() throws Exception {
        try (PorticoHarness owner = PorticoHarness.start(config -> node(PorticoHarness.withScriptSyntax(config), 0));
                PorticoHarness other = PorticoHarness.start(config -> node(PorticoHarness.withScriptSyntax(config), 1));
                AdminClient otherAdmin = other.admin();
                BoshTestClient client = owner.scriptClient();
                BoshTestClient elsewhere = other.scriptClient()) {
            awaitMembers(other, 2);
            client.login("test9", LocalProsody.password("test9"), "legacy");

            XmlElement answer = elsewhere.raw(client.body(client.nextRid(), "", "<iq xmlns='jabber:client' "
                    + "type='get' id='ping-routed' to='" + LocalProsody.DOMAIN + "'><ping xmlns='urn:xmpp:ping'/></iq>"),
                    PATIENCE.plusSeconds(40));
            while (answer.childElements().isEmpty()) {
                answer = elsewhere.raw(client.body(client.nextRid(), "", ""), PATIENCE.plusSeconds(40));
            }
            XmlElement iq = answer.childElements().getFirst();
            assertEquals("ping-routed", iq.attribute("id").orElse(null), answer.toString());
            assertEquals("result", iq.attribute("type").orElse(null), answer.toString());
            assertTrue(otherAdmin.scrape().value("portico_cluster_forwarded_requests_total",
                    Map.of("outcome", "answered")) >= 1, "the forward is counted where it happened");
        }
    }

    @Test
    void aWebSocketResumptionOnTheOtherNodeIsSentToTheOwner_RFC7395_3_6_1() throws Exception {
        try (PorticoHarness owner = PorticoHarness.start(config -> node(config, 0));
                PorticoHarness other = PorticoHarness.start(config -> node(config, 1));
                AdminClient otherAdmin = other.admin();
                WebSocketTestClient client = owner.websocketClient();
                WebSocketTestClient elsewhere = other.websocketClient()) {
            awaitMembers(other, 2);
            client.login("test8", LocalProsody.password("test8"), "reloading");
            assertTrue(client.token().startsWith("node0~"), "the resume token names its node");
            client.drop();

            elsewhere.send("<open xmlns='" + Namespaces.FRAMING + "' to='" + LocalProsody.DOMAIN + "' version='1.0' "
                    + "xmlns:resume='" + Namespaces.PORTICO_RESUME + "' resume:token='" + client.token()
                    + "' resume:h='" + client.receivedCount() + "'/>");
            XmlElement close = elsewhere.next(e -> e.is(Namespaces.FRAMING, "close"));
            assertEquals(owner.websocketUri().toString(), close.attribute("see-other-uri").orElse(null));
            assertEquals(1, otherAdmin.scrape().value("portico_cluster_redirected_resumptions_total"));

            XmlElement resumed = client.resume();
            assertEquals("true", resumed.attribute(new javax.xml.namespace.QName(Namespaces.PORTICO_RESUME,
                    "resumed")).orElse(null), "the owner resumed the session: " + resumed);
        }
    }
}
