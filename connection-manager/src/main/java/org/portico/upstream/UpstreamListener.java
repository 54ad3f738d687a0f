package org.portico.upstream;

import org.portico.xml.XmlElement;

/**
 * What the upstream stream reports, always from its single reader thread and in the order it read it; so a
 * listener sees the events of one stream serially.
 */
public interface UpstreamListener {

    /** The server's {@code <stream:stream>} header, once per (re)start and after STARTTLS is done. */
    void onOpened(XmlElement header);

    /** A top-level element: features (unfiltered), SASL, stanzas, stream-management elements. */
    void onElement(XmlElement element);

    /** The stream is over; called exactly once, and nothing is reported after it. */
    void onClosed(UpstreamEnd end);
}
