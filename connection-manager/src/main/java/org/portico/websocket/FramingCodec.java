package org.portico.websocket;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.namespace.QName;
import org.portico.upstream.StreamHeader;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlNode;
import org.portico.xml.XmlParseException;
import org.portico.xml.XmlParser;
import org.portico.xml.XmlWriter;

/**
 * RFC 7395 framing, both ways: client messages parsed into {@code <open/>}, {@code <close/>} or one top-level
 * element; upstream stream headers and elements written as standalone messages. Stateless and thread-safe.
 *
 * <p>Client side: each message is parsed with the hardened {@link XmlParser} as one document. An element without a
 * namespace is taken as {@code jabber:client}, as over BOSH: RFC 7395 §3.3.3 asks every message to declare its
 * namespaces, but a TCP stream's default namespace is {@code jabber:client} and accepting what that default implies
 * costs nothing. {@code <open/>} and {@code <close/>} in any namespace other than the framing one, and a
 * {@code <stream:stream>}, are {@code <invalid-namespace/>} (RFC 7395 §3.3.2, R85).
 *
 * <p>Server side: every element is serialized with {@link XmlWriter#standalone}, so each message declares every
 * namespace it uses (R86), and {@code stream:features} / {@code stream:error} carry {@code xmlns:stream}. A stanza
 * that relied on the upstream stream header's {@code xml:lang} gets it explicitly ("complete with all relevant
 * namespace and language declarations", §3.3.3); other elements carry no human-readable text that language applies
 * to, so they are left alone.
 */
public final class FramingCodec {

    static final String OPEN = "open";
    static final String CLOSE = "close";
    static final QName XML_LANG = new QName(XMLConstants.XML_NS_URI, "lang", "xml");
    static final QName SEE_OTHER_URI = new QName("see-other-uri");
    /** Portico's resumption extension: the server's token on every {@code <open/>}, the client's to resume. */
    static final QName RESUME_TOKEN = new QName(Namespaces.PORTICO_RESUME, "token", "resume");
    /** Elements received by the sender of the {@code <open/>} in this session, not counting open and close. */
    static final QName RESUME_H = new QName(Namespaces.PORTICO_RESUME, "h", "resume");
    static final QName RESUME_RESUMED = new QName(Namespaces.PORTICO_RESUME, "resumed", "resume");

    private static final List<String> HEADER_ATTRIBUTES = List.of("from", "to", "id", "version");

    /** What one client message is. */
    public sealed interface ClientFrame permits Open, Close, Element, Blank {
    }

    /**
     * A client {@code <open/>}: a new stream, a restart (RFC 7395 §3.7), or a resumption request.
     *
     * @param resumeToken Portico's {@code resume:token}, or null
     * @param resumeH     the client's {@code resume:h}, or null
     */
    public record Open(String to, String from, String lang, String version, String resumeToken, String resumeH)
            implements ClientFrame {

        /** The upstream stream header this open asks for. */
        public StreamHeader header() throws FramingException {
            if (to == null || to.isBlank()) {
                throw new FramingException(StreamErrorCondition.HOST_UNKNOWN, "<open/> has no 'to'");
            }
            return new StreamHeader(to, from, lang, version);
        }

        public boolean asksToResume() {
            return resumeToken != null;
        }
    }

    /** A client {@code <close/>}. */
    public record Close() implements ClientFrame {
    }

    /** One stanza or nonza for the upstream. */
    public record Element(XmlElement element) implements ClientFrame {
    }

    /** A message of whitespace only: a keepalive RFC 7395 §3.8 forbids but nothing is gained by failing on it. */
    public record Blank() implements ClientFrame {
    }

    /** A client message that must end the stream with this condition. */
    public static final class FramingException extends Exception {
        private final StreamErrorCondition condition;

        public FramingException(StreamErrorCondition condition, String message) {
            super(message);
            this.condition = condition;
        }

        public StreamErrorCondition condition() {
            return condition;
        }
    }

    private final XmlParser parser;

    public FramingCodec(XmlParser parser) {
        this.parser = parser;
    }

    // --- client to Portico ---

    public ClientFrame parse(String text) throws FramingException {
        return parse(text.getBytes(StandardCharsets.UTF_8));
    }

