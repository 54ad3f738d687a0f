package org.portico.xml;

/**
 * The scope a stream's first-level elements are read in (RFC 6120 §4.7; Namespaces in XML 1.0 §6): the bytes of the
 * stream's header, after which the parser reads each element, and the namespace bindings the header declares, read
 * once for all of the stream's elements by {@link PlainElement}.
 *
 * <p>Why: each element was parsed after a copy of the whole header, its id, addresses, version and language read
 * again every time, where the header's bindings are all that an element's names need.
 *
 * <p>Immutable; made by {@link XmlParser#streamScope} when a header arrives, once the parser has read it.
 */
public final class StreamScope {

    private final XmlElement header;
    private final byte[] bytes;
    /** Prefix and URI pairs, as {@link PlainElement} keeps them; null when the header is not of the plain kind. */
    private final String[] bindings;

    StreamScope(XmlElement header, byte[] bytes, String[] bindings) {
        this.header = header;
        this.bytes = bytes;
        this.bindings = bindings;
    }

    /** The stream's header, as an element without children. */
    public XmlElement header() {
        return header;
    }

    byte[] bytes() {
        return bytes;
    }

    String[] bindings() {
        return bindings;
    }
}
