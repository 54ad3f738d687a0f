package org.portico.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.xml.namespace.QName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.portico.testing.InMemoryUpstream;
import org.portico.testing.RecordingLease;
import org.portico.upstream.StreamHeader;
import org.portico.upstream.UpstreamEnd;
import org.portico.websocket.WebSocketLifecycle.State;
import org.portico.session.SessionLog;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlText;
import org.slf4j.MDC;

/** WebSocketSession against an in-memory upstream: RFC 7395 §3 and Portico's resumption, one session at a time. */
class WebSocketSessionTest {

    private static final QName TOKEN = new QName(Namespaces.PORTICO_RESUME, "token");
    private static final QName H = new QName(Namespaces.PORTICO_RESUME, "h");
    private static final QName RESUMED = new QName(Namespaces.PORTICO_RESUME, "resumed");

    private final InMemoryUpstream upstream = new InMemoryUpstream();
    private final RecordingLease recordingLifetime = new RecordingLease();
    private final List<String> lifetime = recordingLifetime.changes();
    private final RecordingConnection socket = new RecordingConnection();
    private final SecureRandom random = new SecureRandom();
    private WebSocketSession session;
    private String token;

    @AfterEach
    void everyDecisionWasFlushed() {
        assertTrue(socket.allFlushed(), "frames left queued after an event");
    }

    private void start(WebSocketConfig config) {
        session = new WebSocketSession("s1", RecordingConnection.ORIGIN, config, recordingLifetime, random);
        session.start(socket, new StreamHeader("localhost", null, "en", "1.0"), upstream);
    }

    /** Started, the server's header and features relayed; frames taken. */
    private List<XmlElement> opened(WebSocketConfig config) throws Exception {
        start(config);
        upstream.open("stream-1");
        upstream.features();
        List<XmlElement> frames = socket.take();
        token = frames.get(0).attribute(TOKEN).orElse(null);
        return frames;
    }

    private static FramingCodec.Element stanza(String id) {
        return new FramingCodec.Element(XmlElement.of(Namespaces.JABBER_CLIENT, "message").withAttribute("id", id));
    }

    private static FramingCodec.Open open() {
        return new FramingCodec.Open("localhost", null, "en", "1.0", null, null);
    }

    private static XmlElement message(String id) {
        return InMemoryUpstream.message("a@localhost/r", "b@localhost/r", "text " + id).withAttribute("id", id);
    }

    private static XmlElement featuresWithCsi() {
        return new XmlElement(new QName(Namespaces.STREAMS, "features", "stream"), Map.of(),
                List.of(XmlElement.of(Namespaces.CSI, "csi")));
    }

    private static List<String> ids(List<XmlElement> frames) {
        return frames.stream().map(f -> f.localName() + f.attribute("id").map(id -> ":" + id).orElse("")).toList();
    }

    private boolean resume(RecordingConnection to, String presentedToken, long h) {
        return session.resume(to, ResumeToken.parse(presentedToken).orElseThrow(), Long.toString(h));
    }

    private List<XmlElement> sentUpstream(String namespace, String local) {
        return upstream.sent.stream().filter(e -> e.is(namespace, local)).toList();
    }

    // --- RFC 7395 on one socket ---

    @Test
    void theServersHeaderAndFeaturesReachTheClientAsOpenAndFilteredFeatures_R87_R95() throws Exception {
        List<XmlElement> frames = opened(WebSocketConfig.DEFAULT);

        assertEquals(2, frames.size());
        XmlElement open = frames.get(0);
        assertTrue(open.is(Namespaces.FRAMING, "open"));
        assertEquals("stream-1", open.attribute("id").orElse(null));
        assertEquals("localhost", open.attribute("from").orElse(null));
        assertTrue(ResumeToken.parse(token).isPresent(), "every open carries a resume token");
        assertTrue(frames.get(1).child(Namespaces.TLS, "starttls").isEmpty(), "starttls stripped (R95)");
        assertEquals("localhost", upstream.headers.get(0).to());
        assertEquals(State.OPEN, session.state());
    }

