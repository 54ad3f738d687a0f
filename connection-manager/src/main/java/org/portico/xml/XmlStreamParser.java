package org.portico.xml;

import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.namespace.QName;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Incremental reader of one XMPP stream (RFC 6120 §4): the {@code <stream:stream>} header, then each top-level
 * element as a tree, then the end of the stream.
 *
 * <p>Owned by the single thread that reads the upstream socket. Over a blocking socket it waits in the socket read;
 * over a non-blocking one the owner asks for an event only once a {@link StreamFramer} says all its bytes are there.
 * Each document's reader is opened at the first {@link #next} after {@link #restart}, not before: Woodstox reads the
 * first bytes as it opens, to detect the encoding, and they may not have arrived yet. A stream restart (after SASL
 * success or TLS proceed) starts a new document on the same bytes, so the owner calls {@link #restart} and the next
 * event is the new header.
 */
public final class XmlStreamParser {

    /** What the stream produced next. */
    public sealed interface Event permits Opened, Element, Closed {
    }

    /** The {@code <stream:stream>} start tag, as an element without children. */
    public record Opened(XmlElement header) implements Event {
    }

    public record Element(XmlElement element) implements Event {
    }

    /**
     * {@code </stream:stream>}. The end of input without it is an {@link XmlParseException} caused by Woodstox's
     * {@code WstxEOFException}, so the owner can tell an abrupt close from bad XML.
     */
    public record Closed() implements Event {
    }

    private final XmlParser parser;
    private InputStream in;
    private XMLStreamReader reader;
    private boolean opened;

    public XmlStreamParser(XmlParser parser, InputStream in) {
        this.parser = parser;
        this.in = in;
    }

    /** Starts a new document on the same input, or on a new one after TLS is layered on the socket. */
    public void restart(InputStream newInput) {
        if (reader != null) {
            XmlParser.closeQuietly(reader);
        }
        this.in = newInput;
        this.reader = null;
        this.opened = false;
    }

    public Event next() throws XmlParseException {
        if (reader == null) {
            reader = parser.openStream(in);
        }
        try {
            while (reader.hasNext()) {
                int event = reader.next();
                switch (event) {
                    case XMLStreamConstants.START_ELEMENT -> {
                        if (!opened) {
                            opened = true;
                            return new Opened(header());
                        }
                        return new Element(XmlParser.readElement(reader, parser.limits().maxBytes()));
                    }
                    case XMLStreamConstants.END_ELEMENT, XMLStreamConstants.END_DOCUMENT -> {
                        return new Closed();
                    }
                    case XMLStreamConstants.CHARACTERS, XMLStreamConstants.SPACE,
                         XMLStreamConstants.COMMENT, XMLStreamConstants.PROCESSING_INSTRUCTION -> {
                        // whitespace keepalives between stanzas and the XML declaration carry nothing to relay
                    }
                    default -> throw XmlParser.refused(event);
                }
            }
            return new Closed();
        } catch (XMLStreamException | RuntimeException e) {
            throw new XmlParseException(XmlParser.describe(e), e);
        }
    }

    private XmlElement header() {
        Map<QName, String> attributes = new LinkedHashMap<>();
        for (int i = 0; i < reader.getAttributeCount(); i++) {
            attributes.put(reader.getAttributeName(i), reader.getAttributeValue(i));
        }
        return new XmlElement(reader.getName(), attributes, List.of());
    }

    public InputStream input() {
        return in;
    }

    /** Lets go of the reader and its buffers; the stream's bytes are read elsewhere from now on. */
    public void close() {
        if (reader != null) {
            XmlParser.closeQuietly(reader);
            reader = null;
        }
    }
}