    /** @param utf8 one text message's octets, as the client sent them (well-formed UTF-8) */
    public ClientFrame parse(byte[] utf8) throws FramingException {
        if (XmlParser.isWhitespace(utf8)) {
            return new Blank();
        }
        XmlElement root;
        try {
            root = parser.parseDocument(utf8);
        } catch (XmlParseException e) {
            throw new FramingException(StreamErrorCondition.NOT_WELL_FORMED, e.getMessage());
        }
        if (root.is(Namespaces.FRAMING, OPEN)) {
            return new Open(value(root, new QName("to")), value(root, new QName("from")), value(root, XML_LANG),
                    value(root, new QName("version")), value(root, RESUME_TOKEN), value(root, RESUME_H));
        }
        if (root.is(Namespaces.FRAMING, CLOSE)) {
            return new Close();
        }
        String local = root.localName();
        if (OPEN.equals(local) || CLOSE.equals(local) || root.is(Namespaces.STREAMS, "stream")) {
            throw new FramingException(StreamErrorCondition.INVALID_NAMESPACE, "<" + local + "/> in namespace '"
                    + root.namespace() + "', not " + Namespaces.FRAMING);
        }
        return new Element(intoClientNamespace(root));
    }

    private static String value(XmlElement element, QName name) {
        return element.attribute(name).orElse(null);
    }

    private static XmlElement intoClientNamespace(XmlElement element) {
        boolean unqualified = element.namespace().isEmpty();
        if (!unqualified && element.childElements().isEmpty()) {
            return element;
        }
        List<XmlNode> children = new ArrayList<>(element.children().size());
        for (XmlNode child : element.children()) {
            children.add(child instanceof XmlElement e ? intoClientNamespace(e) : child);
        }
        QName name = unqualified ? new QName(Namespaces.JABBER_CLIENT, element.localName()) : element.name();
        return new XmlElement(name, element.attributes(), children);
    }

    // --- Portico to client ---

    /**
     * The server's {@code <stream:stream>} header as {@code <open/>} (RFC 7395 §3.4): its {@code from}, {@code to},
     * {@code id}, {@code version} and {@code xml:lang}, plus Portico's own attributes.
     */
    public static String open(XmlElement serverHeader, Map<QName, String> extra) {
        Map<QName, String> attributes = new LinkedHashMap<>();
        for (String name : HEADER_ATTRIBUTES) {
            serverHeader.attribute(name).ifPresent(value -> attributes.put(new QName(name), value));
        }
        serverHeader.attribute(XML_LANG).ifPresent(lang -> attributes.put(XML_LANG, lang));
        attributes.putAll(extra);
        return XmlWriter.standalone(new XmlElement(new QName(Namespaces.FRAMING, OPEN), attributes, List.of()));
    }

    /** The {@code <open/>} sent before a stream error when the stream fails while opening (RFC 7395 §3.5, R89). */
    public static String openBeforeError(String from) {
        Map<QName, String> attributes = new LinkedHashMap<>();
        if (from != null && !from.isBlank()) {
            attributes.put(new QName("from"), from);
        }
        attributes.put(new QName("version"), "1.0");
        return XmlWriter.standalone(new XmlElement(new QName(Namespaces.FRAMING, OPEN), attributes, List.of()));
    }

    public static String close() {
        return XmlWriter.standalone(XmlElement.of(Namespaces.FRAMING, CLOSE));
    }

    /** {@code <close see-other-uri='…'/>}: the client continues at another endpoint (RFC 7395 §3.6.1, R92). */
    public static String close(String seeOtherUri) {
        return XmlWriter.standalone(XmlElement.of(Namespaces.FRAMING, CLOSE).withAttribute(SEE_OTHER_URI,
                seeOtherUri));
    }

    /**
     * One upstream element as a standalone message (RFC 7395 §3.3.3, R86).
     *
     * @param streamLang the upstream header's {@code xml:lang}, made explicit on stanzas that inherit it; may be null
     */
    public static String element(XmlElement element, String streamLang) {
        XmlElement framed = element;
        if (streamLang != null && isStanza(element) && element.attribute(XML_LANG).isEmpty()) {
            framed = element.withAttribute(XML_LANG, streamLang);
        }
        return XmlWriter.standalone(framed);
    }

    private static boolean isStanza(XmlElement element) {
        if (!Namespaces.JABBER_CLIENT.equals(element.namespace())) {
            return false;
        }
        String local = element.localName();
        return "message".equals(local) || "presence".equals(local) || "iq".equals(local);
    }
}
