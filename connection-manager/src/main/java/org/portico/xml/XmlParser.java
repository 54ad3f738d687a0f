package org.portico.xml;

import com.ctc.wstx.api.ReaderConfig;
import com.ctc.wstx.api.WstxInputProperties;
import com.ctc.wstx.io.StreamBootstrapper;
import com.ctc.wstx.io.SystemId;
import com.ctc.wstx.stax.WstxInputFactory;
import java.io.InputStream;
import java.nio.CharBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.xml.namespace.QName;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Hardened Woodstox parsing of untrusted XML into {@link XmlElement} trees.
 *
 * <p>No DTD is processed and a document that carries one is refused, so there is no entity expansion and no
 * external fetch; depth, attribute count, text length and total size are bounded by {@link XmlLimits} inside the
 * parser itself. Comments and processing instructions are refused too: XEP-0124 §6 and RFC 7395 §3.3.3 forbid them.
 * So is XML 1.1: XMPP is XML 1.0 (RFC 6120 §11), and the control characters 1.1 lets through as references
 * ({@code &#1;}) cannot be written into an XML 1.0 stream, so relaying them would break the stream they go to.
 * One factory per limits value; factories are thread-safe once configured.
 *
 * <p>Cost: a complete document is parsed straight from its byte array with a character buffer no larger than the
 * document, and a stream reads through a buffer of {@link #STREAM_BUFFER_CHARS}. Woodstox's default setup gives
 * every reader a 4,000-byte and a 4,000-char buffer and counts on a per-thread recycler to reuse them; Portico parses
 * on virtual threads, each new, so nothing was ever reused and every BOSH body or WebSocket message cost about 17 kB
 * (docs/benchmarks.md). Documents and stream elements of the plain kind, which is what clients and servers write,
 * skip Woodstox altogether: {@link PlainElement} reads them as Woodstox would, and leaves it everything else.
 */
public final class XmlParser {

    /**
     * Woodstox's read buffer for a long-lived stream, in characters. A stream reader keeps it for the life of the
     * upstream connection, so it is a per-session cost; stanzas larger than it are read in several passes, which
     * only costs calls into the socket's own buffer.
     */
    static final int STREAM_BUFFER_CHARS = 1024;
    /** Documents are read in one pass up to this size; larger ones through a buffer of this many characters. */
    static final int MAX_DOCUMENT_BUFFER_CHARS = 4000;

    private final XmlLimits limits;
    private final WstxInputFactory documents;
    private final XMLInputFactory streams;

    public XmlParser(XmlLimits limits) {
        this.limits = limits;
        this.documents = factory(limits, true);
        this.streams = factory(limits, false);
    }

    public XmlLimits limits() {
        return limits;
    }

    private static WstxInputFactory factory(XmlLimits limits, boolean boundTotal) {
        WstxInputFactory factory = new WstxInputFactory();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        factory.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
        factory.setProperty(XMLInputFactory.IS_COALESCING, false);
        factory.setProperty(WstxInputProperties.P_MAX_ELEMENT_DEPTH, limits.maxDepth());
        factory.setProperty(WstxInputProperties.P_MAX_ATTRIBUTES_PER_ELEMENT, limits.maxAttributes());
        factory.setProperty(WstxInputProperties.P_MAX_ATTRIBUTE_SIZE, limits.maxTextLength());
        factory.setProperty(WstxInputProperties.P_MAX_TEXT_LENGTH, limits.maxTextLength());
        // Woodstox 7 refuses 0 here; with DTDs off no entity can be declared, and predefined ones are not counted.
        factory.setProperty(WstxInputProperties.P_MAX_ENTITY_COUNT, 1L);
        if (boundTotal) {
            factory.setProperty(WstxInputProperties.P_MAX_CHARACTERS, (long) limits.maxBytes());
        } else {
            factory.setProperty(WstxInputProperties.P_INPUT_BUFFER_LENGTH, STREAM_BUFFER_CHARS);
        }
        return factory;
    }

    /** Whether {@code b} is XML white space (XML 1.0 §2.3, production S): space, tab, line feed, carriage return. */
    public static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }

    /** Whether {@code octets} hold nothing but XML white space, as a whitespace keepalive does (or nothing). */
    public static boolean isWhitespace(byte[] octets) {
        for (byte b : octets) {
            if (!isWhitespace(b)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses one complete document (a BOSH body, a WebSocket message) whose size the caller already bounded. The
     * octets are UTF-8 unless a byte-order mark or the XML declaration names another encoding (XEP-0124 §7.2, R20).
     * A document of the plain kind, as bodies and messages are, is read without Woodstox ({@link PlainElement}).
     */
    public XmlElement parseDocument(byte[] document) throws XmlParseException {
        if (document.length > limits.maxBytes()) {
            throw new XmlParseException("document of " + document.length + " bytes exceeds " + limits.maxBytes());
        }
        XmlElement plain = PlainElement.readDocument(document, limits);
        return plain != null ? plain : parse(document, limits.maxBytes());
    }

    /**
     * Parses a stream header (RFC 6120 §4.7) that arrived whole, with the XML declaration before it, into an element
     * without children, as {@link XmlStreamParser} reports it. Its size was bounded by the caller (a
     * {@link StreamFramer}).
     */
    private XmlElement parseStreamHeader(byte[] header) throws XmlParseException {
        byte[] document = concat(header, null, 0, 0);
        XmlElement root = parse(document, document.length);
        return new XmlElement(root.name(), root.attributes(), List.of());
    }

    /**
     * Parses a stream header that arrived whole ({@link #parseStreamHeader}) into the scope of the stream's
     * first-level elements ({@link #parseFirstLevel}).
     */
    public StreamScope streamScope(byte[] header) throws XmlParseException {
        return new StreamScope(parseStreamHeader(header), header, PlainElement.bindingsOf(header, limits));
    }

    /**
     * Parses one first-level element of a stream that arrived whole, {@code bytes[from..to)}, in the stream's
     * {@code scope} (its default namespace and prefixes), as if the parser had read on through the stream: the
     * element is parsed as the only child of the stream's header. So a stream whose elements arrive whole needs no
     * parser kept between them. Its size was bounded by the caller (a {@link StreamFramer}). An element of the plain
     * kind is read without Woodstox ({@link PlainElement}).
     */
    public XmlElement parseFirstLevel(StreamScope scope, byte[] bytes, int from, int to) throws XmlParseException {
        XmlElement plain = scope.bindings() == null ? null
                : PlainElement.readFirstLevel(scope.bindings(), bytes, from, to, limits);
        return plain != null ? plain : parseFirstLevelInDocument(scope.bytes(), bytes, from, to);
    }

    /**
     * Woodstox's reading of a first-level element; package-private so that tests compare {@link PlainElement} with
     * it.
     */
    XmlElement parseFirstLevelInDocument(byte[] header, byte[] bytes, int from, int to) throws XmlParseException {
        byte[] document = concat(header, bytes, from, to);
        for (XmlElement child : parse(document, document.length).childElements()) {
            return child;
        }
        throw new XmlParseException("no element where the stream's framing found one");
    }

    /**
     * The header, the element's bytes (if any) and the header's end tag, in one array. The end tag repeats the
     * header's name as the server wrote it ({@code stream:stream}, or another prefix).
     */
    private static byte[] concat(byte[] header, byte[] bytes, int from, int to) throws XmlParseException {
        int nameStart = -1;
        for (int i = 0; i + 1 < header.length && nameStart < 0; i++) {
            if (header[i] == '<' && header[i + 1] != '?' && header[i + 1] != '!') {
                nameStart = i + 1;
            }
        }
        int nameEnd = nameStart;
        while (nameStart >= 0 && nameEnd < header.length && " \t\r\n/>".indexOf(header[nameEnd]) < 0) {
            nameEnd++;
        }
        if (nameStart < 0 || nameEnd == nameStart) {
            throw new XmlParseException("no start tag in a stream header");
        }
        int length = to - from;
        int nameLength = nameEnd - nameStart;
        byte[] document = new byte[header.length + length + nameLength + 3];
        System.arraycopy(header, 0, document, 0, header.length);
        if (bytes != null) {
            System.arraycopy(bytes, from, document, header.length, length);
        }
        int at = header.length + length;
        document[at++] = '<';
        document[at++] = '/';
        System.arraycopy(header, nameStart, document, at, nameLength);
        document[at + nameLength] = '>';
        return document;
    }

    /** Woodstox's reading of a whole document; package-private so that tests compare {@link PlainElement} with it. */
    XmlElement parse(byte[] document, long maxChars) throws XmlParseException {
        XMLStreamReader reader = null;
        try {
            reader = open(document, maxChars);
            requireXml10(reader);
            XmlElement root = null;
            while (reader.hasNext()) {
                int event = reader.next();
                switch (event) {
                    case XMLStreamConstants.START_ELEMENT -> {
                        if (root != null) {
                            throw new XmlParseException("more than one root element");
                        }
                        root = readElement(reader, (int) maxChars);
                    }
                    case XMLStreamConstants.END_DOCUMENT, XMLStreamConstants.SPACE -> {
                        // nothing to keep
                    }
                    case XMLStreamConstants.CHARACTERS -> {
                        if (!reader.isWhiteSpace()) {
                            throw new XmlParseException("character data outside the root element");
                        }
                    }
                    default -> throw refused(event);
                }
            }
            if (root == null) {
                throw new XmlParseException("no root element");
            }
            return root;
        } catch (XMLStreamException | RuntimeException e) {
            throw new XmlParseException(describe(e), e);
        } finally {
            closeQuietly(reader);
        }
    }

    /**
     * A reader over the array itself (no copy into a byte buffer), whose character buffer fits the document: UTF-8
     * never has more characters than octets, and the margin covers a byte-order mark or declaration decoded into
     * another encoding's characters.
     */
    private XMLStreamReader open(byte[] document, long maxChars) throws XMLStreamException {
        ReaderConfig config = documents.createPrivateConfig();
        config.setInputBufferLength(Math.min(document.length + 16, MAX_DOCUMENT_BUFFER_CHARS));
        config.setMaxCharacters(maxChars);
        StreamBootstrapper bootstrapper =
                StreamBootstrapper.getInstance(null, (SystemId) null, document, 0, document.length);
        return documents.createSR(config, (SystemId) null, bootstrapper, false, false);
    }

    /** Opens an incremental parser over a long-lived stream, such as the upstream XMPP connection. */
    public XMLStreamReader openStream(InputStream in) throws XmlParseException {
        try {
            XMLStreamReader reader = streams.createXMLStreamReader(in);
            requireXml10(reader);
            return reader;
        } catch (XMLStreamException e) {
            throw new XmlParseException(describe(e), e);
        }
    }

    /** Woodstox has read the XML declaration, if any, when it returns the reader. */
    private static void requireXml10(XMLStreamReader reader) throws XmlParseException {
        String version = reader.getVersion();
        if (version != null && !version.equals("1.0")) {
            closeQuietly(reader);
            throw new XmlParseException("XML " + version + " is not allowed; XMPP is XML 1.0");
        }
    }

    /**
     * Reads the element whose START_ELEMENT the reader is positioned on, up to and including its END_ELEMENT.
     *
     * @param maxChars bound on the characters of names, attribute values and text in the subtree
     */
    public static XmlElement readElement(XMLStreamReader reader, int maxChars) throws XMLStreamException,
            XmlParseException {
        int[] budget = {maxChars};
        return readSubtree(reader, budget, !"UTF-8".equalsIgnoreCase(reader.getEncoding()));
    }

    /**
     * @param checkChars whether to look for the two characters XML 1.0 excludes that Woodstox lets through from
     *                   input that is not UTF-8 (see {@link #requireXmlChars})
     */
    private static XmlElement readSubtree(XMLStreamReader reader, int[] budget, boolean checkChars)
            throws XMLStreamException, XmlParseException {
        QName name = reader.getName();
        if (checkChars) {
            requireXmlChars(name.getNamespaceURI());
            requireXmlChars(name.getLocalPart());
        }
        int count = reader.getAttributeCount();
        QName[] names = new QName[count];
        String[] values = new String[count];
        for (int i = 0; i < count; i++) {
            String value = reader.getAttributeValue(i);
            charge(budget, value.length() + reader.getAttributeLocalName(i).length());
            QName attribute = reader.getAttributeName(i);
            if (checkChars) {
                requireXmlChars(value);
                requireXmlChars(attribute.getNamespaceURI());
                requireXmlChars(attribute.getLocalPart());
            }
            names[i] = attribute;
            values[i] = value;
        }
        // Woodstox refuses a repeated attribute, so the names are distinct
        Map<QName, String> attributes = Attributes.owning(names, values);
        List<XmlNode> children = new ArrayList<>(4);
        // a run of character data usually arrives as one event: it becomes its string directly, and is joined in a
        // builder only when Woodstox splits it (at a buffer boundary, around CDATA or a character reference)
        String text = null;
        StringBuilder joined = null;
        while (true) {
            int event = reader.next();
            switch (event) {
                case XMLStreamConstants.START_ELEMENT -> {
                    if (text != null) {
                        children.add(new XmlText(joined != null ? joined.toString() : text));
                        text = null;
                        joined = null;
                    }
                    children.add(readSubtree(reader, budget, checkChars));
                }
                case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE -> {
                    int length = reader.getTextLength();
                    charge(budget, length);
                    if (length == 0) {
                        // an empty CDATA section: no text node, so the tree is what writing it back gives
                        continue;
                    }
                    if (checkChars) {
                        requireXmlChars(CharBuffer.wrap(reader.getTextCharacters(), reader.getTextStart(), length));
                    }
                    if (text == null) {
                        text = new String(reader.getTextCharacters(), reader.getTextStart(), length);
                    } else {
                        if (joined == null) {
                            joined = new StringBuilder(text);
                        }
                        joined.append(reader.getTextCharacters(), reader.getTextStart(), length);
                    }
                }
                case XMLStreamConstants.END_ELEMENT -> {
                    if (text != null) {
                        children.add(new XmlText(joined != null ? joined.toString() : text));
                    }
                    return new XmlElement(name, attributes, children);
                }
                default -> throw refused(event);
            }
        }
    }

    /**
     * U+FFFE and U+FFFF are not XML 1.0 characters (§2.2). Woodstox refuses them in UTF-8 input, but from UTF-16
     * and the other encodings R20 allows they reach the tree, and Portico would then write them, as UTF-8, into
     * streams whose parsers must refuse them (found by XmlParserFuzzTest, docs/reliability.md).
     */
    private static void requireXmlChars(CharSequence text) throws XmlParseException {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\uFFFE' || c == '\uFFFF') {
                throw new XmlParseException("U+" + Integer.toHexString(c).toUpperCase(Locale.ROOT)
                        + " is not an XML character");
            }
        }
    }

    private static void charge(int[] budget, int chars) throws XmlParseException {
        budget[0] -= chars;
        if (budget[0] < 0) {
            throw new XmlParseException("element exceeds the size limit");
        }
    }

    static XmlParseException refused(int event) {
        return new XmlParseException(switch (event) {
            case XMLStreamConstants.DTD -> "DTDs are not allowed";
            case XMLStreamConstants.COMMENT -> "comments are not allowed";
            case XMLStreamConstants.PROCESSING_INSTRUCTION -> "processing instructions are not allowed";
            case XMLStreamConstants.ENTITY_REFERENCE -> "entity references are not allowed";
            default -> "unexpected XML event " + event;
        });
    }

    static String describe(Exception e) {
        String message = e.getMessage();
        if (message == null) {
            return e.getClass().getSimpleName();
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    static void closeQuietly(XMLStreamReader reader) {
        if (reader != null) {
            try {
                reader.close();
            } catch (XMLStreamException ignored) {
                // closing a reader over a byte array or a dead socket has nothing left to report
            }
        }
    }
}