    /**
     * Stanzas that came in one read from the server are flushed to the socket together, once, so that Jetty writes
     * them in one system call (issue 10); nothing is flushed before the read ends.
     */
    @Test
    void stanzasReadFromTheServerAtOnceAreFlushedToTheSocketOnce() throws Exception {
        opened(WebSocketConfig.DEFAULT);
        int flushes = socket.flushes();

        upstream.receiveInOneRead(message("1"), message("2"), message("3"));

        assertEquals(flushes + 1, socket.flushes());
        assertEquals(List.of("message:1", "message:2", "message:3"), ids(socket.take()));
    }

    @Test
    void clientElementsGoUpstreamInOrder() throws Exception {
        opened(WebSocketConfig.DEFAULT);

        session.clientFrame(socket, stanza("1"));
        session.clientFrame(socket, stanza("2"));

        assertEquals(List.of("1", "2"), upstream.sent.stream().map(e -> e.attribute("id").orElseThrow()).toList());
    }

    @Test
    void aRestartAfterSaslRestartsTheUpstreamStreamAndAnswersWithANewOpen_R93() throws Exception {
        opened(WebSocketConfig.DEFAULT);
        upstream.receive(XmlElement.of(Namespaces.SASL, "success"));

        session.clientFrame(socket, open());
        upstream.open("stream-2");

        assertEquals(2, upstream.headers.size(), "a new header went upstream");
        List<XmlElement> frames = socket.take();
        assertEquals(List.of("success", "open:stream-2"), ids(frames));
        assertEquals(token, frames.get(1).attribute(TOKEN).orElse(null), "the token holds across restarts");
    }

    @Test
    void aRestartBeforeTheStreamIsOpenEndsItWithBadFormatAfterAnOpen_R89() throws Exception {
        start(WebSocketConfig.DEFAULT);

        session.clientFrame(socket, open());

        List<XmlElement> frames = socket.take();
        assertEquals(List.of("open", "error", "close"), ids(frames));
        assertTrue(frames.get(1).child(Namespaces.STREAM_ERRORS, "bad-format").isPresent());
        assertEquals(CloseCode.NORMAL, socket.closed());
        assertTrue(upstream.closed);
    }

    @Test
    void aClientCloseIsAnsweredWithCloseAndTheUpstreamIsClosedCleanly_R90() throws Exception {
        opened(WebSocketConfig.DEFAULT);

        session.clientFrame(socket, new FramingCodec.Close());

        assertEquals(List.of("close"), ids(socket.take()));
        assertEquals(CloseCode.NORMAL, socket.closed(), "then the WebSocket closing handshake (R90)");
        assertTrue(upstream.closed);
        assertFalse(upstream.aborted);
        assertFalse(lifetime.contains("end"), "kept until the upstream has closed");
        upstream.end(new UpstreamEnd(UpstreamEnd.Reason.CLOSED_BY_US, null, "closed"));
        assertEquals(List.of("end"), lifetime);
        assertEquals(State.CLOSED, session.state());
    }

    @Test
    void anUpstreamStreamErrorIsOneFrameThenClose_R89() throws Exception {
        opened(WebSocketConfig.DEFAULT);
        XmlElement conflict = new XmlElement(new QName(Namespaces.STREAMS, "error", "stream"), Map.of(),
                List.of(XmlElement.of(Namespaces.STREAM_ERRORS, "conflict")));

        upstream.end(new UpstreamEnd(UpstreamEnd.Reason.STREAM_ERROR, conflict, "conflict"));

        List<XmlElement> frames = socket.take();
        assertEquals(List.of("error", "close"), ids(frames));
        assertTrue(frames.get(0).child(Namespaces.STREAM_ERRORS, "conflict").isPresent());
        assertEquals(CloseCode.NORMAL, socket.closed());
        assertEquals(List.of("end"), lifetime);
    }

    @Test
    void anUpstreamThatFailsWhileOpeningGetsOpenThenErrorThenClose_R89() throws Exception {
        start(WebSocketConfig.DEFAULT);

        upstream.end(new UpstreamEnd(UpstreamEnd.Reason.CONNECTION_FAILED, null, "refused"));

        List<XmlElement> frames = socket.take();
        assertEquals(List.of("open", "error", "close"), ids(frames));
        assertEquals("localhost", frames.get(0).attribute("from").orElse(null));
        assertTrue(frames.get(1).child(Namespaces.STREAM_ERRORS, "remote-connection-failed").isPresent());
    }

