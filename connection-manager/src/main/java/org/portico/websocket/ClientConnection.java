package org.portico.websocket;

import org.portico.xml.XmlElement;

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

    /**
     * Queues the end of the client's stream in RFC 7395's order: {@code open} first, when given (a stream that never
     * opened opens before its error, §3.5, R89), the stream error if any, the {@code <close/>} frame if any (§3.6),
     * then the WebSocket closing handshake (R90).
     */
    default void offerEnd(String open, XmlElement error, String close, CloseCode code, String reason) {
        if (open != null) {
            offer(open);
        }
        if (error != null) {
            offer(FramingCodec.element(error, null));
        }
        if (close != null) {
            offer(close);
        }
        offerClose(code, reason);
    }

    /** The client's address (the remote address of its upgrade request), for the session's log lines. */
    String client();

    /**
     * The {@code Origin} header of its upgrade request, or null for a client that sent none (not a browser): a
     * session's resumption token works only from the origin that opened the session.
     */
    String origin();
}
