package org.portico.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.portico.cluster.ClusterConfig;
import org.portico.cluster.ClusterReadiness;
import org.portico.session.SessionGate;
import org.portico.store.testing.ManualTicker;
import org.portico.upstream.TlsPolicy;
import org.portico.upstream.UpstreamRoute;

/**
 * {@code GET /readyz}'s decision: the drain first, then a cluster node alone in its view, then the upstreams; on a
 * manual clock.
 */
class ReadinessTest {

    private static final Duration FORM = Duration.ofSeconds(15);
    private final ManualTicker clock = new ManualTicker();
    private final SessionGate gate = new SessionGate();
    /** No configured route (SRV discovery): the upstream side is ready without a connection. */
    private final UpstreamProbe upstream = new UpstreamProbe(List.of(), Duration.ofSeconds(1), Duration.ofSeconds(5),
            clock);

    private ClusterReadiness alone() {
        ClusterConfig config = ClusterConfig.builder().enabled(true).name("portico-test").nodeName("node0")
                .bindPort(7800).members(List.of("127.0.0.1:7800", "127.0.0.1:7801"))
                .internalUrl("http://127.0.0.1:7070").formTimeout(FORM).build();
        return new ClusterReadiness(config, () -> Set.of("node0"), clock, clock.read());
    }

    @Test
    void aSinglePorticoWithItsUpstreamIsReady() {
        Readiness.Answer answer = new Readiness(gate, ClusterReadiness.NONE, upstream).check();
        assertTrue(answer.ready(), answer.toString());
        assertEquals("ready: no configured upstream to probe (SRV discovery)", answer.detail());
    }

    @Test
    void aClusterNodeAloneInItsViewIsNotReadyUntilTheFormTimeout() {
        Readiness readiness = new Readiness(gate, alone(), upstream);
        Readiness.Answer answer = readiness.check();
        assertFalse(answer.ready(), answer.toString());
        assertTrue(answer.detail().startsWith("not ready: alone in cluster portico-test, waiting for the other "
                + "listed members"), answer.detail());

        clock.advance(FORM);
        assertTrue(readiness.check().ready(), "alone, but long enough: serves on its own");
    }

    @Test
    void drainingWinsOverEverything() {
        gate.close("");
        assertEquals(new Readiness.Answer(false, "draining"), new Readiness(gate, alone(), upstream).check());
        assertEquals(new Readiness.Answer(false, "draining"),
                new Readiness(gate, ClusterReadiness.NONE, upstream).check());
    }

    @Test
    void anUnreachableUpstreamIsNotReadyEvenInAFormedCluster() throws Exception {
        int dead;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = socket.getLocalPort();
        }
        UpstreamProbe unreachable = new UpstreamProbe(List.of(new UpstreamRoute("127.0.0.1", dead,
                TlsPolicy.REQUIRED)), Duration.ofSeconds(1), Duration.ofSeconds(5), clock);
        Readiness.Answer answer = new Readiness(gate, ClusterReadiness.NONE, unreachable).check();
        assertFalse(answer.ready());
        assertTrue(answer.detail().startsWith("not ready: 127.0.0.1:" + dead), answer.detail());
    }
}