    @Test
    void aServerCloseIsRelayedAsClose() throws Exception {
        opened(WebSocketConfig.DEFAULT);

        upstream.end(new UpstreamEnd(UpstreamEnd.Reason.CLOSED_BY_SERVER, null, "bye"));

        assertEquals(List.of("close"), ids(socket.take()));
        assertEquals(CloseCode.NORMAL, socket.closed());
    }

    @Test
    void shutdownSendsSystemShutdownThenClose() throws Exception {
        opened(WebSocketConfig.DEFAULT);

        session.shutdown();

        List<XmlElement> frames = socket.take();
        assertEquals(List.of("error", "close"), ids(frames));
        assertTrue(frames.get(0).child(Namespaces.STREAM_ERRORS, "system-shutdown").isPresent());
        assertEquals(CloseCode.GOING_AWAY, socket.closed());
        assertTrue(upstream.closed);
    }

    @Test
    void aRedirectNamesTheWebSocketEndpointOfTheOtherPortico_R92() throws Exception {
        opened(WebSocketConfig.DEFAULT);

        session.redirect("https://chat2.example");

        List<XmlElement> frames = socket.take();
        assertEquals(List.of("close"), ids(frames));
        assertEquals("wss://chat2.example/xmpp-websocket", frames.get(0).attribute("see-other-uri").orElse(null));
        assertTrue(upstream.closed);
    }

    // --- a server that stopped reading ---

    /** Whether another thread can take the session's lock now (the session's own thread could re-enter it). */
    private boolean lockIsFree() throws Exception {
        try {
            return CompletableFuture.supplyAsync(session::state).get(2, TimeUnit.SECONDS) != null;
        } catch (TimeoutException e) {
            return false;
        }
    }

