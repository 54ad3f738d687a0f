package org.portico.websocket;

import java.time.Duration;

/**
 * Liveness of one WebSocket peer (RFC 7395 §3.8 allows WebSocket pings): every {@code pingInterval} Portico pings,
 * and a peer from which nothing at all (message or pong) arrived for {@code idleTimeout} is dead. Pinging also
 * keeps reverse proxies from closing a quiet connection. Browsers answer pings on their own, so a live page never
 * needs to do anything. With pings off, a peer silent for {@code idleTimeout} is dead all the same.
 *
 * <p>A ping falls due every {@code pingInterval}, and is skipped when the connection carried messages both ways
 * since the last one was due: the peer was heard within the interval, so it is alive, and Portico sent to it, so no
 * proxy saw the connection quiet in either direction (nginx's {@code proxy_read_timeout} counts only what Portico
 * sends, so a peer that talks while Portico stays quiet is still pinged). Why: a busy socket's ping and pong are
 * frames of their own for nothing, and the first pings of a Portico under load, 50 s after its clients came, sent
 * Jetty's compiled frame paths back to the interpreter in the middle of its traffic (docs/benchmarks.md).
 *
 * <p>A pure decision on a nanosecond clock. The transport's beat asks it on the beat's one thread, which alone
 * reads and writes {@code nextPing} and {@code dead}, and asks it when to ask again ({@link #nextDecision}); the
 * socket's receive thread reports what it hears, so {@code lastHeard} is volatile, and the threads that write to
 * the socket what they send, so {@code sent} is volatile too (a report lost to the beat clearing it costs one ping).
 */
final class Heartbeat {

    enum Decision { WAIT, PING, DEAD }

    private final long pingNanos;
    private final long idleNanos;
    private volatile long lastHeard;
    private long nextPing;
    /** Portico sent the peer a message since the last ping fell due. */
    private volatile boolean sent;
    /** Death was decided: the socket is being dropped, and later beats (until it is gone) change nothing. */
    private boolean dead;

    /** @param pingInterval zero sends no pings */
    Heartbeat(Duration pingInterval, Duration idleTimeout, long now) {
        this.pingNanos = pingInterval.toNanos();
        this.idleNanos = idleTimeout.toNanos();
        this.lastHeard = now;
        this.nextPing = now + pingNanos;
    }

    /** Something arrived from the peer. */
    void heard(long now) {
        lastHeard = now;
    }

    /** Portico sent the peer a message; written only when not set already, since every message reports it. */
    void sent() {
        if (!sent) {
            sent = true;
        }
    }

    /**
     * The transport's beat: what to do with this peer now. Death is decided once. A beat that comes late sends one
     * ping, not the ones it missed, and the next is due a whole interval later; so is the next after a ping skipped
     * because messages went both ways.
     */
    Decision beat(long now) {
        if (dead) {
            return Decision.WAIT;
        }
        if (now - lastHeard >= idleNanos) {
            dead = true;
            return Decision.DEAD;
        }
        if (pingNanos == 0 || now - nextPing < 0) {
            return Decision.WAIT;
        }
        nextPing = now + pingNanos;
        boolean bothWays = sent && now - lastHeard < pingNanos;
        sent = false;
        return bothWays ? Decision.WAIT : Decision.PING;
    }

    /**
     * The earliest time a beat may decide anything but {@code WAIT}: the next ping, or the end of the idle timeout
     * counted from what was last heard, whichever comes first. Hearing from the peer only moves it later, so a beat
     * at this time is never too late.
     */
    long nextDecision() {
        long silentUntil = lastHeard + idleNanos;
        return pingNanos == 0 || silentUntil - nextPing < 0 ? silentUntil : nextPing;
    }

    @Override
    public String toString() {
        return "Heartbeat[ping " + Duration.ofNanos(pingNanos) + ", idle " + Duration.ofNanos(idleNanos) + "]";
    }
}
