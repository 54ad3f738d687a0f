package org.portico.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
            // Portico talks, the peer stays quiet: the ping asks it whether it is alive
            "25 | s10 s24 b25               | PING",
            // messages both ways: the ping falls due an interval after the earlier direction fell quiet, here the
            // peer's (heard at 10, sent to at 20)
            "25 | h10 s20 b25 b34 b35       | WAIT WAIT PING",
            // and here Portico's (sent to at 10, heard at 20)
            "25 | s10 h20 b25 b34 b35       | WAIT WAIT PING",
            // busy both ways in every interval: never a ping, and a peer heard from never dies
            "25 | h10 s10 b25 h30 s30 b50 h55 s55 b75 | WAIT WAIT WAIT",
            // a ping is at least an interval after the last one, however quiet the connection
            "25 | b25 h26 b49 b50           | PING WAIT PING",
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
            // messages both ways: an interval after the earlier direction fell quiet
            "25 | h10 s20 b25     | 35",
            // Portico's ping counts as Portico sending: after it, the peer's side decides
            "25 | h20 b25 h26     | 50",
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

    /**
     * What went before never makes a peer that answers every ping die: whatever the traffic was when it stopped, the
     * next ping comes at most an interval after the peer was last heard, so its pong (here 2 s late) arrives within
     * the idle timeout. The default 50 s and 75 s, with a beat every second for ten minutes.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "a login, then nothing       | h1 s1",
            "busy both ways for a while  | h1 s1 h20 s20 h40 s40 h49 s49",
            "the peer talked last        | s1 h1 s20 h45",
            "Portico talked last         | h1 s1 h20 s45",
            "Portico kept talking        | h1 s1 s100 s200 s300 s400 s500",
    })
    void aPeerThatAnswersEveryPingNeverDies(String traffic, String script) {
        Heartbeat heartbeat = new Heartbeat(Duration.ofSeconds(50), Duration.ofSeconds(75), 0);
        List<Long> heard = new ArrayList<>();
        List<Long> sent = new ArrayList<>();
        for (String step : script.trim().split("\\s+")) {
            (step.charAt(0) == 'h' ? heard : sent).add(at(step));
        }
        long pongDue = Long.MAX_VALUE;
        int pings = 0;
        for (long second = 1; second <= 600; second++) {
            long now = second * SECOND;
            if (heard.remove(now)) {
                heartbeat.heard(now);
            }
            if (sent.remove(now)) {
                heartbeat.sent(now);
            }
            if (now >= pongDue) {
                heartbeat.heard(now);
                pongDue = Long.MAX_VALUE;
            }
            Heartbeat.Decision decision = heartbeat.beat(now);
            assertNotEquals(Heartbeat.Decision.DEAD, decision, traffic + ": dead at " + second + " s");
            if (decision == Heartbeat.Decision.PING) {
                pings++;
                pongDue = now + 2 * SECOND;
            }
        }
        assertTrue(pings >= 10, traffic + ": a quiet connection is pinged about every 50 s, " + pings + " pings");
    }

    /** Plays a script ({@code -} for nothing) on the heartbeat; returns the beats' decisions, in order. */
    private static List<String> play(Heartbeat heartbeat, String script) {
        List<String> decisions = new ArrayList<>();
        for (String step : script.trim().split("\\s+")) {
            if (step.equals("-")) {
                continue;
            }
            long at = at(step);
            if (step.charAt(0) == 'h') {
                heartbeat.heard(at);
            } else if (step.charAt(0) == 's') {
                heartbeat.sent(at);
            } else {
                decisions.add(heartbeat.beat(at).name());
            }
        }
        return decisions;
    }

    /** When a script's step happens: {@code h30}, {@code s30} and {@code b30} are at 30 s. */
    private static long at(String step) {
        return Long.parseLong(step.substring(1)) * SECOND;
    }
}
