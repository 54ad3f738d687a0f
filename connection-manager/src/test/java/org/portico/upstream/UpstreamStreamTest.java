package org.portico.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.portico.session.SessionLog;
import org.portico.store.testing.ManualScheduler;
import org.portico.store.testing.ManualTicker;
import org.portico.testing.LogCapture;
import org.portico.testing.RecordingUpstreamListener;
import org.portico.testing.ScriptedXmppServer;
import org.portico.testing.ScriptedXmppServer.Peer;
import org.portico.testing.UpstreamThreads;
import org.portico.upstream.UpstreamEnd.Reason;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlLimits;
import org.portico.xml.XmlParseException;
import org.portico.xml.XmlParser;
import org.slf4j.MDC;

/**
 * The upstream stream over plain TCP against the scripted server: RFC 6120 §4 streams, §6 SASL restarts. Every case
 * runs for both readers of an open stream: its own thread (a listener that may wait, as BOSH's), and the shared
 * poller over a non-blocking socket (a listener that never waits, as WebSocket's).
 */
@Timeout(60)
@ParameterizedClass(name = "read by {0}")
@EnumSource(UpstreamStreamTest.Reader.class)
class UpstreamStreamTest {

    enum Reader {
        OWN_THREAD(false), POLLER(true);

        final boolean neverWaits;

        Reader(boolean neverWaits) {
            this.neverWaits = neverWaits;
        }
    }

    @Parameter
    Reader reader;

    static final StreamHeader LOCALHOST = new StreamHeader("localhost", null, "en", "1.0");
    private static final XmlParser PARSER = new XmlParser(XmlLimits.DEFAULT);
    private static final String PLAIN_AUTH =
            "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAHNlY3JldA==</auth>";

    private ScriptedXmppServer server;
    private RecordingUpstreamListener listener;
    /** The close timeout runs on this clock: it fires only when a test moves time on. */
    private final ManualScheduler timer = new ManualScheduler(new ManualTicker());

    @BeforeEach
    void start() throws IOException {
        server = new ScriptedXmppServer();
        listener = new RecordingUpstreamListener(reader.neverWaits);
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        listener.assertContractKept();
    }

    private TcpUpstreamConnector connector(UnaryOperator<UpstreamConfig.Builder> settings) {
        UpstreamConfig.Builder builder = UpstreamConfig.builder()
                .domain("localhost", new UpstreamRoute("127.0.0.1", server.port(), TlsPolicy.DISABLED));
        return new TcpUpstreamConnector(settings.apply(builder).build(), name -> List.of(), timer);
    }

    /** Connects and plays the opening (RFC 6120 §4.2–§4.3) so the stream is OPEN. */
    private Upstream open(Peer[] peer, UnaryOperator<UpstreamConfig.Builder> settings) throws IOException {
        return open(peer, settings, LOCALHOST.to());
    }

    private Upstream open(Peer[] peer, UnaryOperator<UpstreamConfig.Builder> settings, String domain)
            throws IOException {
        Upstream upstream = connector(settings).connect(new StreamHeader(domain, null, "en", "1.0"), null, listener);
        peer[0] = server.accept();
        peer[0].expectHeader();
        peer[0].open("s1", ScriptedXmppServer.FEATURES_SASL);
        assertEquals("s1", listener.awaitOpened().attribute("id").orElseThrow());
        assertTrue(listener.awaitElement().is(Namespaces.STREAMS, "features"));
        return upstream;
    }

    /**
     * For the stream just connected: plays the server's opening (stream id {@code id}), sends a message with that id,
     * and returns what the listener made of it.
     */
    private <T> T openAndRelayAMessage(RecordingUpstreamListener events, String id, CompletableFuture<T> made)
            throws Exception {
        Peer peer = server.accept();
        peer.expectHeader();
        peer.open(id, ScriptedXmppServer.FEATURES_SASL);
        events.awaitOpened();
        events.awaitElement();
        peer.send("<message id='" + id + "'/>");
        return made.get(10, TimeUnit.SECONDS);
    }

    /** A listener that records into {@code to}, then does {@code also} with each element. */
    private static UpstreamListener recordingThen(RecordingUpstreamListener to, Consumer<XmlElement> also) {
        return recordingThen(to, header -> { }, also);
    }

    /**
     * A listener that records into {@code to}, then does {@code alsoOpened} with each header and {@code also} with
     * each element.
     */
    private static UpstreamListener recordingThen(RecordingUpstreamListener to, Consumer<XmlElement> alsoOpened,
            Consumer<XmlElement> also) {
        return new UpstreamListener() {
            @Override
            public void onOpened(XmlElement header) {
                to.onOpened(header);
                alsoOpened.accept(header);
            }

            @Override
            public void onElement(XmlElement element) {
                to.onElement(element);
                also.accept(element);
            }

            @Override
            public void onClosed(UpstreamEnd end) {
                to.onClosed(end);
            }

            @Override
            public boolean neverWaits() {
                return to.neverWaits();
            }
        };
    }

