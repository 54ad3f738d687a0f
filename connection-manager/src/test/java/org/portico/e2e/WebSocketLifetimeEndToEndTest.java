package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.xml.namespace.QName;
import org.junit.jupiter.api.Test;
import org.portico.bosh.BoshSession;
import org.portico.testing.BoshTestClient;
import org.portico.testing.LocalProsody;
import org.portico.testing.PorticoHarness;
import org.portico.testing.WebSocketTestClient;
import org.portico.websocket.WebSocketConfig;
import org.portico.websocket.WebSocketLifecycle;
import org.portico.websocket.WebSocketSession;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/**
 * How WebSocket sessions live and end against the real Prosody, each test with its own Portico configured for it:
 * pings and dead peers (RFC 7395 §3.8), see-other-uri to BOSH and on shutdown (R92, R56), and the end of the
 * resumption grace period.
 */
class WebSocketLifetimeEndToEndTest {

    private static final Duration PATIENCE = Duration.ofSeconds(10);

    /** A Portico that pings a quiet socket every {@code interval} and drops a peer silent for {@code idleTimeout}. */
    private static PorticoHarness pinging(Duration interval, Duration idleTimeout) throws Exception {
        return PorticoHarness.start(config -> config.withWebSocket(WebSocketConfig.DEFAULT
                .withPing(interval, idleTimeout)));
    }

    /** One step of a client's steady traffic; {@code i} counts the steps from 0. */
    private interface Step {
        void run(int i) throws Exception;
    }

    /**
     * Runs {@code step} every tenth of a second for {@code span}, a rate well inside a 1 s ping interval, and
     * returns how many steps ran.
     */
    private static int tenTimesASecondFor(Duration span, Step step) throws Exception {
        long until = System.nanoTime() + span.toNanos();
        int steps = 0;
        while (System.nanoTime() < until) {
            step.run(steps++);
            Thread.sleep(100);
        }
        return steps;
    }

    @Test
    void pingsComeAtTheConfiguredIntervalAndALivePeerStays_R94() throws Exception {
        try (PorticoHarness portico = pinging(Duration.ofMillis(200), Duration.ofSeconds(1));
                WebSocketTestClient client = portico.websocketClient()) {
            client.login("test1", LocalProsody.password("test1"), "pinged");

            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (client.pings() < 8 && System.nanoTime() < deadline) {
                client.nextEvent(Duration.ofMillis(100));
            }

            assertTrue(client.pings() >= 8, "pings every 200 ms: " + client.pings());
            assertEquals("result", pingServer(client, "alive"),
                    "answering pings kept it alive past the 1 s idle timeout");
        }
    }

    /**
     * A ping is for a quiet connection (Heartbeat): while messages go both ways within every interval none is sent,
     * and once the socket falls quiet the pings come again, in time to keep the peer alive. Ten messages each way
     * per interval, so only a stall of a whole second in this test or in Portico could make an interval look quiet.
     */
    @Test
    void aSocketCarryingMessagesBothWaysIsNotPingedUntilItFallsQuiet_R94() throws Exception {
        try (PorticoHarness portico = pinging(Duration.ofSeconds(1), Duration.ofSeconds(3));
                WebSocketTestClient client = portico.websocketClient()) {
            client.login("test4", LocalProsody.password("test4"), "busy");

            tenTimesASecondFor(Duration.ofMillis(3_500), i -> pingServer(client, "busy-" + i));
            assertEquals(0, client.pings(), "3.5 s of messages both ways, pings due every second");

            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (client.pings() < 2 && System.nanoTime() < deadline) {
                client.nextEvent(Duration.ofMillis(100));
            }
            assertTrue(client.pings() >= 2, "quiet: pinged again, " + client.pings());
            assertEquals("result", pingServer(client, "alive"), "the pongs kept it alive past the 3 s idle timeout");
        }
    }

