package org.portico.bosh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.portico.client.AddressLimits;
import org.portico.client.ClientConfig;
import org.portico.cluster.SessionDirectory;
import org.portico.metrics.Metrics;
import org.portico.session.ClientSession;
import org.portico.session.SessionGate;
import org.portico.store.SessionStore;
import org.portico.store.StoreConfig;
import org.portico.store.testing.ManualScheduler;
import org.portico.store.testing.ManualTicker;
import org.portico.testing.ClusterNodeDirectory;
import org.portico.testing.InMemoryUpstream;
import org.portico.testing.RecordingExchange;
import org.portico.upstream.UpstreamConnector;
import org.portico.xml.XmlLimits;
import org.portico.xml.XmlParser;

/**
 * Where a BOSH session is opened (XEP-0124 §7): a creation request may arrive on Jetty's selector, which serves
 * every socket, so opening a session that may wait for the network (a cluster node's directory) goes to a virtual
 * thread; a single Portico's never waits (the store is in memory, the upstream connects on a thread of its own), so
 * it opens on the thread that read the request, and a login starts no thread for it (issue 10).
 */
class BoshSessionsThreadsTest {

    private static final String CREATE = "<body xmlns='http://jabber.org/protocol/httpbind' rid='1000' to='localhost'"
            + " wait='60' hold='1' ver='1.11'/>";

    private final ManualTicker ticker = new ManualTicker();
    private final SessionStore<String, ClientSession> store = new SessionStore<>(new StoreConfig(10), ticker,
            new ManualScheduler(ticker), Runnable::run, (id, session, reason) -> { });
    private final InMemoryUpstream.Factory upstreams = new InMemoryUpstream.Factory();
    private final CompletableFuture<Thread> connectedOn = new CompletableFuture<>();
    private final UpstreamConnector recordingThread = (header, route, client, listener) -> {
        connectedOn.complete(Thread.currentThread());
        return upstreams.connect(header, route, client, listener);
    };
    private BoshSessions sessions;

    @AfterEach
    void close() {
        sessions.close();
        store.close();
    }

    private BoshSessions sessions(SessionDirectory directory) {
        return new BoshSessions(BoshConfig.DEFAULT, new XmlParser(XmlLimits.DEFAULT), recordingThread, store,
                new AddressLimits(ClientConfig.DEFAULT, ticker), ticker, Metrics.NONE, new SessionGate(), directory,
                null);
    }

    @Test
    void aSinglePorticoOpensASessionOnTheThreadThatReadItsRequest() throws Exception {
        sessions = sessions(SessionDirectory.LOCAL);

        sessions.handle(CREATE.getBytes(StandardCharsets.UTF_8), new RecordingExchange());

        assertTrue(connectedOn.isDone(), "opened before the request's handling returned");
        assertEquals(Thread.currentThread(), connectedOn.get());
        assertEquals(1, store.snapshot().size());
    }

    @Test
    void aClusterNodeOpensASessionOnAVirtualThreadSinceItsDirectoryMayWait() throws Exception {
        sessions = sessions(new ClusterNodeDirectory("node-a"));

        sessions.handle(CREATE.getBytes(StandardCharsets.UTF_8), new RecordingExchange());

        Thread thread = connectedOn.get(10, TimeUnit.SECONDS);
        assertTrue(thread.isVirtual(), thread.toString());
        assertEquals("session-actions", thread.getName());
    }
}
