package org.portico.upstream;

import org.portico.xml.XmlElement;

/**
 * One client-to-server XMPP stream to the upstream server, as the session sees it. No method waits for the
 * network: writes are queued and done by the stream's own writer, or by the caller as far as the socket takes them
 * at once, so a slow upstream never blocks an HTTP or WebSocket thread, nor another session.
 */
public interface Upstream {

    /**
     * Queues an element for the upstream, serialized inside the {@code jabber:client} stream.
     *
     * @return false when the write queue is full: the server is not reading, the stream is ending, and the caller
     *         must {@link #abort} it once it holds no lock of its own (closing a socket is not done under a lock)
     */
    boolean send(XmlElement element);

    /**
     * Queues an element as {@link #send} does, but leaves the writing to the caller's
     * {@link #writeQueuedWithoutWaiting}, unless the stream's writer is already at work (it then takes it): the
     * caller saves the writer's thread hand-off. The result is that of {@link #send}.
     */
    boolean queue(XmlElement element);

    /**
     * Writes what {@link #queue} left as far as the socket takes it at once, on the calling thread; what it does not
     * take, and everything on a stream whose socket can only block (TLS), is left to the stream's writer, as
     * {@link #send} would. Never waits: a server that stops reading must not stop Portico from reading the
     * client, or the write bound could never be reached. Call it holding no lock.
     */
    void writeQueuedWithoutWaiting();

    /**
     * Restarts the stream on the same TCP connection (RFC 6120 §4.3.3; XEP-0206 §5; RFC 7395 §3.7): the old stream
     * is treated as closed and a new header is queued, as {@link #queue} queues an element, for the caller's
     * {@link #writeQueuedWithoutWaiting}. The server's new header and features reach the listener.
     *
     * @return false when the write queue is full, as for {@link #send}
     */
    boolean restart(StreamHeader header);

    /** Closes the stream cleanly ({@code </stream:stream>}), then the socket once the server answers or times out. */
    void close();

    /** Drops the connection at once, without a closing tag. */
    void abort();
}