    /**
     * A client's own pings are answered with pongs (RFC 6455 §5.5.2), and a pong is Portico talking: a client that
     * pings within every interval hears from Portico as often as a ping of ours would tell it, so it gets none.
     */
    @Test
    void aClientThatPingsWithinEveryIntervalIsNotPinged_R94() throws Exception {
        try (PorticoHarness portico = pinging(Duration.ofSeconds(1), Duration.ofSeconds(3));
                WebSocketTestClient client = portico.websocketClient()) {
            client.login("test5", LocalProsody.password("test5"), "pinging");

            int sent = tenTimesASecondFor(Duration.ofMillis(3_500), i -> client.sendPing());
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (client.pongs() < sent && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(sent, client.pongs(), "every ping of the client answered");
            assertEquals(0, client.pings(), "3.5 s of the client's pings and their pongs, pings due every second");
            assertEquals("result", pingServer(client, "alive"), "the session lives on");
        }
    }

    @Test
    void aPeerThatStopsAnsweringIsDroppedAndItsSessionPaused() throws Exception {
        try (PorticoHarness portico = pinging(Duration.ofMillis(200), Duration.ofSeconds(1));
                WebSocketTestClient client = portico.websocketClient()) {
            client.login("test2", LocalProsody.password("test2"), "frozen");
            WebSocketSession session = (WebSocketSession) portico.server().store()
                    .get(client.token().substring(0, client.token().indexOf('.'))).orElseThrow();
            assertEquals(WebSocketLifecycle.State.OPEN, session.state());

            client.freeze();

            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (session.state() == WebSocketLifecycle.State.OPEN && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(WebSocketLifecycle.State.DETACHED, session.state(), "no pong for 1 s: the peer is dead");
        }
    }

    /** With pings off nothing keeps a quiet socket alive: silence for the idle timeout drops it all the same. */
    @Test
    void withPingsOffASilentPeerIsDroppedAfterTheIdleTimeout() throws Exception {
        try (PorticoHarness portico = pinging(Duration.ZERO, Duration.ofSeconds(1));
                WebSocketTestClient client = portico.websocketClient()) {
            client.login("test3", LocalProsody.password("test3"), "quiet");
            WebSocketSession session = (WebSocketSession) portico.server().store()
                    .get(client.token().substring(0, client.token().indexOf('.'))).orElseThrow();

            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (session.state() == WebSocketLifecycle.State.OPEN && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(0, client.pings(), "pings are off");
            assertEquals(WebSocketLifecycle.State.DETACHED, session.state(), "nothing heard for 1 s: dropped");
        }
    }

    @Test
    void redirectToBoshAnswersTheOpenWithSeeOtherUri_R87_R92() throws Exception {
        try (PorticoHarness portico = PorticoHarness.start(config -> config.withWebSocket(WebSocketConfig.DEFAULT
                .withRedirectToBosh(true)));
                WebSocketTestClient client = portico.websocketClient()) {
            client.open();

            XmlElement close = client.next();
            assertTrue(close.is(Namespaces.FRAMING, "close"), close.toString());
            assertEquals("http://127.0.0.1:" + portico.port() + "/http-bind",
                    close.attribute("see-other-uri").orElse(null));
            assertEquals(1000, client.awaitClosed().status());
        }
    }

    @Test
    void onShutdownClientsOfBothTransportsAreSentToTheOtherPortico_R56_R92() throws Exception {
        try (PorticoHarness portico = PorticoHarness.start(
                config -> config.withHttp(config.http().toBuilder().shutdownRedirect("https://chat2.example").build()));
                WebSocketTestClient ws = portico.websocketClient();
                BoshTestClient bosh = portico.boshClient()) {
            ws.login("test3", LocalProsody.password("test3"), "moving");
            bosh.login("test4", LocalProsody.password("test4"), "moving");
            CompletableFuture<String> held = bosh.rawAsync(bosh.body(bosh.nextRid(), "", ""));
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            BoshSession boshSession = (BoshSession) portico.server().store().get(bosh.sid()).orElseThrow();
            while (boshSession.heldRequests() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(10); // until Portico holds the request
            }
            assertEquals(1, boshSession.heldRequests(), "the empty request is held (XEP-0124 §8)");

            portico.server().close(); // the shutdown under test; leaving the try closes it again, harmlessly

            XmlElement close = ws.next(e -> e.is(Namespaces.FRAMING, "close"));
            assertEquals("wss://chat2.example/xmpp-websocket", close.attribute("see-other-uri").orElse(null));
            assertEquals(1001, ws.awaitClosed().status());
            XmlElement terminate = BoshTestClient.parse(held.get(10, TimeUnit.SECONDS));
            assertEquals("terminate", terminate.attribute("type").orElse(null));
            assertEquals("see-other-uri", terminate.attribute("condition").orElse(null));
            assertEquals("https://chat2.example/http-bind",
                    terminate.child(Namespaces.HTTPBIND, "uri").orElseThrow().text());
        }
    }

    @Test
    void whenTheGracePeriodEndsTheServerMarksTheUserOfflineAndTheTokenGetsAFreshStream() throws Exception {
        try (PorticoHarness portico = PorticoHarness.start(config -> config.withWebSocket(WebSocketConfig.DEFAULT
                .withResumeGrace(Duration.ofSeconds(1))));
                WebSocketTestClient alice = portico.websocketClient();
                WebSocketTestClient bob = portico.websocketClient()) {
            String aliceJid = alice.login("alice", LocalProsody.password("alice"), "grace");
            bob.login("bob", LocalProsody.password("bob"), "grace");
            alice.available();
            bob.available();
            bob.next(e -> e.is(Namespaces.JABBER_CLIENT, "presence")
                    && aliceJid.equals(e.attribute("from").orElse(null)));

            alice.drop();

            XmlElement gone = bob.next(e -> e.is(Namespaces.JABBER_CLIENT, "presence")
                    && aliceJid.equals(e.attribute("from").orElse(null)));
            assertEquals("unavailable", gone.attribute("type").orElse(null),
                    "Portico closed the upstream when the grace period ended");
            XmlElement open = alice.resume();
            assertTrue(open.attribute(new QName(Namespaces.PORTICO_RESUME, "resumed")).isEmpty(),
                    "an expired token gets a plain new stream: " + open);
            XmlElement features = alice.next(e -> e.is(Namespaces.STREAMS, "features"));
            assertNotNull(features.child(Namespaces.SASL, "mechanisms").orElse(null), "log in again");
        }
    }

    /**
     * R91, R96: a client that enabled XEP-0198 resumption may come back after Portico's grace period. Portico then
     * drops the upstream connection instead of closing the stream, because Prosody revokes resumption on a clean
     * {@code </stream:stream>} but hibernates the session when the connection just breaks; the client resumes it on
     * a new stream, and what was sent meanwhile arrives once.
     */
    @Test
    void afterTheGracePeriodAnXep0198SessionIsLeftToTheServerAndResumesThere_R91_R96() throws Exception {
        try (PorticoHarness portico = PorticoHarness.start(config -> config.withWebSocket(WebSocketConfig.DEFAULT
                .withResumeGrace(Duration.ofSeconds(1))));
                WebSocketTestClient client = portico.websocketClient();
                WebSocketTestClient sender = portico.websocketClient()) {
            String jid = client.login("test1", LocalProsody.password("test1"), "hibernate");
            client.enableStreamManagement();
            sender.login("test2", LocalProsody.password("test2"), "hibernate");
            WebSocketSession session = (WebSocketSession) portico.server().store()
                    .get(client.token().substring(0, client.token().indexOf('.'))).orElseThrow();

            client.drop();
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (session.state() != WebSocketLifecycle.State.CLOSED && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(WebSocketLifecycle.State.CLOSED, session.state(), "Portico's grace period is over and its "
                    + "upstream connection gone");
            sender.chat(jid, "h1", "while hibernating");
            client.reconnect();
            XmlElement resumed = client.resumeStreamManagement("test1", LocalProsody.password("test1"));

            assertTrue(resumed.is(Namespaces.SM, "resumed"), "Prosody kept the session: " + resumed);
            assertEquals("while hibernating", client.nextMessage().child(Namespaces.JABBER_CLIENT, "body")
                    .orElseThrow().text());
        }
    }

    /** An XMPP ping to the server (XEP-0199) over the socket: the type of its answer. */
    private static String pingServer(WebSocketTestClient client, String id) throws InterruptedException {
        client.send("<iq xmlns='jabber:client' type='get' id='" + id + "' to='" + LocalProsody.DOMAIN
                + "'><ping xmlns='urn:xmpp:ping'/></iq>");
        return client.next(e -> id.equals(e.attribute("id").orElse(null))).attribute("type").orElse(null);
    }
}
