package org.portico.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 7395 §3.8 WebSocket pings: a peer silent for the idle timeout is dead. */
class HeartbeatTest {

    private static final long SECOND = Duration.ofSeconds(1).toNanos();

    @ParameterizedTest(name = "last heard at {0}s, tick at {1}s: {2}")
    @CsvSource({
            "0,  25, PING",
            "0,  59, PING",
            "0,  60, DEAD",
            "0,  75, DEAD",
            "50, 75, PING",
            "50, 110, DEAD"})
    void silenceForTheIdleTimeoutIsDeath(long heardAt, long tickAt, Heartbeat.Decision expected) {
        Heartbeat heartbeat = new Heartbeat(Duration.ofSeconds(60), 0);
        heartbeat.heard(heardAt * SECOND);

        assertEquals(expected, heartbeat.tick(tickAt * SECOND));
    }
}
