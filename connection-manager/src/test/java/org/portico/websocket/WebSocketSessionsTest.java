package org.portico.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import javax.xml.namespace.QName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.portico.metrics.Metrics;
import org.portico.session.ClientSession;
import org.portico.session.SessionLog;
import org.portico.store.RemovalReason;
import org.portico.store.SessionStore;
import org.portico.store.StoreConfig;
import org.portico.store.testing.ManualScheduler;
import org.portico.store.testing.ManualTicker;
import org.portico.testing.InMemoryUpstream;
import org.portico.client.AddressLimits;
import org.portico.client.ClientConfig;
import org.portico.testing.LogCapture;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/** Sessions in the shared store: grace periods on a manual ticker, resumption by token, admission. */
class WebSocketSessionsTest {

    private final ManualTicker ticker = new ManualTicker();
    private final ManualScheduler scheduler = new ManualScheduler(ticker);
    private final InMemoryUpstream upstream = new InMemoryUpstream();
    private SessionStore<String, ClientSession> store = store(10);
    private WebSocketSessions sessions = new WebSocketSessions(WebSocketConfig.DEFAULT, upstream, store,
            new AddressLimits(ClientConfig.DEFAULT, ticker), new SecureRandom(), Metrics.NONE);

    private SessionStore<String, ClientSession> store(int max) {
        return new SessionStore<>(new StoreConfig(max), ticker, scheduler, Runnable::run,
                (String id, ClientSession session, RemovalReason reason) -> {
                    if (reason == RemovalReason.EXPIRED) {
                        session.expired();
                    }
                });
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    private static FramingCodec.Open open(String token, long h) {
        return new FramingCodec.Open("localhost", null, null, "1.0", token, token == null ? null : Long.toString(h));
    }

    private static String tokenOf(RecordingConnection socket) throws Exception {
        return socket.frames().get(0).attribute(new QName(Namespaces.PORTICO_RESUME, "token")).orElseThrow();
    }

    private WebSocketSession openedSession(RecordingConnection socket) throws Exception {
        WebSocketSession session = sessions.open(socket, open(null, 0));
        upstream.open("stream-1");
        upstream.features();
        return session;
    }

    @Test
    void anAttachedSessionNeverExpires() throws Exception {
        WebSocketSession session = openedSession(new RecordingConnection());

        ticker.advance(Duration.ofDays(1));
        scheduler.runDue();
        store.cleanUp();

        assertSame(session, store.get(session.id()).orElseThrow());
        assertFalse(upstream.closed);
    }

    @Test
    void aPausedSessionExpiresAfterTheGracePeriodAndItsUpstreamIsClosed() throws Exception {
        RecordingConnection socket = new RecordingConnection();
        WebSocketSession session = openedSession(socket);
        session.socketClosed(socket, false);

        ticker.advance(Duration.ofSeconds(119));
        scheduler.runDue();
        assertTrue(store.get(session.id()).isPresent(), "still resumable before websocket.resumeGrace");
        assertFalse(upstream.closed);

        while (scheduler.advanceToNextWakeUp()) {
            // let Caffeine's timer reach the deadline
        }

        assertTrue(store.get(session.id()).isEmpty());
        assertTrue(upstream.closed, "the grace period ended: the server marks the user offline");
    }

    @Test
    void theTokenLeadsANewSocketBackToItsSession() throws Exception {
        RecordingConnection socket = new RecordingConnection();
        WebSocketSession session = openedSession(socket);
        session.socketClosed(socket, false);
        RecordingConnection reloaded = new RecordingConnection();

        WebSocketSession resumed = sessions.open(reloaded, open(tokenOf(socket), 1));

        assertSame(session, resumed);
        assertEquals(1, upstream.headers.size(), "no upstream round trip");
        ticker.advance(Duration.ofMinutes(10));
        scheduler.runDue();
        assertTrue(store.get(session.id()).isPresent(), "attached again: no deadline");
    }

    @Test
    void anUnknownTokenGetsAFreshStream() throws Exception {
        WebSocketSession session = sessions.open(new RecordingConnection(), open("nobody.nothing", 3));

        assertEquals(1, upstream.headers.size(), "a new upstream stream was opened");
        assertTrue(store.get(session.id()).isPresent());
    }

    @Test
    void anExpiredTokenGetsAFreshStream() throws Exception {
        RecordingConnection socket = new RecordingConnection();
        WebSocketSession session = openedSession(socket);
        session.socketClosed(socket, false);
        while (scheduler.advanceToNextWakeUp()) {
            // past the grace period
        }

        WebSocketSession fresh = sessions.open(new RecordingConnection(), open(tokenOf(socket), 1));

        assertNotSame(session, fresh);
        assertEquals(2, upstream.headers.size());
    }

    @Test
    void aFullStoreRefusesNewStreamsWithResourceConstraint() throws Exception {
        store.close();
        store = store(1);
        sessions = new WebSocketSessions(WebSocketConfig.DEFAULT, upstream, store,
                new AddressLimits(ClientConfig.DEFAULT, ticker), new SecureRandom(), Metrics.NONE);
        openedSession(new RecordingConnection());

        FramingCodec.FramingException e = assertThrows(FramingCodec.FramingException.class,
                () -> sessions.open(new RecordingConnection(), open(null, 0)));

        assertEquals(StreamErrorCondition.RESOURCE_CONSTRAINT, e.condition());
    }

    @Test
    void anOpenWithoutToIsRefusedWithHostUnknown() {
        FramingCodec.FramingException e = assertThrows(FramingCodec.FramingException.class,
                () -> sessions.open(new RecordingConnection(), new FramingCodec.Open(null, null, null, "1.0", null,
                        null)));

        assertEquals(StreamErrorCondition.HOST_UNKNOWN, e.condition());
        assertTrue(store.snapshot().isEmpty());
    }

    @Test
    void aClosedSessionLeavesTheStoreOnceTheUpstreamEnded() throws Exception {
        RecordingConnection socket = new RecordingConnection();
        WebSocketSession session = openedSession(socket);

        session.clientFrame(socket, new FramingCodec.Close());
        upstream.end(new org.portico.upstream.UpstreamEnd(org.portico.upstream.UpstreamEnd.Reason.CLOSED_BY_US,
                null, "closed"));

        assertTrue(store.get(session.id()).isEmpty());
        assertEquals(List.of(XmlElement.of(Namespaces.FRAMING, "close")), socket.frames().subList(2, 3));
    }

    @Test
    void everyLineAboutASessionNamesItsIdAndItsClientsAddress() throws Exception {
        try (LogCapture logs = LogCapture.start()) {
            RecordingConnection socket = new RecordingConnection();
            WebSocketSession session = openedSession(socket);
            session.socketClosed(socket, false);
            sessions.open(new RecordingConnection(), open(tokenOf(socket), 1));
            session.expired();

            List<ILoggingEvent> lines = logs.events().stream()
                    .filter(event -> LogCapture.infoOrAbove("org.portico.websocket").test(event)).toList();
            assertEquals(4, lines.size(), "created, socket lost, resumed, expired: " + lines);
            for (ILoggingEvent line : lines) {
                assertEquals(session.id(), line.getMDCPropertyMap().get(SessionLog.SID), line.getFormattedMessage());
                assertEquals(RecordingConnection.ADDRESS, line.getMDCPropertyMap().get(SessionLog.CLIENT),
                        line.getFormattedMessage());
            }
        }
    }
}
