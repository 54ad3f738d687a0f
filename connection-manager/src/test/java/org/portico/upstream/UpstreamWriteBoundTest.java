package org.portico.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.Scheduler;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.portico.testing.RecordingUpstreamListener;
import org.portico.testing.ScriptedXmppServer;
import org.portico.testing.ScriptedXmppServer.Peer;
import org.portico.testing.UpstreamThreads;
import org.portico.upstream.UpstreamEnd.Reason;
import org.portico.xml.XmlElement;

/**
 * A server that stops reading costs one stream, a bounded amount of memory, and no caller's time: for a stream read
 * by its own thread, whose callers queue for the writer thread ({@link Upstream#send}), and for one read by the
 * poller, whose callers write themselves as far as the socket takes it ({@link Upstream#writeQueuedWithoutWaiting},
 * a WebSocket's thread).
 */
@Timeout(120)
@ParameterizedClass(name = "read by {0}")
@EnumSource(UpstreamStreamTest.Reader.class)
class UpstreamWriteBoundTest {

    @Parameter
    UpstreamStreamTest.Reader reader;

    private static final int BOUND = 64 * 1024;

    private ScriptedXmppServer stalled;
    private ScriptedXmppServer healthy;

    @BeforeEach
    void start() throws IOException {
        stalled = new ScriptedXmppServer(4096);
        healthy = new ScriptedXmppServer();
    }

    @AfterEach
    void stop() throws IOException {
        stalled.close();
        healthy.close();
    }

    @Test
    void aStalledUpstreamNeverBlocksSendersAndIsAbortedAtTheWriteBound() throws Exception {
        UpstreamConfig config = UpstreamConfig.builder()
                .domain("stalled.test", new UpstreamRoute("127.0.0.1", stalled.port(), TlsPolicy.DISABLED))
                .domain("healthy.test", new UpstreamRoute("127.0.0.1", healthy.port(), TlsPolicy.DISABLED))
                .maxQueuedWriteBytes(BOUND)
                .build();
        TcpUpstreamConnector connector = new TcpUpstreamConnector(config, name -> List.of(), Scheduler.systemScheduler());

        RecordingUpstreamListener stalledEvents = new RecordingUpstreamListener(reader.neverWaits);
        Upstream upstream = connector.connect(new StreamHeader("stalled.test", null, null, "1.0"), null, stalledEvents);
        Peer peer = stalled.accept();
        peer.expectHeader();
        peer.open("s1", ScriptedXmppServer.FEATURES_SASL);
        stalledEvents.awaitOpened();
        stalledEvents.awaitElement();

        // The peer reads nothing more: kernel buffers fill, the writer blocks, the queue grows to the bound.
        XmlElement big = UpstreamStreamTest.xml("<message xmlns='jabber:client'><body>" + "x".repeat(8 * 1024)
                + "</body></message>");
        int sent = 0;
        boolean accepted = true;
        while (accepted && sent < 100_000) {
            if (reader.neverWaits) {
                accepted = upstream.queue(big);
                upstream.writeQueuedWithoutWaiting();
            } else {
                accepted = upstream.send(big);
            }
            sent++;
        }
        assertFalse(accepted, "the write bound refuses more than " + BOUND + " queued bytes");
        assertFalse(stalledEvents.hasClosed(), "the sender, who may hold its session lock, closes nothing itself");
        upstream.abort();

        UpstreamEnd end = stalledEvents.awaitClosed();
        assertEquals(Reason.CONNECTION_FAILED, end.reason());
        assertTrue(end.detail().contains("not reading"), end.detail());
        stalledEvents.assertContractKept();
        assertEquals(0, UpstreamThreads.awaitNoneFor("stalled.test", Duration.ofSeconds(5)),
                "the writer that waited for room in the stalled socket ends with the stream");

        RecordingUpstreamListener healthyEvents = new RecordingUpstreamListener(reader.neverWaits);
        Upstream other = connector.connect(new StreamHeader("healthy.test", null, null, "1.0"), null, healthyEvents);
        Peer healthyPeer = healthy.accept();
        healthyPeer.expectHeader();
        healthyPeer.open("h1", ScriptedXmppServer.FEATURES_SASL);
        healthyEvents.awaitOpened();
        healthyEvents.awaitElement();
        other.send(UpstreamStreamTest.xml("<message xmlns='jabber:client' id='fine'/>"));
        assertTrue(healthyPeer.expect("/>").contains("id=\"fine\""), "other streams are unaffected");
    }
}
