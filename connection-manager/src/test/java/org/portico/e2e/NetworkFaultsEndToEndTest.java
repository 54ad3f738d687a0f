package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.portico.bosh.BoshConfig;
import org.portico.server.PorticoConfig;
import org.portico.testing.BoshReloadingReceiver;
import org.portico.testing.BoshTestClient;
import org.portico.testing.FaultyHttpProxy;
import org.portico.testing.LocalProsody;
import org.portico.testing.PorticoHarness;
import org.portico.testing.WebSocketTestClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network between a browser and Portico loses requests and responses, duplicates and delays requests (so that
 * later ones overtake them) and half-closes connections ({@link FaultyHttpProxy}), while numbered messages flow both
 * ways between a BOSH client behind it and a WebSocket peer: every message arrives exactly once and in order, with
 * acks (XEP-0124 §9) and without them, where the client sends a request again when its response never came (§14.3,
 * R43, R44, R58). Issue 12, item 3.
 */
class NetworkFaultsEndToEndTest {

    private static final Logger log = LoggerFactory.getLogger(NetworkFaultsEndToEndTest.class);
    private static final int MESSAGES = 1500;
    private static final double FAULT_RATE = 0.5;
    private static final Duration WAIT = Duration.ofSeconds(60);

    /**
     * Half of all requests meet a fault here, so one rid may need more resends than {@code bosh.maxRidRepeats}'
     * default (4) allows before they count as abuse (R45): at roughly 0.3 repeats per attempt, five in a row happen
     * to a few of the ~3,000 rids of a run (seen once in a full run: "rid … repeated too often").
     */
    private static PorticoConfig tolerantOfResends(PorticoConfig config) {
        return new PorticoConfig(config.http(), config.bosh().toBuilder().maxRidRepeats(16).build(),
                config.upstream(), config.xml(), config.store(), config.websocket());
    }

    @ParameterizedTest(name = "acks={0}")
    @ValueSource(booleans = {true, false})
    void numberedMessagesCrossAFaultyNetworkBothWaysExactlyOnceAndInOrder(boolean acks) throws Exception {
        try (PorticoHarness portico = PorticoHarness.start(NetworkFaultsEndToEndTest::tolerantOfResends);
                FaultyHttpProxy network = new FaultyHttpProxy(portico.port(), FAULT_RATE, acks ? 12 : 24);
                BoshReloadingReceiver bosh = BoshReloadingReceiver.onFaultyNetwork(portico.boshClient(),
                        URI.create("http://127.0.0.1:" + network.port() + BoshConfig.DEFAULT.path()), acks);
                WebSocketTestClient peer = portico.websocketClient()) {
            String boshJid = bosh.login("test1", "faults-" + acks);
            String peerJid = peer.login("test2", LocalProsody.password("test2"), "faults-peer-" + acks);

            for (int n = 1; n <= MESSAGES; n++) {
                peer.chat(boshJid, "p" + n, Integer.toString(n));
                bosh.send("<message xmlns='jabber:client' type='chat' to='" + peerJid + "' id='b" + n + "'><body>"
                        + n + "</body></message>");
            }
            bosh.ping();

            List<String> expected = IntStream.rangeClosed(1, MESSAGES).mapToObj(Integer::toString).toList();
            assertEquals(expected, bosh.bodies(MESSAGES, WAIT), "peer to BOSH client (" + bosh + ")");
            List<String> atPeer = new ArrayList<>();
            while (atPeer.size() < MESSAGES) {
                atPeer.add(peer.nextMessageBody());
            }
            assertEquals(expected, atPeer, "BOSH client to peer");
            Map<FaultyHttpProxy.Fault, Long> faults = network.counts();
            log.info("acks={}: {} messages each way through {}", acks, MESSAGES, faults);
            for (FaultyHttpProxy.Fault fault : FaultyHttpProxy.Fault.values()) {
                assertTrue(faults.get(fault) > 20, "each fault met often: " + faults);
            }
        }
    }

    /**
     * A request overtaken by the client's next one and delayed past {@code bosh.ridGapGrace}, as one forwarded through
     * another cluster node on a loaded host was (up to 9 s, ClusterEndToEndTest 2026-12-06): the client may still have
     * it open (only one of its two requests is here), so Portico waits for it and the messages reach the peer in rid
     * order (R40). Giving it up after the grace had relayed it after the later one.
     */
    @Test
    void aRequestOvertakenForLongerThanTheGraceStillGoesUpInRidOrder_R40() throws Exception {
        Duration grace = Duration.ofMillis(500);
        try (PorticoHarness portico = PorticoHarness.start(config -> config.withBosh(
                config.bosh().toBuilder().ridGapGrace(grace).build()));
                BoshTestClient bosh = portico.boshClient();
                WebSocketTestClient peer = portico.websocketClient()) {
            bosh.login("test1", LocalProsody.password("test1"), "overtaken", false);
            String peerJid = peer.login("test2", LocalProsody.password("test2"), "overtaken-peer");
            long overtaken = bosh.nextRid();
            long later = bosh.nextRid();

            CompletableFuture<String> second = bosh.rawAsync(bosh.body(later, "",
                    BoshTestClient.chat(peerJid, "second")));
            Thread.sleep(grace.multipliedBy(3).toMillis()); // what the network does: nothing arrives meanwhile
            String first = bosh.rawAsync(bosh.body(overtaken, "", BoshTestClient.chat(peerJid, "first")))
                    .get(30, TimeUnit.SECONDS);

            assertEquals(List.of("first", "second"), List.of(peer.nextMessageBody(), peer.nextMessageBody()),
                    "in rid order, not given up after the grace");
            assertTrue(BoshTestClient.parse(first).attribute("type").isEmpty(), "the session goes on: " + first);
            second.cancel(true);
        }
    }
}
