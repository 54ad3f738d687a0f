package org.portico.websocket;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * Which thread may handle a WebSocket's frames (issue 10): Jetty's selector reads and handles a frame itself only
 * when handling it never waits ({@code websocket.framesOnSelector}). A bound session's frames never do. The first
 * frame, the {@code <open/>} that opens the session, waits only for a cluster node's directory (a replicated write),
 * so a single Portico handles it on the selector too and a login starts no thread for it.
 */
class XmppWebSocketEndpointThreadsTest {

    private final ManualTicker ticker = new ManualTicker();
    private final SessionStore<String, ClientSession> store = new SessionStore<>(new StoreConfig(10), ticker,
            new ManualScheduler(ticker), Runnable::run, (id, session, reason) -> { });
    private WebSocketTransport transport;

    @AfterEach
    void close() {
        transport.close();
        store.close();
    }

    private XmppWebSocketEndpoint unboundSocket(SessionDirectory directory) {
        transport = new WebSocketTransport(WebSocketConfig.DEFAULT, HttpConfig.DEFAULT, "/http-bind",
                new XmlParser(XmlLimits.DEFAULT), new InMemoryUpstream(), store,
                new AddressLimits(ClientConfig.DEFAULT, ticker), ticker, Metrics.NONE, new SessionGate(), directory);
        return transport.newEndpoint(null, "192.0.2.7", null);
    }

    @Test
    void aSinglePorticoLetsTheSelectorHandleTheFrameThatOpensTheSession() {
        assertTrue(unboundSocket(SessionDirectory.LOCAL).framesNeverWait());
    }

    @Test
    void aClusterNodeHandsTheFrameThatOpensTheSessionToAThreadSinceItsDirectoryMayWait() {
        assertFalse(unboundSocket(new ClusterNodeDirectory("node-a")).framesNeverWait());
    }
}
