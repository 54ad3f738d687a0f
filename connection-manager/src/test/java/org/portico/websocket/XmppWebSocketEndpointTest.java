package org.portico.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.OutgoingEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.portico.client.AddressLimits;
import org.portico.client.ClientConfig;
import org.portico.cluster.SessionDirectory;
import org.portico.http.HttpConfig;
import org.portico.metrics.Metrics;
import org.portico.session.ClientSession;
import org.portico.session.SessionGate;
import org.portico.store.SessionStore;
import org.portico.store.StoreConfig;
import org.portico.store.testing.ManualScheduler;
import org.portico.store.testing.ManualTicker;
import org.portico.testing.ClusterNodeDirectory;
import org.portico.testing.InMemoryUpstream;
import org.portico.xml.XmlLimits;
import org.portico.xml.XmlParser;

/**
 * One client socket as Jetty's core drives it (issue 10): which thread may handle its frames, and how the server's
 * frames are handed to Jetty.
 *
 * <p>Jetty's selector reads and handles a frame itself only when handling it never waits
 * ({@code websocket.framesOnSelector}). A bound session's frames never do. The first frame, the {@code <open/>} that
 * opens the session, waits only for a cluster node's directory (a replicated write), so a single Portico handles it
 * on the selector too and a login starts no thread for it.
 *
 * <p>Frames queued together (what came in one read from the server) are sent in Jetty's batch mode but the last,
 * which Jetty then writes with the others in one gathering write.
 */
class XmppWebSocketEndpointTest {

    private final ManualTicker ticker = new ManualTicker();
    private final SessionStore<String, ClientSession> store = new SessionStore<>(new StoreConfig(10), ticker,
            new ManualScheduler(ticker), Runnable::run, (id, session, reason) -> { });
    private final InMemoryUpstream upstream = new InMemoryUpstream();
    private WebSocketTransport transport;

    @AfterEach
    void close() {
        transport.close();
        store.close();
    }

    private XmppWebSocketEndpoint unboundSocket(SessionDirectory directory) {
        transport = new WebSocketTransport(WebSocketConfig.DEFAULT, HttpConfig.DEFAULT, "/http-bind",
                new XmlParser(XmlLimits.DEFAULT), upstream, store, new AddressLimits(ClientConfig.DEFAULT, ticker),
                ticker, Metrics.NONE, new SessionGate(), directory);
        return transport.newEndpoint(null, "192.0.2.7", null);
    }

    /** What Jetty was asked to send: each text frame's payload, and whether in batch mode. */
    private record Sent(String text, boolean batch) {
    }

    /** Jetty's side of the socket: records each frame handed to it. */
    private static final class RecordingCoreSession extends CoreSession.Empty {
        final List<Sent> sent = new ArrayList<>();

        @Override
        public void sendFrame(OutgoingEntry entry) {
            Frame frame = entry.getFrame();
            if (frame.getOpCode() == OpCode.TEXT) {
                sent.add(new Sent(BufferUtil.toString(frame.getPayload(), StandardCharsets.UTF_8), entry.isBatch()));
            }
            entry.getCallback().succeeded();
        }
    }

    private static Frame text(String xml) {
        return new Frame(OpCode.TEXT, true, BufferUtil.toBuffer(xml, StandardCharsets.UTF_8));
    }

    @Test
    void aSinglePorticoLetsTheSelectorHandleTheFrameThatOpensTheSession() {
        assertTrue(unboundSocket(SessionDirectory.LOCAL).framesNeverWait());
    }

    @Test
    void aClusterNodeHandsTheFrameThatOpensTheSessionToAThreadSinceItsDirectoryMayWait() {
        assertFalse(unboundSocket(new ClusterNodeDirectory("node-a")).framesNeverWait());
    }

    @Test
    void framesFromOneReadOfTheServerAreBatchedButTheLastSoJettyWritesThemTogether() {
        XmppWebSocketEndpoint endpoint = unboundSocket(SessionDirectory.LOCAL);
        RecordingCoreSession jetty = new RecordingCoreSession();
        endpoint.onOpen(jetty, Callback.NOOP);
        endpoint.onFrame(text("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>"),
                Callback.NOOP);
        upstream.open("stream-1");
        upstream.features();
        jetty.sent.clear();

        upstream.receiveInOneRead(InMemoryUpstream.message("a@localhost", "b@localhost", "1"),
                InMemoryUpstream.message("a@localhost", "b@localhost", "2"),
                InMemoryUpstream.message("a@localhost", "b@localhost", "3"));
        upstream.receive(InMemoryUpstream.message("a@localhost", "b@localhost", "4"));

        assertEquals(List.of(true, true, false, false), jetty.sent.stream().map(Sent::batch).toList(),
                jetty.sent.toString());
        assertTrue(jetty.sent.get(2).text().contains("<body>3</body>"), jetty.sent.get(2).text());
    }
}
