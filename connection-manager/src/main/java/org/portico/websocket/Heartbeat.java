package org.portico.websocket;

import java.time.Duration;

/**
 * Liveness of one WebSocket peer (RFC 7395 §3.8 allows WebSocket pings): every {@code pingInterval} Portico pings,
 * and a peer from which nothing at all (message or pong) arrived for {@code idleTimeout} is dead. Pinging also
 * keeps reverse proxies from closing a quiet connection. Browsers answer pings on their own, so a live page never
 * needs to do anything.
 *
 * <p>A pure decision on a nanosecond clock; the socket's endpoint calls it from one timer thread and its own
 * receive thread, so the one field both write is volatile.
 */
final class Heartbeat {

    enum Decision { PING, DEAD }

    private final long idleNanos;
    private volatile long lastHeard;

    Heartbeat(Duration idleTimeout, long now) {
        this.idleNanos = idleTimeout.toNanos();
        this.lastHeard = now;
    }

    /** Something arrived from the peer. */
    void heard(long now) {
        lastHeard = now;
    }

    /** The ping timer fired. */
    Decision tick(long now) {
        return now - lastHeard >= idleNanos ? Decision.DEAD : Decision.PING;
    }

    @Override
    public String toString() {
        return "Heartbeat[idle " + Duration.ofNanos(idleNanos) + "]";
    }
}
