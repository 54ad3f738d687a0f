package org.portico.admin;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.portico.store.testing.ManualTicker;
import org.portico.upstream.TlsPolicy;
import org.portico.upstream.UpstreamRoute;

/** Readiness asks whether any configured upstream accepts a TCP connection, and reuses the answer briefly. */
class UpstreamProbeTest {

    private static final Duration REUSE = Duration.ofSeconds(5);
    private final ManualTicker clock = new ManualTicker();

    private static UpstreamRoute route(int port) {
        return new UpstreamRoute("127.0.0.1", port, TlsPolicy.REQUIRED);
    }

    /** A port nobody listens on: bound, then released. */
    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void oneListeningUpstreamAmongDeadOnesIsEnough() throws Exception {
        try (ServerSocket listening = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            UpstreamProbe probe = new UpstreamProbe(List.of(route(closedPort()), route(listening.getLocalPort())),
                    Duration.ofSeconds(1), REUSE, clock);
            assertTrue(probe.check().reachable(), probe.toString());
        }
    }

    @Test
    void noListeningUpstreamIsNotReadyAndNamesWhatWasTried() throws Exception {
        int dead = closedPort();
        UpstreamProbe probe = new UpstreamProbe(List.of(route(dead)), Duration.ofSeconds(1), REUSE, clock);
        UpstreamProbe.Answer answer = probe.check();
        assertFalse(answer.reachable());
        assertTrue(answer.detail().contains("127.0.0.1:" + dead), answer.detail());
    }

    @Test
    void anAnswerIsReusedForItsPeriodThenCheckedAgain() throws Exception {
        ServerSocket listening = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        UpstreamProbe probe = new UpstreamProbe(List.of(route(listening.getLocalPort())), Duration.ofSeconds(1),
                REUSE, clock);
        assertTrue(probe.check().reachable());
        listening.close();

        clock.advance(REUSE.minusMillis(1));
        assertTrue(probe.check().reachable(), "within the period, no new connection is tried");
        clock.advance(Duration.ofMillis(1));
        assertFalse(probe.check().reachable(), "after it, the upstream is probed again and is gone");
    }

    @Test
    void withoutConfiguredRoutesThereIsNothingToProbe() {
        assertTrue(new UpstreamProbe(List.of(), Duration.ofSeconds(1), REUSE, clock).check().reachable());
    }
}
