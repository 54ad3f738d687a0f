package org.portico.websocket;

import java.time.Duration;

/**
 * Liveness of one WebSocket peer (RFC 7395 §3.8 allows WebSocket pings): Portico pings a connection that has been
 * quiet for {@code pingInterval}, and a peer from which nothing at all (message or pong) arrived for
 * {@code idleTimeout} is dead. Pinging also keeps reverse proxies from closing a quiet connection. Browsers answer
 * pings on their own, so a live page never needs to do anything. With pings off, a peer silent for
 * {@code idleTimeout} is dead all the same.
 *
 * <p>Quiet means quiet in either direction: a ping falls due {@code pingInterval} after the peer was last heard, or
 * after Portico last sent it a message, a pong or a ping, whichever is earlier, and never sooner than an interval
 * after the last ping. So a connection that carries messages both ways is not pinged at all; one the peer talks on
 * while Portico stays quiet is (nginx's {@code proxy_read_timeout} counts only what Portico sends); one Portico talks
 * on while the peer stays quiet is too (liveness). Each direction sees a frame at least every interval, and a ping
 * comes at most an interval after the peer was last heard, so its pong has {@code idleTimeout - pingInterval} to
 * arrive, as when every socket was pinged on a fixed cadence. Why not that cadence: a busy socket's ping and pong
 * are frames for nothing, and the first pings of a Portico under load, 50 s after its clients came, sent Jetty's
 * compiled frame paths back to the interpreter in the middle of its traffic (docs/benchmarks.md).
 *
 * <p>A pure decision on a nanosecond clock. The transport's beat asks it on the beat's one thread, which alone
 * reads and writes {@code lastPing} and {@code dead}, and asks it when to ask again ({@link #nextDecision}); the
 * socket's receive thread reports what it hears and the threads that write to the socket what they send, so
 * {@code lastHeard} and {@code lastSent} are volatile.
 */
final class Heartbeat {

    enum Decision { WAIT, PING, DEAD }

    private final long pingNanos;
    private final long idleNanos;
    private volatile long lastHeard;
    private volatile long lastSent;
    private long lastPing;
    /** Death was decided: the socket is being dropped, and later beats (until it is gone) change nothing. */
    private boolean dead;

    /** @param pingInterval zero sends no pings */
    Heartbeat(Duration pingInterval, Duration idleTimeout, long now) {
        this.pingNanos = pingInterval.toNanos();
        this.idleNanos = idleTimeout.toNanos();
        this.lastHeard = now;
        this.lastSent = now;
        this.lastPing = now;
    }

    /** Something arrived from the peer. */
    void heard(long now) {
        lastHeard = now;
    }

    /** Portico sent the peer a message, or a pong to its ping. */
    void sent(long now) {
        lastSent = now;
    }

    /**
     * The transport's beat: what to do with this peer now. Death is decided once. A beat that comes late sends one
     * ping, not the ones it missed, and the next is due a whole interval later at the soonest.
     */
    Decision beat(long now) {
        if (dead) {
            return Decision.WAIT;
        }
        if (now - lastHeard >= idleNanos) {
            dead = true;
            return Decision.DEAD;
        }
        if (pingNanos == 0 || now - pingDue() < 0) {
            return Decision.WAIT;
        }
        lastPing = now;
        return Decision.PING;
    }

    /** An interval after the earlier of the two directions' last frames, and at least one after the last ping. */
    private long pingDue() {
        long portico = later(lastSent, lastPing);
        return later(earlier(lastHeard, portico), lastPing) + pingNanos;
    }

    /** The later of two times on the clock, compared as {@link System#nanoTime} asks (their difference). */
    private static long later(long a, long b) {
        return a - b < 0 ? b : a;
    }

    /** The earlier of two times on the clock, compared likewise. */
    private static long earlier(long a, long b) {
        return a - b < 0 ? a : b;
    }

    /**
     * The earliest time a beat may decide anything but {@code WAIT}: the next ping, or the end of the idle timeout
     * counted from what was last heard, whichever comes first. Hearing from the peer or sending to it only moves it
     * later, so a beat at this time is never too late.
     */
    long nextDecision() {
        long silentUntil = lastHeard + idleNanos;
        if (pingNanos == 0) {
            return silentUntil;
        }
        return earlier(silentUntil, pingDue());
    }

    @Override
    public String toString() {
        return "Heartbeat[ping " + Duration.ofNanos(pingNanos) + ", idle " + Duration.ofNanos(idleNanos) + "]";
    }
}
