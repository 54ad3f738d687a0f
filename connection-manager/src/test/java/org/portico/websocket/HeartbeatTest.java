package org.portico.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * RFC 7395 §3.8 WebSocket pings, as a script table: a peer opened at 0 s with a 25 s ping interval (0 s: none) and a
 * 60 s idle timeout; the script is what happens, in seconds ({@code h30} the peer is heard, {@code s30} Portico sends
 * it a message, {@code b25} a beat), and the expected column is the decisions of the beats, in order.
 */
class HeartbeatTest {

    private static final long SECOND = Duration.ofSeconds(1).toNanos();

    @ParameterizedTest(name = "ping {0}s: {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            // the first ping is due a ping interval after the socket opened
            "25 | b1 b24 b25                | WAIT WAIT PING",
            // then one every interval, counted from the last ping
            "25 | b25 h30 b49 b50 h60 b74 b75 | PING WAIT PING WAIT PING",
            // a late beat sends one ping, not the ones it missed, and the next comes a whole interval after it
            "25 | h50 b56 b57 b80 b81       | PING WAIT WAIT PING",
            // a peer that talks while Portico stays quiet is pinged: a proxy that counts only what Portico sends
            // (nginx's proxy_read_timeout) would close the connection
            "25 | h10 b24 h24 b25           | WAIT PING",
            // Portico sends, the peer stays quiet: the ping asks it whether it is alive
            "25 | s10 s24 b25               | PING",
            // messages both ways within the interval: no ping, and the next falls due a whole interval later
            "25 | h10 s20 b25 b49 b50       | WAIT WAIT PING",
            // each interval is judged on its own: sent in the second, but nothing heard since the first
            "25 | h10 s20 b25 s30 b50       | WAIT PING",
            // what was sent before the last ping fell due does not count for the next
            "25 | s10 b25 h30 b50           | PING PING",
            // busy both ways every interval: never a ping, and a peer heard from never dies
            "25 | h10 s10 b25 h40 s40 b50 h70 s70 b75 | WAIT WAIT WAIT",
            // silence for the idle timeout is death, however the pings went
            "25 | b25 b50 b59 b60           | PING PING WAIT DEAD",
            // anything heard (a message, a pong) restarts the idle count
            "25 | b25 h30 b50 b75 b89 b90   | PING PING PING WAIT DEAD",
            // death is decided once: later beats, until the socket is gone, do nothing
            "25 | b60 b61 h62 b75           | DEAD WAIT WAIT",
            // with pings off, silence still kills
            "0  | b25 h30 b59 b89 b90       | WAIT WAIT WAIT DEAD",
    })
    void beatsPingWhenDueAndDeclareDeathAfterTheIdleTimeout(long pingSeconds, String script, String expected) {
        Heartbeat heartbeat = new Heartbeat(Duration.ofSeconds(pingSeconds), Duration.ofSeconds(60), 0);
        assertEquals(expected.trim(), String.join(" ", play(heartbeat, script)));
    }

    /**
     * The transport's beat asks a heartbeat again only at its next decision (issue 10: the beat visits only the
     * sockets due one), so that time must be the next ping or the end of the idle timeout, whichever comes first,
     * and no beat before it may decide anything but WAIT.
     */
    @ParameterizedTest(name = "ping {0}s: {1} -> next decision at {2}s")
    @CsvSource(delimiter = '|', value = {
            // opened at 0: the first ping
            "25 | -               | 25",
            // after a ping, the next one
            "25 | b25             | 50",
            // nothing heard since the open: the idle timeout ends before the third ping
            "25 | b25 b50         | 60",
            // heard at 40: the idle timeout moves to 100, the ping at 75 comes first
            "25 | b25 h40 b50     | 75",
            // a ping skipped for messages both ways: the next falls due a whole interval later
            "25 | h10 s20 b25     | 50",
            // pings off: only the idle timeout, from what was heard last
            "0  | h30             | 90",
    })
    void theNextDecisionIsTheNextPingOrTheEndOfTheIdleTimeout(long pingSeconds, String script, long nextSeconds) {
        Heartbeat heartbeat = new Heartbeat(Duration.ofSeconds(pingSeconds), Duration.ofSeconds(60), 0);
        play(heartbeat, script);
        long next = heartbeat.nextDecision();
        assertEquals(nextSeconds * SECOND, next);
        assertEquals(Heartbeat.Decision.WAIT, heartbeat.beat(next - 1), "a beat just before it");
        assertNotEquals(Heartbeat.Decision.WAIT, heartbeat.beat(next), "a beat at it");
    }

    /** Plays a script ({@code -} for nothing) on the heartbeat; returns the beats' decisions, in order. */
    private static List<String> play(Heartbeat heartbeat, String script) {
        List<String> decisions = new ArrayList<>();
        for (String step : script.trim().split("\\s+")) {
            if (step.equals("-")) {
                continue;
            }
            long at = Long.parseLong(step.substring(1)) * SECOND;
            if (step.charAt(0) == 'h') {
                heartbeat.heard(at);
            } else if (step.charAt(0) == 's') {
                heartbeat.sent();
            } else {
                decisions.add(heartbeat.beat(at).name());
            }
        }
        return decisions;
    }
}
