package org.portico.websocket;

/**
 * One client socket as a {@link WebSocketSession} sees it. A session decides under its lock what goes out and
 * {@link #offer}s it (memory only, so the order of messages is the order of decisions); after releasing the lock
 * it calls {@link #flush}, which writes to the network. The endpoint implements it over a Jetty session; tests
 * record it.
 */
interface ClientConnection {

    /** Queues one text message. Safe under a lock: no I/O. Dropped once a close is queued. */
    void offer(String frame);

    /** Queues the WebSocket closing handshake after every message already queued. */
    void offerClose(CloseCode code, String reason);

    /** Writes what was queued, in order. Never called under a session lock. */
    void flush();
}