    static XmlElement xml(String text) {
        try {
            return PARSER.parseDocument(text.getBytes(StandardCharsets.UTF_8));
        } catch (XmlParseException e) {
            throw new AssertionError("test XML does not parse: " + text, e);
        }
    }

    @Test
    void opensWithAClientHeaderAndReportsTheServerHeaderAndFeatures() throws IOException {
        connector(b -> b).connect(new StreamHeader("localhost", "alice@localhost", "en", null), null, listener);
        Peer peer = server.accept();

        String header = peer.expectHeader();
        assertTrue(header.contains("to='localhost'"), header);
        assertTrue(header.contains("from='alice@localhost'"), header);
        assertTrue(header.contains("xml:lang='en'"), header);
        assertTrue(header.contains("version='1.0'"), "RFC 6120 §4.7.5: version 1.0 even if the client gave none");
        assertTrue(header.contains("xmlns='jabber:client'"), header);
        assertTrue(header.contains("xmlns:stream='http://etherx.jabber.org/streams'"), header);

        peer.open("abc", ScriptedXmppServer.FEATURES_SASL);
        XmlElement serverHeader = listener.awaitOpened();
        assertTrue(serverHeader.is(Namespaces.STREAMS, "stream"));
        assertEquals("abc", serverHeader.attribute("id").orElseThrow());
        XmlElement features = listener.awaitElement();
        assertTrue(features.child(Namespaces.SASL, "mechanisms").isPresent(), features.toString());
    }

