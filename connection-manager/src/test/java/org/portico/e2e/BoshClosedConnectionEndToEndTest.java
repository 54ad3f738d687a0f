package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.portico.testing.BoshTestClient.chat;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.portico.bosh.BoshSession;
import org.portico.testing.BoshTestClient;
import org.portico.testing.LocalProsody;
import org.portico.testing.PorticoHarness;
import org.portico.testing.RawHttp;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/**
 * A page unload closes the connection of the client's held long-poll. A client without acks (converse.js, Strophe:
 * XEP-0124 §9 is optional) then continues on a new connection with the next rid and never asks for a lost response,
 * so a stanza Portico wrote into the closed connection would be lost for good. Portico notices the close and keeps
 * what arrives for the next request: each message exactly once, in order. Tested at the socket level against the
 * real Prosody, for a FIN (orderly close) and an RST (abortive close, as browsers often do on unload).
 */
class BoshClosedConnectionEndToEndTest {

    private static final Duration PATIENCE = Duration.ofSeconds(10);
    @AutoClose
    private static PorticoHarness portico;

    /** How the client drops its connection. */
    enum Close {
        FIN, RST
    }

    @BeforeAll
    static void start() throws Exception {
        portico = PorticoHarness.start();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Close.class)
    void aMessageForAClientThatClosedItsHeldConnectionArrivesOnItsNextRequestExactlyOnce(Close close)
            throws Exception {
        try (BoshTestClient alice = portico.boshClient(); BoshTestClient bob = portico.boshClient()) {
            String aliceJid = alice.login("test1", LocalProsody.password("test1"), "unload-" + close, false);
            bob.login("test2", LocalProsody.password("test2"), "unload-" + close, false);
            bob.startPolling();
            BoshSession session = session(alice);

            try (HeldPost held = new HeldPost(portico.port(), alice.body(alice.nextRid(), "", ""))) {
                await(() -> session.heldRequests() == 1, "the poll is held");
                held.close(close);
            }
            await(() -> session.heldRequests() == 0, "Portico noticed the closed connection");
            bob.send(chat(aliceJid, "m1", "sent while the page reloads"));

            assertEquals("sent while the page reloads", nextBody(alice));
            bob.send(chat(aliceJid, "m2", "after the reload"));
            assertEquals("after the reload", nextBody(alice), "the first message is not delivered twice");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Close.class)
    void aMessageSentTheMomentTheClientLeavesIsNotWrittenIntoTheClosedConnection(Close close) throws Exception {
        try (BoshTestClient alice = portico.boshClient(); BoshTestClient bob = portico.boshClient()) {
            String aliceJid = alice.login("test3", LocalProsody.password("test3"), "race-" + close, false);
            bob.login("test4", LocalProsody.password("test4"), "race-" + close, false);
            bob.startPolling();
            BoshSession session = session(alice);

            HeldPost held = new HeldPost(portico.port(), alice.body(alice.nextRid(), "", ""));
            await(() -> session.heldRequests() == 1, "the poll is held");
            held.close(close);
            bob.send(chat(aliceJid, "r1", "right as the page unloads"));

            assertEquals("right as the page unloads", nextBody(alice));
        }
    }

    @Test
    void aRequestPipelinedBehindAHeldOneIsServedAfterIt_RFC9112_9_3_2() throws Exception {
        try (BoshTestClient alice = portico.boshClient(); BoshTestClient bob = portico.boshClient()) {
            String aliceJid = alice.login("test5", LocalProsody.password("test5"), "pipelining", false);
            bob.login("test6", LocalProsody.password("test6"), "pipelining", false);
            bob.startPolling();
            BoshSession session = session(alice);

            try (HeldPost held = new HeldPost(portico.port(), alice.body(alice.nextRid(), "", ""))) {
                await(() -> session.heldRequests() == 1, "the poll is held");
                held.post(alice.body(alice.nextRid(), "", ""));
                bob.send(chat(aliceJid, "p1", "first"));
                String first = held.readResponse();
                await(() -> session.heldRequests() == 1, "the pipelined request is held in its turn");
                bob.send(chat(aliceJid, "p2", "second"));
                String second = held.readResponse();

                assertTrue(first.contains(">first<"), first);
                assertTrue(second.contains(">second<"), second);
            }
        }
    }

    private static BoshSession session(BoshTestClient client) {
        return (BoshSession) portico.server().store().get(client.sid()).orElseThrow();
    }

    /** The body text of the next message on the client's next request (the next rid, a new connection, no ack). */
    private static String nextBody(BoshTestClient client) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            XmlElement response = client.request("", "");
            for (XmlElement child : response.childElements()) {
                if (child.is(Namespaces.JABBER_CLIENT, "message")) {
                    return child.child(Namespaces.JABBER_CLIENT, "body").orElseThrow().text();
                }
            }
        }
        throw new AssertionError("no message within " + PATIENCE);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + PATIENCE + ": " + what);
            }
            Thread.sleep(5);
        }
    }

    /** One BOSH POST on a socket of its own, left open for Portico to hold, then closed as a browser would. */
    private static final class HeldPost implements AutoCloseable {
        private final Socket socket;

        HeldPost(int port, String body) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout((int) PATIENCE.toMillis());
            post(body);
        }

        /** Writes one POST on this connection (a second one is pipelined behind the first). */
        void post(String body) throws IOException {
            RawHttp.postXml(socket.getOutputStream(), "127.0.0.1:" + socket.getPort(), "/http-bind", body);
        }

        /** Reads one HTTP/1.1 response (status 200 with a Content-Length) and returns its body. */
        String readResponse() throws IOException {
            InputStream in = socket.getInputStream();
            String head = RawHttp.readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            return new String(RawHttp.readBody(in, head), StandardCharsets.UTF_8);
        }

        /** Closes with a FIN, or an RST (SO_LINGER zero). */
        void close(Close how) throws IOException {
            if (how == Close.RST) {
                socket.setSoLinger(true, 0);
            }
            socket.close();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
