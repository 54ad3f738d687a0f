package org.portico.session;

import org.portico.xml.XmlElement;

/**
 * The transport's side of a session: where upstream traffic goes once Portico has filtered it. Called from the
 * upstream's reader thread or its poller's, serially and in stream order, so an implementation needs no ordering
 * logic of its own; it must not block (queue and return).
 */
public interface ClientSink {

    /** The server's stream header after each (re)start: {@code id}, {@code from}, {@code version}. */
    void opened(XmlElement streamHeader);

    /** A top-level element for the client: features (already filtered), SASL, stanzas, stream management. */
    void deliver(XmlElement element);

    /**
     * What {@link #opened} and {@link #deliver} passed on since the last flush came in one read from the server:
     * it is written to the client now, in as few writes as the transport allows. A sink may also write at once and
     * ignore this.
     */
    default void flush() {
    }

    /** The session is over; called exactly once, nothing follows. */
    void ended(SessionEnd end);

    /**
     * Whether {@link #opened} and {@link #deliver} never wait, not even for a slow client: true when they only queue
     * asynchronous sends (WebSocket frames, BOSH answers). The
     * upstream may then call them on a thread shared by many streams
     * ({@link org.portico.upstream.UpstreamListener#neverWaits}).
     */
    default boolean neverWaits() {
        return false;
    }
}