    /**
     * An open stream read by the poller holds no thread of its own (the cost per idle session, issue 10): its reader
     * thread ends once the stream is open, and the stream goes on relaying both ways.
     */
    @Test
    void anOpenStreamReadByThePollerHoldsNoThreadOfItsOwn() throws Exception {
        Peer[] peer = new Peer[1];
        Upstream upstream = open(peer, b -> b.domain("threads.test",
                new UpstreamRoute("127.0.0.1", server.port(), TlsPolicy.DISABLED)), "threads.test");

        long deadline = System.nanoTime() + ScriptedXmppServer.TIMEOUT.toNanos();
        long readers = UpstreamThreads.readersFor("threads.test");
        while (reader == Reader.POLLER && readers > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10); // the reader thread ends just after it handed the stream over; polled, bounded
            readers = UpstreamThreads.readersFor("threads.test");
        }
        assertEquals(reader == Reader.POLLER ? 0 : 1, readers);
        upstream.send(xml("<message xmlns='jabber:client' id='out'/>"));
        assertTrue(peer[0].expect("/>").contains("id=\"out\""));
        peer[0].send("<message id='in'/>");
        assertEquals("in", listener.awaitElement().attribute("id").orElseThrow());
    }

    /**
     * {@code upstream.pollers}: the open streams are shared out among the pollers in turn, so two streams opened one
     * after the other are read by two threads; a stream read by its own thread uses none of them.
     */
    @Test
    void openStreamsAreSharedOutAmongTheConfiguredPollers() throws Exception {
        TcpUpstreamConnector connector = connector(b -> b.pollers(2));
        List<Thread> readers = new ArrayList<>();
        for (String id : List.of("first", "second")) {
            CompletableFuture<Thread> readBy = new CompletableFuture<>();
            RecordingUpstreamListener events = new RecordingUpstreamListener(reader.neverWaits);
            UpstreamListener recordingThread = recordingThen(events, element -> {
                if (element.is(Namespaces.JABBER_CLIENT, "message")) {
                    readBy.complete(Thread.currentThread());
                }
            });
            connector.connect(LOCALHOST, null, recordingThread);
            readers.add(openAndRelayAMessage(events, id, readBy));
        }

        if (reader == Reader.POLLER) {
            assertNotEquals(readers.get(0), readers.get(1), "two streams, two pollers");
            assertTrue(readers.stream().allMatch(t -> t.getName().startsWith("upstream-poller ")), readers.toString());
        } else {
            assertTrue(readers.stream().allMatch(Thread::isVirtual), "each stream read by its own thread");
        }
    }

    /**
     * DEVELOPERS.md, logging: what is logged while a stream's stanza is relayed carries the session id and client
     * address of the session that opened the stream, and nothing of it is left on the thread for the next stream's
     * stanza: with one poller both streams are read by the same thread.
     */
    @Test
    void stanzasAreRelayedInTheLoggingContextOfTheSessionThatOpenedTheStream() throws Exception {
        TcpUpstreamConnector connector = connector(b -> b.pollers(1));
        List<Map<String, String>> seen = new ArrayList<>();
        for (String sid : List.of("with-context", "without")) {
            CompletableFuture<Map<String, String>> context = new CompletableFuture<>();
            RecordingUpstreamListener events = new RecordingUpstreamListener(reader.neverWaits);
            UpstreamListener recordingContext = recordingThen(events, element -> {
                if (element.is(Namespaces.JABBER_CLIENT, "message")) {
                    Map<String, String> mdc = MDC.getCopyOfContextMap();
                    context.complete(mdc == null ? Map.of() : mdc);
                }
            });
            if (sid.equals("with-context")) {
                MDC.put(SessionLog.SID, sid);
                MDC.put(SessionLog.CLIENT, "192.0.2.7");
            }
            try {
                connector.connect(LOCALHOST, null, recordingContext);
            } finally {
                MDC.clear();
            }
            seen.add(openAndRelayAMessage(events, sid, context));
        }

        assertEquals(List.of(Map.of(SessionLog.SID, "with-context", SessionLog.CLIENT, "192.0.2.7"), Map.of()), seen);
    }

    @Test
    void aStanzaFollowedBySilenceIsDeliveredWithoutWaitingForMoreBytes() throws IOException {
        Peer[] peer = new Peer[1];
        open(peer, b -> b);

        peer[0].send("<message from='bob@localhost' id='m1'><body>hi</body></message>");

        XmlElement message = listener.awaitElement();
        assertEquals("m1", message.attribute("id").orElseThrow());
    }

    /**
     * What one read from the server held reaches the listener as one read, so that a WebSocket session writes it to
     * its client in one system call (issue 10): the server's header and features, a burst of stanzas. A reader on a
     * thread of its own blocks in its parser and cannot tell whether more is buffered, so it ends a read after each
     * stanza.
     */
    @Test
    void whatArrivesInOneReadIsReportedAsOneRead() throws IOException {
        Peer[] peer = new Peer[1];
        open(peer, b -> b);
        assertEquals(2, listener.nextRead(), "the server's header and features");

        peer[0].send("<message id='m1'/><message id='m2'/><message id='m3'/>");

        for (String id : List.of("m1", "m2", "m3")) {
            assertEquals(id, listener.awaitElement().attribute("id").orElseThrow());
        }
        List<Integer> reads = new ArrayList<>();
        for (int reported = 0; reported < 3; reported += reads.getLast()) {
            reads.add(listener.nextRead());
        }
        assertEquals(reader == Reader.POLLER ? List.of(3) : List.of(1, 1, 1), reads);
    }

    @Test
    void stanzasAreRelayedBothWaysWithTheirNamespaces() throws IOException {
        Peer[] peer = new Peer[1];
        Upstream upstream = open(peer, b -> b);

        upstream.send(xml("<message xmlns='jabber:client' to='bob@localhost' id='out'><body>a &amp; b</body>"
                + "<active xmlns='http://jabber.org/protocol/chatstates'/></message>"));
        String sent = peer[0].expect("</message>");
        assertTrue(sent.contains("<message to=\"bob@localhost\" id=\"out\"><body>a &amp; b</body>"
                + "<active xmlns=\"http://jabber.org/protocol/chatstates\"/></message>"),
                "jabber:client is inherited from the stream, other namespaces declared: " + sent);

        peer[0].send("<message from='bob@localhost' id='in'><x xmlns='urn:example:x'><y/></x></message>");
        XmlElement received = listener.awaitElement();
        assertTrue(received.is(Namespaces.JABBER_CLIENT, "message"), received.toString());
        XmlElement x = received.child("urn:example:x", "x").orElseThrow();
        assertTrue(x.child("urn:example:x", "y").isPresent(), "children inherit their parent's namespace");
    }

    @Test
    void queuedElementsAreWrittenInTheOrderQueuedOnceTheCallerWritesThem() throws IOException {
        Peer[] peer = new Peer[1];
        Upstream upstream = open(peer, b -> b);
        assertTrue(upstream.queue(xml("<message xmlns='jabber:client' id='q1'/>")));
        assertTrue(upstream.queue(xml("<message xmlns='jabber:client' id='q2'/>")));
        upstream.writeQueuedWithoutWaiting();

        String sent = peer[0].expect("id=\"q2\"/>");
        assertTrue(sent.contains("id=\"q1\""), "in the order queued: " + sent);
        assertTrue(sent.indexOf("q1") < sent.indexOf("q2"), sent);
    }

    @Test
    void elementsQueuedBeforeTheStreamOpensFollowTheHeader() throws IOException {
        Upstream upstream = connector(b -> b).connect(LOCALHOST, null, listener);
        upstream.queue(xml("<presence xmlns='jabber:client' id='early'/>"));
        upstream.writeQueuedWithoutWaiting();
        Peer peer = server.accept();
        peer.expectHeader();
        peer.open("s1", ScriptedXmppServer.FEATURES_SASL);

        assertTrue(peer.expect("/>").contains("id=\"early\""), "the writer sends it once the stream is open");
        listener.awaitOpened();
        listener.awaitElement();
    }

    @Test
    void elementsSentBeforeTheStreamOpensFollowTheHeader() throws IOException {
        Upstream upstream = connector(b -> b).connect(LOCALHOST, null, listener);
        upstream.send(xml("<presence xmlns='jabber:client' id='early'/>"));
        Peer peer = server.accept();
        peer.expectHeader();
        peer.open("s1", ScriptedXmppServer.FEATURES_SASL);

        assertTrue(peer.expect("/>").contains("id=\"early\""));
        listener.awaitOpened();
        listener.awaitElement();
    }

    @Test
    void saslSuccessRestartsTheStreamOnTheSameConnection() throws IOException {
        Peer[] peer = new Peer[1];
        Upstream upstream = authSent(peer, PLAIN_AUTH);
        peer[0].send("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
        assertTrue(listener.awaitElement().is(Namespaces.SASL, "success"), "SASL passes through untouched");

        upstream.restart(new StreamHeader("localhost", null, "en", "1.0"));
        upstream.writeQueuedWithoutWaiting();

        String restarted = peer[0].expectHeader();
        assertTrue(restarted.contains("to='localhost'"), "RFC 6120 §6.4.6: a new header on the same connection");
        peer[0].open("s2", ScriptedXmppServer.FEATURES_BIND);
        assertEquals("s2", listener.awaitOpened().attribute("id").orElseThrow());
        assertTrue(listener.awaitElement().child(Namespaces.BIND, "bind").isPresent());

        peer[0].send("<iq type='result' id='b1'/>");
        assertEquals("b1", listener.awaitElement().attribute("id").orElseThrow());
    }

    @Test
    void aRestartRequestedFromInsideTheListenerFindsTheNewParserReady() throws IOException {
        AtomicReference<Upstream> self = new AtomicReference<>();
        UpstreamListener restarting = recordingThen(listener, element -> {
            if (element.is(Namespaces.SASL, "success")) {
                self.get().restart(LOCALHOST);
                self.get().writeQueuedWithoutWaiting();
            }
        });
        self.set(connector(b -> b).connect(LOCALHOST, null, restarting));
        Peer peer = server.accept();
        peer.expectHeader();
        peer.open("s1", ScriptedXmppServer.FEATURES_SASL);
        listener.awaitOpened();
        listener.awaitElement();

        peer.send("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
        listener.awaitElement();
        peer.expectHeader();
        peer.open("s2", ScriptedXmppServer.FEATURES_BIND);

        assertEquals("s2", listener.awaitOpened().attribute("id").orElseThrow());
        listener.awaitElement();
    }

    @Test
    void sasl2SuccessDoesNotRestartTheStream() throws IOException {
        Peer[] peer = new Peer[1];
        open(peer, b -> b);

        peer[0].send("<success xmlns='urn:xmpp:sasl:2'><authorization-identifier>alice@localhost"
                + "</authorization-identifier></success><message id='after'/>");

        assertTrue(listener.awaitElement().is(Namespaces.SASL2, "success"));
        assertEquals("after", listener.awaitElement().attribute("id").orElseThrow(),
                "XEP-0388: the stream continues without a new header");
    }

    @Test
    void aStreamErrorEndsTheStreamWithTheErrorElement() throws IOException {
        Peer[] peer = new Peer[1];
        open(peer, b -> b);

        peer[0].send("<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
                + ScriptedXmppServer.CLOSING_TAG);

        UpstreamEnd end = listener.awaitClosed();
        assertEquals(Reason.STREAM_ERROR, end.reason());
        assertTrue(end.streamError().child(Namespaces.STREAM_ERRORS, "conflict").isPresent());
        peer[0].readToEnd();
    }

    @Test
    void aStreamErrorInsteadOfFeaturesIsAStreamError() throws IOException {
        connector(b -> b).connect(LOCALHOST, null, listener);
        Peer peer = server.accept();
        peer.expectHeader();
        peer.send(ScriptedXmppServer.header("s1") + "<stream:error><host-unknown "
                + "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>" + ScriptedXmppServer.CLOSING_TAG);

        UpstreamEnd end = listener.awaitClosed();
        assertEquals(Reason.STREAM_ERROR, end.reason());
        assertEquals("host-unknown", UpstreamFailure.condition(end.streamError()));
    }

    /** An open stream whose session has sent {@code auth}, which the server has read and not answered yet. */
    private Upstream authSent(Peer[] peer, String auth) throws IOException {
        Upstream upstream = open(peer, b -> b);
        upstream.send(xml(auth));
        peer[0].expect("</auth>");
        return upstream;
    }

    /** An open stream whose server has just sent SASL success: it now waits for the restart (RFC 6120 §6.4.6). */
    private Upstream authenticated(Peer[] peer) throws IOException {
        Upstream upstream = authSent(peer, PLAIN_AUTH);
        peer[0].send("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
        assertTrue(listener.awaitElement().is(Namespaces.SASL, "success"));
        return upstream;
    }

    /**
     * RFC 6120 §6.4.6: after SASL success the server waits for a new header, so a close before the session's restart
     * sends one, then the closing tag; a closing tag alone would begin the server's new document with an end tag.
     */
    @Test
    void aCloseBeforeTheRestartDueAfterSaslSuccessOpensTheNewStreamFirst_RFC6120_6_4_6() throws IOException {
        Peer[] peer = new Peer[1];
        Upstream upstream = authenticated(peer);

        upstream.close();

        String restarted = peer[0].expectHeader();
        assertTrue(restarted.contains("to='localhost'"), restarted);
        peer[0].open("s2", ScriptedXmppServer.FEATURES_BIND);
        peer[0].expect(ScriptedXmppServer.CLOSING_TAG);
        peer[0].send(ScriptedXmppServer.CLOSING_TAG);
        UpstreamEnd end = null;
        while (end == null) {
            if (listener.next() instanceof RecordingUpstreamListener.Closed closed) {
                end = closed.end();
            }
        }
        assertEquals(Reason.CLOSED_BY_US, end.reason(), end.toString());
    }

    /**
     * RFC 6120 §6.4.6: while the session's {@code <auth/>} is unanswered the server may have sent success, and then
     * waits for a new header, or not: no last bytes fit both, so a close drops the connection and writes nothing
     * after the auth (before authentication the server has no session to end).
     */
    @Test
    void aCloseWhileSaslIsUnansweredDropsTheConnectionWithoutLastBytes_RFC6120_6_4_6() throws IOException {
        Peer[] peer = new Peer[1];
        Upstream upstream = authSent(peer, PLAIN_AUTH);

        upstream.close();

        UpstreamEnd end = listener.awaitClosed();
        assertEquals(Reason.CLOSED_BY_US, end.reason(), end.toString());
        assertEquals("closed with SASL unanswered", end.detail());
        assertEquals("", peer[0].readToEnd(), "nothing after the auth");
    }

    /** A challenge answers the auth: the server waits in the stream it has, so a close is the closing tag. */
    @Test
    void aCloseAfterASaslChallengeSendsTheClosingTag() throws IOException {
        Peer[] peer = new Peer[1];
        Upstream upstream = authSent(peer, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>"
                + "biwsbj1hbGljZSxyPWFiYw==</auth>");
        peer[0].send("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>cj1hYmNkZWYscz1zYWx0LGk9NDA5Ng==</challenge>");
        assertTrue(listener.awaitElement().is(Namespaces.SASL, "challenge"));

        upstream.close();

        peer[0].expect(ScriptedXmppServer.CLOSING_TAG);
        peer[0].send(ScriptedXmppServer.CLOSING_TAG);
        assertEquals(Reason.CLOSED_BY_US, listener.awaitClosed().reason());
    }

    /** Once the session's restart is queued, the new stream is the session's own, and a close is the closing tag. */
    @Test
    void aCloseAfterTheRestartSendsTheClosingTagAlone() throws IOException {
        Peer[] peer = new Peer[1];
        Upstream upstream = authenticated(peer);
        upstream.restart(new StreamHeader("localhost", null, "en", "1.0"));
        upstream.writeQueuedWithoutWaiting();
        peer[0].expectHeader();
        peer[0].open("s2", ScriptedXmppServer.FEATURES_BIND);
        listener.awaitOpened();
        listener.awaitElement();

        upstream.close();

        peer[0].send(ScriptedXmppServer.CLOSING_TAG);
        assertEquals(Reason.CLOSED_BY_US, listener.awaitClosed().reason());
        String rest = peer[0].readToEnd();
        assertEquals(ScriptedXmppServer.CLOSING_TAG, rest.strip(), "no second header: " + rest);
    }

    @Test
    void theServersCloseIsAnsweredAndReportedAsClosedByServer() throws IOException {
        Peer[] peer = new Peer[1];
        open(peer, b -> b);

        peer[0].send(ScriptedXmppServer.CLOSING_TAG);

        assertEquals(Reason.CLOSED_BY_SERVER, listener.awaitClosed().reason());
        assertTrue(peer[0].readToEnd().contains(ScriptedXmppServer.CLOSING_TAG), "RFC 6120 §4.4: close answered");
    }

    @Test
    void aConnectionDroppedWithoutCloseTagIsAConnectionFailureNotACleanClose_RFC6120_4_4() throws IOException {
        Peer[] peer = new Peer[1];
        open(peer, b -> b);

        peer[0].close();

        UpstreamEnd end = listener.awaitClosed();
        assertEquals(Reason.CONNECTION_FAILED, end.reason());
        assertTrue(end.detail().contains("without </stream:stream>"), end.detail());
    }

    @Test
    void closeSendsTheClosingTagAndCompletesWhenTheServerAnswers() throws IOException {
        Peer[] peer = new Peer[1];
        Upstream upstream = open(peer, b -> b.closeTimeout(Duration.ofMinutes(10)));

        upstream.close();
        peer[0].expect(ScriptedXmppServer.CLOSING_TAG);
        peer[0].send("<message id='late'/>" + ScriptedXmppServer.CLOSING_TAG);

        assertEquals("late", listener.awaitElement().attribute("id").orElseThrow(),
                "stanzas that cross our close are still delivered");
        UpstreamEnd end = listener.awaitClosed();
        assertEquals(Reason.CLOSED_BY_US, end.reason(), "well before the ten-minute close timeout");
        assertEquals("", peer[0].readToEnd(), "the socket is closed after the server's answer");
    }

    @Test
    void closeGivesUpAfterTheCloseTimeoutWhenTheServerStaysSilent() throws IOException {
        Peer[] peer = new Peer[1];
        Upstream upstream = open(peer, b -> b.closeTimeout(Duration.ofSeconds(5)));

        upstream.close();
        peer[0].expect(ScriptedXmppServer.CLOSING_TAG);
        assertFalse(listener.hasClosed(), "the server still has time to answer");
        assertTrue(timer.advanceToNextWakeUp(), "the close timeout is on Portico's clock");

        UpstreamEnd end = listener.awaitClosed();
        assertEquals(Reason.CLOSED_BY_US, end.reason());
        assertTrue(end.detail().contains("no </stream:stream>"), end.detail());
        peer[0].readToEnd();
    }

    @Test
    void writesAfterCloseAreDropped() throws IOException {
        Peer[] peer = new Peer[1];
        Upstream upstream = open(peer, b -> b.closeTimeout(Duration.ofMinutes(10)));

        upstream.close();
        upstream.send(xml("<message xmlns='jabber:client' id='too-late'/>"));
        // a server answers our closing tag after reading it; answering before would race our own write
        peer[0].expect(ScriptedXmppServer.CLOSING_TAG);
        peer[0].send(ScriptedXmppServer.CLOSING_TAG);

        assertEquals(Reason.CLOSED_BY_US, listener.awaitClosed().reason());
        assertEquals("", peer[0].readToEnd(), "nothing follows our closing tag");
    }

    @Test
    void abortDropsTheConnectionWithoutAClosingTag() throws IOException {
        Peer[] peer = new Peer[1];
        Upstream upstream = open(peer, b -> b);

        upstream.abort();

        assertEquals(Reason.CLOSED_BY_US, listener.awaitClosed().reason());
        assertFalse(peer[0].readToEnd().contains(ScriptedXmppServer.CLOSING_TAG));
    }

    @Test
    void closeBeforeTheStreamOpensDisconnects() throws IOException {
        Upstream upstream = connector(b -> b).connect(LOCALHOST, null, listener);
        Peer peer = server.accept();
        peer.expectHeader();

        upstream.close();

        UpstreamEnd end = listener.awaitClosed();
        assertEquals(Reason.CLOSED_BY_US, end.reason());
        peer.readToEnd();
    }

    @Test
    void malformedXmlIsAProtocolErrorAndTheServerIsTold() throws IOException {
        Peer[] peer = new Peer[1];
        open(peer, b -> b);

        peer[0].send("<message><body>unclosed</message>");

        assertEquals(Reason.PROTOCOL_ERROR, listener.awaitClosed().reason());
        String answer = peer[0].readToEnd();
        assertTrue(answer.contains("<stream:error><bad-format"), "RFC 6120 §4.9.3.1: " + answer);
    }

    @Test
    void anElementOverTheXmlLimitIsAProtocolError() throws IOException {
        Peer[] peer = new Peer[1];
        open(peer, b -> b.xmlLimits(new XmlLimits(4096, 16, 16, 4096)));

        peer[0].send("<message><body>" + "x".repeat(5000) + "</body></message>");

        assertEquals(Reason.PROTOCOL_ERROR, listener.awaitClosed().reason());
    }

    /** A listener's bug is Portico's bug: one ERROR line each, with the stack trace, and the stream reads on. */
    @Test
    void aListenerExceptionIsLoggedAndReadingGoesOn() throws IOException {
        UpstreamListener throwing = new UpstreamListener() {
            @Override
            public void onOpened(XmlElement header) {
                listener.onOpened(header);
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void onElement(XmlElement element) {
                listener.onElement(element);
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void onClosed(UpstreamEnd end) {
                listener.onClosed(end);
            }

            @Override
            public boolean neverWaits() {
                return listener.neverWaits();
            }
        };
        try (LogCapture log = LogCapture.start()) {
            connector(b -> b).connect(LOCALHOST, null, throwing);
            Peer peer = server.accept();
            peer.expectHeader();
            peer.open("s1", ScriptedXmppServer.FEATURES_SASL);
            peer.send("<message id='m2'/>");

            listener.awaitOpened();
            listener.awaitElement();
            assertEquals("m2", listener.awaitElement().attribute("id").orElseThrow());
            peer.send("</stream:stream>");
            listener.awaitClosed(); // the reader has logged everything before it

            List<ILoggingEvent> errors = log.events().stream()
                    .filter(e -> e.getLevel() == Level.ERROR && e.getLoggerName().equals(UpstreamStream.class.getName()))
                    .toList();
            assertEquals(List.of("listener failed on the stream header", "listener failed on <features/>",
                    "listener failed on <message/>"), errors.stream()
                    .map(e -> e.getFormattedMessage().replaceFirst("^UpstreamStream\\[[^]]*\\]: ", "")).toList());
            for (ILoggingEvent error : errors) {
                assertEquals("listener bug", error.getThrowableProxy().getMessage(), "the stack trace is logged");
            }
        }
    }

    @Test
    void aRefusedConnectionIsConnectionFailed() throws IOException {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        UpstreamConfig config = UpstreamConfig.builder()
                .domain("localhost", new UpstreamRoute("127.0.0.1", closedPort, TlsPolicy.DISABLED)).build();

        new TcpUpstreamConnector(config, name -> List.of(), timer).connect(LOCALHOST, null, listener);

        UpstreamEnd end = listener.awaitClosed();
        assertEquals(Reason.CONNECTION_FAILED, end.reason());
        assertTrue(end.detail().contains(Integer.toString(closedPort)), end.detail());
    }

    /**
     * RFC 6120 §4.2: a server that takes the connection and never answers our header fails the stream after the
     * connect timeout, whether the stream's own thread or the poller reads the opening (on the JVM's clock, as
     * socket timeouts are: the network's timeouts do not follow Portico's session clock).
     */
    @Test
    void aSilentServerFailsTheNegotiationAfterTheConnectTimeout() throws IOException {
        connector(b -> b.connectTimeout(Duration.ofMillis(200))).connect(LOCALHOST, null, listener);
        Peer peer = server.accept();
        peer.expectHeader();

        UpstreamEnd end = listener.awaitClosed();
        assertEquals(Reason.CONNECTION_FAILED, end.reason());
        if (reader == Reader.POLLER) {
            assertEquals("no stream header and features from 127.0.0.1:" + server.port() + " within 200 ms",
                    end.detail());
        }
        peer.readToEnd();
    }

    /**
     * The opening's timeout ends only a stream still waiting for it: one that opened relays on past it. A second
     * stream, opened after the first on the same poller and left without an answer, times out after the first's
     * deadline has passed, so no test needs to sleep.
     */
    @Test
    void anOpenStreamOutlivesItsOpeningTimeout() throws IOException {
        TcpUpstreamConnector connector = connector(b -> b.connectTimeout(Duration.ofMillis(200)).pollers(1));
        Upstream opened = connector.connect(LOCALHOST, null, listener);
        Peer peer = server.accept();
        peer.expectHeader();
        peer.open("s1", ScriptedXmppServer.FEATURES_SASL);
        listener.awaitOpened();
        listener.awaitElement();
        RecordingUpstreamListener silent = new RecordingUpstreamListener(reader.neverWaits);
        connector.connect(LOCALHOST, null, silent);
        Peer silentPeer = server.accept();
        silentPeer.expectHeader();

        assertEquals(Reason.CONNECTION_FAILED, silent.awaitClosed().reason());
        peer.send("<message id='later'/>");
        assertEquals("later", listener.awaitElement().attribute("id").orElseThrow());
        opened.send(xml("<message xmlns='jabber:client' id='out'/>"));
        assertTrue(peer.expect("/>").contains("id=\"out\""));
        assertFalse(listener.hasClosed());
        silentPeer.readToEnd();
    }

    /**
     * A session that never waits, on a route without TLS, has the server's opening read by the poller as it comes,
     * in pieces or not, and the stream opens there, with no reader thread waiting for it (issue 10: a login's CPU).
     * A session that may wait has its opening read by its own thread. Once open, nothing is waited for.
     */
    @Test
    void theOpeningIsReadByTheThreadThatWillReadTheStream() throws Exception {
        CompletableFuture<Thread> openedOn = new CompletableFuture<>();
        UpstreamListener recordingThread = recordingThen(listener,
                header -> openedOn.complete(Thread.currentThread()), element -> { });
        Upstream upstream = connector(b -> b).connect(LOCALHOST, null, recordingThread);
        Peer peer = server.accept();
        peer.expectHeader();
        peer.send(ScriptedXmppServer.header("pieces"));
        peer.send("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>");
        peer.send("<mechanism>PLAIN</mechanism></mechanisms></stream:features><message id='after'/>");

        assertEquals("pieces", listener.awaitOpened().attribute("id").orElseThrow());
        assertTrue(listener.awaitElement().child(Namespaces.SASL, "mechanisms").isPresent());
        assertEquals("after", listener.awaitElement().attribute("id").orElseThrow(), "what follows is relayed");
        Thread thread = openedOn.get(10, TimeUnit.SECONDS);
        if (reader == Reader.POLLER) {
            assertTrue(thread.getName().startsWith("upstream-poller "), thread.getName());
        } else {
            assertTrue(thread.isVirtual(), thread.getName());
        }
        upstream.send(xml("<message xmlns='jabber:client' id='out'/>"));
        assertTrue(peer.expect("/>").contains("id=\"out\""));
    }

    /** A connection dropped before the server's features is a connection failure, before the stream opened. */
    @Test
    void aConnectionDroppedDuringTheOpeningIsAConnectionFailure() throws IOException {
        connector(b -> b).connect(LOCALHOST, null, listener);
        Peer peer = server.accept();
        peer.expectHeader();
        peer.send(ScriptedXmppServer.header("s1"));
        peer.close();

        UpstreamEnd end = listener.awaitClosed();
        assertEquals(Reason.CONNECTION_FAILED, end.reason());
        assertTrue(end.detail().contains("closed the connection"), end.detail());
        assertFalse(end.detail().contains("</stream:stream>"), "no stream was open to close: " + end.detail());
    }

    /**
     * A server whose first element is not an XMPP stream header is a protocol error, not a stream (RFC 6120 §4.8.1).
     */
    @Test
    void anOpeningThatIsNoXmppStreamIsAProtocolError() throws IOException {
        connector(b -> b).connect(LOCALHOST, null, listener);
        Peer peer = server.accept();
        peer.expectHeader();
        peer.send("<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'><body/></html>");

        UpstreamEnd end = listener.awaitClosed();
        assertEquals(Reason.PROTOCOL_ERROR, end.reason());
        assertTrue(end.detail().contains("did not open an XMPP stream"), end.detail());
    }

    @Test
    void anUnknownDomainIsHostUnknown() {
        connector(b -> b).connect(new StreamHeader("example.org", null, null, null), null, listener);

        UpstreamEnd end = listener.awaitClosed();
        assertEquals(Reason.HOST_UNKNOWN, end.reason(), "XEP-0124 §17.2 host-unknown");
        assertTrue(end.detail().contains("example.org"), end.detail());
    }

    @Test
    void srvTargetsAreTriedInOrderUntilOneAccepts() throws IOException {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        SrvLookup dns = name -> name.equals("_xmpp-client._tcp.srv.test")
                ? List.of(new SrvLookup.SrvRecord(20, 0, server.port(), "127.0.0.1."),
                        new SrvLookup.SrvRecord(10, 0, closedPort, "127.0.0.1."))
                : List.of();
        UpstreamConfig config = UpstreamConfig.builder().srvLookup(true).discoveredTls(TlsPolicy.DISABLED).build();

        new TcpUpstreamConnector(config, dns, timer).connect(new StreamHeader("srv.test", null, null, "1.0"), null, listener);

        Peer peer = server.accept();
        assertTrue(peer.expectHeader().contains("to='srv.test'"), "RFC 6120 §3.2.1: next target after a refusal");
        peer.open("srv", ScriptedXmppServer.FEATURES_SASL);
        assertEquals("srv", listener.awaitOpened().attribute("id").orElseThrow());
        listener.awaitElement();
    }

    /**
     * What the reader thread does not catch (here an {@link Error} from the DNS lookup; on JDK 25.0.3 also an
     * exception that passes its catch blocks, JDK-8389310) still ends the stream, as an internal error, and is one
     * ERROR line: the session is told instead of waiting on a stream nobody reads.
     */
    @Test
    void aReaderThreadEndedByWhatItDidNotCatchStillEndsTheStream() {
        SrvLookup dns = name -> {
            throw new AssertionError("passed the catch blocks");
        };
        UpstreamConfig config = UpstreamConfig.builder().srvLookup(true).discoveredTls(TlsPolicy.DISABLED).build();

        try (LogCapture log = LogCapture.start()) {
            new TcpUpstreamConnector(config, dns, timer)
                    .connect(new StreamHeader("srv.test", null, null, "1.0"), null, listener);

            UpstreamEnd end = listener.awaitClosed();
            assertEquals(Reason.CONNECTION_FAILED, end.reason());
            assertEquals("internal error: java.lang.AssertionError: passed the catch blocks", end.detail());
            assertEquals(1, log.lines(event -> event.getLevel() == Level.ERROR).size(), log.events().toString());
        }
    }

    @Test
    void anAllowedRouteIsWhereTheStreamGoes() throws IOException {
        String route = "xmpp:127.0.0.1:" + server.port();
        UpstreamConfig config = UpstreamConfig.builder().discoveredTls(TlsPolicy.DISABLED).allowRoute(route).build();

        new TcpUpstreamConnector(config, name -> List.of(), timer)
                .connect(new StreamHeader("example.org", null, null, "1.0"), route, listener);

        Peer peer = server.accept();
        assertTrue(peer.expectHeader().contains("to='example.org'"), "the domain still names the service");
        peer.open("r1", ScriptedXmppServer.FEATURES_SASL);
        assertEquals("r1", listener.awaitOpened().attribute("id").orElseThrow());
        listener.awaitElement();
    }

    @Test
    void aRouteNotOnTheAllowListIsIgnored() throws IOException {
        Peer[] peer = new Peer[1];
        Upstream upstream = connector(b -> b).connect(LOCALHOST, "xmpp:10.0.0.1:5222", listener);
        peer[0] = server.accept();
        peer[0].expectHeader();
        peer[0].open("s1", ScriptedXmppServer.FEATURES_SASL);

        assertEquals("s1", listener.awaitOpened().attribute("id").orElseThrow(), "the domain map decided");
        listener.awaitElement();
        upstream.abort();
        listener.awaitClosed();
    }

    @Test
    void toStringShowsDomainTargetStateAndTls() throws IOException {
        Peer[] peer = new Peer[1];
        Upstream upstream = open(peer, b -> b);

        assertEquals("UpstreamStream[localhost -> 127.0.0.1:" + server.port() + " OPEN plain]", upstream.toString());
    }
}
