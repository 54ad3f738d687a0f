package org.portico.upstream;

import org.portico.xml.XmlElement;

/**
 * What the upstream stream reports, one call at a time and in the order it read it, each call happening before the
 * next: from the stream's reader thread, or, for a plain stream whose listener {@linkplain #neverWaits never waits},
 * from the poller's thread (from the server's opening on where the route never uses TLS, else once the stream is
 * open), and {@code onClosed} from a thread of its own. So a listener sees the events of one stream serially, though
 * not always on one thread.
 */
public interface UpstreamListener {

    /** The server's {@code <stream:stream>} header, once per (re)start and after STARTTLS is done. */
    void onOpened(XmlElement header);

    /** A top-level element: features (unfiltered), SASL, stanzas, stream-management elements. */
    void onElement(XmlElement element);

    /**
     * Everything one read from the server held has been reported through {@link #onOpened} and {@link #onElement}:
     * a listener that passes them on in writes of its own makes one write of them now. Called after each read that
     * reported anything; a stream read on a thread of its own (TLS, a listener that may wait) calls it after each
     * element.
     */
    default void onReadEnd() {
    }

    /** The stream is over; called exactly once, and nothing is reported after it. */
    void onClosed(UpstreamEnd end);

    /**
     * Whether {@link #onOpened} and {@link #onElement} always return without waiting for the network or a lock held
     * across it. Such a listener may be called on the thread that reads many streams ({@code UpstreamPoller}); one
     * that may wait keeps a reader thread per stream, so that it stops no other stream.
     */
    default boolean neverWaits() {
        return false;
    }
}