    /** Records whether the session's lock was free when it dropped the upstream. */
    private AtomicBoolean abortAfterTheLock() {
        AtomicBoolean free = new AtomicBoolean();
        upstream.whenAborted = () -> {
            try {
                free.set(lockIsFree());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        return free;
    }

    @Test
    void aStanzaTheUpstreamCannotQueueDropsTheUpstreamConnectionAfterTheLock() throws Exception {
        opened(WebSocketConfig.DEFAULT);
        AtomicBoolean lockFree = abortAfterTheLock();
        upstream.full = true;

        session.clientFrame(socket, stanza("1"));

        assertTrue(upstream.aborted, "the write queue overflowed: the connection is dropped");
        assertTrue(lockFree.get(), "closing is I/O: never under the session lock");
    }

    /** RFC 7395 §3.7: the restart's new header is written on the frame's thread after the lock, as a stanza is. */
    @Test
    void aRestartIsWrittenUpstreamOnTheFramesThreadAfterTheLock() throws Exception {
        opened(WebSocketConfig.DEFAULT);
        upstream.receive(XmlElement.of(Namespaces.SASL, "success"));
        Thread caller = Thread.currentThread();
        List<String> writes = new ArrayList<>();
        upstream.whenWritten = () -> {
            try {
                writes.add((Thread.currentThread() == caller ? "frame thread" : "other thread") + ", "
                        + upstream.headers.size() + " headers, lock " + (lockIsFree() ? "free" : "held"));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };

        session.clientFrame(socket, open());

        assertEquals(List.of("frame thread, 2 headers, lock free"), writes,
                "no writer thread for a login's restart; never I/O under the session lock");
    }

    @Test
    void aRestartTheUpstreamCannotQueueDropsTheUpstreamConnectionAfterTheLock() throws Exception {
        opened(WebSocketConfig.DEFAULT);
        upstream.receive(XmlElement.of(Namespaces.SASL, "success"));
        AtomicBoolean lockFree = abortAfterTheLock();
        upstream.full = true;

        session.clientFrame(socket, open());

        assertTrue(upstream.aborted);
        assertTrue(lockFree.get());
    }

    @Test
    void anInactiveNoticeTheUpstreamCannotQueueDropsTheUpstreamConnectionAfterTheLock_XEP0352() throws Exception {
        opened(WebSocketConfig.DEFAULT);
        upstream.receive(featuresWithCsi());
        AtomicBoolean lockFree = abortAfterTheLock();
        upstream.full = true;

        session.socketClosed(socket, false);

        assertTrue(upstream.aborted);
        assertTrue(lockFree.get());
        assertEquals(State.DETACHED, session.state(), "the upstream's end, when it comes, ends the session");
    }

    // --- page reloads ---

    @Test
    void aDroppedSocketPausesTheSessionAndTellsTheServerTheClientIsInactive_XEP0352() throws Exception {
        opened(WebSocketConfig.DEFAULT);
        upstream.receive(featuresWithCsi());

        session.socketClosed(socket, false);

        assertEquals(State.DETACHED, session.state());
        assertEquals(List.of("idle 120"), lifetime);
        assertEquals(1, sentUpstream(Namespaces.CSI, "inactive").size());
        assertFalse(upstream.closed);
    }

    @Test
    void aStreamResumedWithXep0198IsToldActiveBeforeTheClientSeesResumed_XEP0352_XEP0198() throws Exception {
        // the client's previous socket, on another Portico session, may have left the server's session inactive
        opened(WebSocketConfig.DEFAULT);
        upstream.receive(featuresWithCsi());
        socket.take();

        upstream.receive(XmlElement.of(Namespaces.SM, "resumed").withAttribute("previd", "p1").withAttribute("h", "3"));

        assertEquals(List.of("active"), upstream.sent.stream().filter(e -> Namespaces.CSI.equals(e.namespace()))
                .map(XmlElement::localName).toList());
        assertEquals(List.of("resumed"), socket.take().stream().map(XmlElement::localName).toList());
        session.socketClosed(socket, false);
        session.expired();
        assertTrue(upstream.aborted && !upstream.closed,
                "a resumed session stays resumable at the server: dropped, not closed, when its grace runs out");
    }

    @Test
    void withoutClientStateIndicationOfferedNothingIsSentOnPause() throws Exception {
        opened(WebSocketConfig.DEFAULT);

        session.socketClosed(socket, false);

        assertTrue(upstream.sent.isEmpty());
    }

    /** DEVELOPERS.md "Logging": the replay's lines on the wire log name the session, on the new socket's thread. */
    @Test
    void theReplayOnResumeIsWrittenInTheSessionsLoggingContext() throws Exception {
        opened(WebSocketConfig.DEFAULT);
        upstream.receive(featuresWithCsi());
        session.socketClosed(socket, false);
        upstream.receive(message("m1"));
        RecordingConnection reloaded = new RecordingConnection();

        assertTrue(resume(reloaded, token, 2));
        assertEquals(List.of(session.id()), reloaded.sidsAtFlush());
        assertNull(MDC.get(SessionLog.SID), "and the thread's context is left as it was");
    }

    @Test
    void whatArrivedWhilePausedIsReplayedOnResumeWithTheClientsCount() throws Exception {
        opened(WebSocketConfig.DEFAULT);
        upstream.receive(featuresWithCsi());
        session.clientFrame(socket, stanza("c1"));
        session.clientFrame(socket, stanza("c2"));
        upstream.receive(message("m1"));
        session.socketClosed(socket, false);
        upstream.receive(message("m2"));
        upstream.receive(message("m3"));
        RecordingConnection reloaded = new RecordingConnection();

        // the client got three elements: the features twice, then m1
        assertTrue(resume(reloaded, token, 3));

        List<XmlElement> frames = reloaded.take();
        assertEquals(List.of("open:stream-1", "message:m2", "message:m3"), ids(frames));
        XmlElement open = frames.get(0);
        assertEquals("true", open.attribute(RESUMED).orElse(null));
        assertEquals("2", open.attribute(H).orElse(null), "Portico received c1 and c2");
        assertNotEquals(token, open.attribute(TOKEN).orElse(null), "the token rotates");
        assertEquals(State.OPEN, session.state());
        assertEquals(List.of("idle 120", "busy"), lifetime);
        assertEquals(List.of("inactive", "active"), upstream.sent.stream()
                .filter(e -> Namespaces.CSI.equals(e.namespace())).map(XmlElement::localName).toList(),
                "in the order decided, both enqueued under the session lock");
        upstream.receive(message("m4"));
        assertEquals(List.of("message:m4"), ids(reloaded.take()), "then the session continues live");
    }

    @Test
    void framesLostInTheDropAreReplayedToo() throws Exception {
        opened(WebSocketConfig.DEFAULT);
        upstream.receive(message("m1"));
        upstream.receive(message("m2"));
        session.socketClosed(socket, false);
        RecordingConnection reloaded = new RecordingConnection();

        assertTrue(resume(reloaded, token, 1), "the client only got the features");

        assertEquals(List.of("open:stream-1", "message:m1", "message:m2"), ids(reloaded.take()));
    }

    @Test
    void aTokenWorksOnce() throws Exception {
        opened(WebSocketConfig.DEFAULT);
        session.socketClosed(socket, false);
        RecordingConnection first = new RecordingConnection();
        assertTrue(resume(first, token, 1));
        session.socketClosed(first, false);

        assertFalse(resume(new RecordingConnection(), token, 1));
        assertEquals(State.DETACHED, session.state(), "a stale token does not disturb the session");
    }

    @Test
    void aTokenPresentedFromAnotherOriginLeavesTheSessionToItsOwnPage() throws Exception {
        opened(WebSocketConfig.DEFAULT);
        upstream.receive(message("m1"));
        session.socketClosed(socket, false);

        assertFalse(resume(new RecordingConnection("https://evil.example"), token, 1));

        assertEquals(State.DETACHED, session.state(), "nothing replayed to the other page, the session waits");
        assertFalse(upstream.closed);
        RecordingConnection reloaded = new RecordingConnection();
        assertTrue(resume(reloaded, token, 1), "the token still works once, from its own origin");
        assertEquals(List.of("open:stream-1", "message:m1"), ids(reloaded.take()));
    }

    @Test
    void aWrongSecretLeavesTheSessionAlone() throws Exception {
        opened(WebSocketConfig.DEFAULT);
        session.socketClosed(socket, false);

        assertFalse(resume(new RecordingConnection(), "s1.guessed", 1));

        assertEquals(State.DETACHED, session.state());
        assertFalse(upstream.closed);
    }

    @Test
    void aCountThatCannotBeReplayedEndsTheSession() throws Exception {
        opened(WebSocketConfig.DEFAULT.withBuffer(2, 1024 * 1024));
        upstream.receive(message("m1"));
        upstream.receive(message("m2"));
        upstream.receive(message("m3"));
        session.socketClosed(socket, false);

        assertFalse(resume(new RecordingConnection(), token, 1), "m1 and m2 are no longer kept");

        assertEquals(State.CLOSING, session.state());
        assertTrue(upstream.closed, "the session ends: the client starts a fresh stream");
    }

    @Test
    void aResumeWhileTheOldSocketIsStillAttachedTakesItOver() throws Exception {
        opened(WebSocketConfig.DEFAULT);
        upstream.receive(message("m1"));
        RecordingConnection reloaded = new RecordingConnection();

        assertTrue(resume(reloaded, token, 1));

        assertEquals(CloseCode.GOING_AWAY, socket.closed());
        assertEquals(List.of("open:stream-1", "message:m1"), ids(reloaded.take()));
        session.clientFrame(socket, stanza("late"));
        session.socketClosed(socket, false);
        assertTrue(upstream.sent.isEmpty(), "the superseded socket is ignored");
        assertEquals(State.OPEN, session.state());
    }

    @Test
    void overflowWhilePausedEndsTheSessionAndBouncesWhatNeverWentOut_XEP0206_7() throws Exception {
        opened(WebSocketConfig.DEFAULT.withBuffer(2, 1024 * 1024));
        session.socketClosed(socket, false);

        upstream.receive(message("m1"));
        upstream.receive(message("m2"));
        upstream.receive(message("m3"));

        assertTrue(upstream.closed);
        List<XmlElement> bounced = sentUpstream(Namespaces.JABBER_CLIENT, "message");
        assertEquals(List.of("m1", "m2", "m3"), bounced.stream().map(m -> m.attribute("id").orElseThrow()).toList());
        assertTrue(bounced.stream().allMatch(m -> "error".equals(m.attribute("type").orElse(null))));
    }

    @Test
    void theGracePeriodEndingClosesTheUpstreamAndBouncesWhatNeverWentOut_XEP0206_7() throws Exception {
        opened(WebSocketConfig.DEFAULT);
        upstream.receive(message("sent"));
        session.socketClosed(socket, false);
        upstream.receive(message("unsent"));

        session.expired();

        assertTrue(upstream.closed);
        assertFalse(upstream.aborted);
        List<XmlElement> bounced = sentUpstream(Namespaces.JABBER_CLIENT, "message");
        assertEquals(List.of("unsent"), bounced.stream().map(m -> m.attribute("id").orElseThrow()).toList());
        XmlElement error = bounced.get(0).child(Namespaces.JABBER_CLIENT, "error").orElseThrow();
        assertTrue(error.child(Namespaces.STANZA_ERRORS, "recipient-unavailable").isPresent());
    }

    @Test
    void withXep0198ResumptionGrantedExpiryDropsTheConnectionSoTheServerKeepsTheSession_R91() throws Exception {
        opened(WebSocketConfig.DEFAULT);
        upstream.receive(XmlElement.of(Namespaces.SM, "enabled").withAttribute("resume", "true")
                .withAttribute("id", "sm-1"));
        session.socketClosed(socket, false);
        upstream.receive(message("unacked"));

        session.expired();

        assertTrue(upstream.aborted, "no </stream:stream>: the server hibernates the XEP-0198 session");
        assertFalse(upstream.closed);
        assertTrue(sentUpstream(Namespaces.JABBER_CLIENT, "message").isEmpty(), "the server resends it itself");
    }

    @Test
    void withResumptionOffADroppedSocketEndsTheSession_R91() throws Exception {
        List<XmlElement> frames = opened(WebSocketConfig.DEFAULT.withResumeGrace(Duration.ZERO));

        session.socketClosed(socket, false);

        assertNull(frames.get(0).attribute(TOKEN).orElse(null), "no token is offered");
        assertTrue(upstream.closed);
        assertEquals(State.CLOSING, session.state());
    }

    @Test
    void aSocketClosedForAProtocolViolationEndsTheSessionInsteadOfPausingIt_R84() throws Exception {
        opened(WebSocketConfig.DEFAULT);

        session.socketClosed(socket, true);

        assertEquals(State.CLOSING, session.state());
        assertTrue(upstream.closed);
        assertFalse(lifetime.contains("idle 120"));
    }

    @Test
    void theServerEndingAPausedSessionRemovesIt() throws Exception {
        opened(WebSocketConfig.DEFAULT);
        session.socketClosed(socket, false);

        upstream.end(new UpstreamEnd(UpstreamEnd.Reason.CLOSED_BY_SERVER, null, "replaced"));

        assertEquals(State.CLOSED, session.state());
        assertEquals(List.of("idle 120", "end"), lifetime);
        assertFalse(resume(new RecordingConnection(), token, 1));
    }

    @Test
    void stanzasGetTheLanguageOfTheStreamHeaderExplicitly_R86() throws Exception {
        start(WebSocketConfig.DEFAULT);
        session.opened(new XmlElement(new QName(Namespaces.STREAMS, "stream", "stream"),
                Map.of(FramingCodec.XML_LANG, "fr", new QName("id"), "s"), List.of()));
        session.flush();
        socket.take();

        session.deliver(XmlElement.of(Namespaces.JABBER_CLIENT, "message").withChild(
                XmlElement.of(Namespaces.JABBER_CLIENT, "body").withChild(new XmlText("salut"))));
        session.flush();

        assertEquals("fr", socket.take().get(0).attribute(FramingCodec.XML_LANG).orElse(null));
    }
}
