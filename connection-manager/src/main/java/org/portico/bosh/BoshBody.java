package org.portico.bosh;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.namespace.QName;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlWriter;

/**
 * Builds the text of one response {@code <body/>} (XEP-0124 §6, R6–R7): the wrapper with its attributes and complete
 * payloads. The body declares {@code xmlns:stream} when a payload is a stream element (XEP-0206 §2, R73) and
 * {@code xmlns:xmpp} when an {@code xmpp:} attribute is present. Not thread-safe; one per response.
 */
final class BoshBody {

    /**
     * The body with no attribute and no payload: the answer to nearly every long-poll of an idle session. One text
     * for all of them, since each rid's answer is kept for a resend (R43) while it is in the window and an idle
     * session's answers were an allocation and a young copy each (docs/benchmarks.md).
     */
    static final String EMPTY = "<body xmlns=\"" + Namespaces.HTTPBIND + "\"/>";

    private static final XmlWriter.Scope INSIDE_BODY = new XmlWriter.Scope(Namespaces.HTTPBIND,
            Map.of("stream", Namespaces.STREAMS, "xmpp", Namespaces.XBOSH));

    private final Map<QName, String> attributes = new LinkedHashMap<>();
    private final StringBuilder payloads = new StringBuilder();
    private boolean streamPrefix;

    BoshBody attribute(QName name, Object value) {
        if (value != null) {
            attributes.put(name, value.toString());
        }
        return this;
    }

    BoshBody payload(XmlElement element) {
        if (Namespaces.STREAMS.equals(element.namespace())) {
            streamPrefix = true;
        }
        XmlWriter.write(element.name().getPrefix().isEmpty() && Namespaces.STREAMS.equals(element.namespace())
                ? new XmlElement(new QName(Namespaces.STREAMS, element.localName(), "stream"),
                        element.attributes(), element.children())
                : element, INSIDE_BODY, payloads);
        return this;
    }

    BoshBody payloads(List<XmlElement> elements) {
        elements.forEach(this::payload);
        return this;
    }

    String text() {
        if (attributes.isEmpty() && payloads.isEmpty()) {
            return EMPTY;
        }
        StringBuilder out = new StringBuilder(64 + payloads.length());
        out.append("<body xmlns=\"").append(Namespaces.HTTPBIND).append('"');
        boolean xmppPrefix = false;
        for (QName name : attributes.keySet()) {
            xmppPrefix |= Namespaces.XBOSH.equals(name.getNamespaceURI());
        }
        if (streamPrefix) {
            out.append(" xmlns:stream=\"").append(Namespaces.STREAMS).append('"');
        }
        if (xmppPrefix) {
            out.append(" xmlns:xmpp=\"").append(Namespaces.XBOSH).append('"');
        }
        for (Map.Entry<QName, String> attribute : attributes.entrySet()) {
            QName name = attribute.getKey();
            out.append(' ');
            if (Namespaces.XBOSH.equals(name.getNamespaceURI())) {
                out.append("xmpp:");
            } else if (Namespaces.XML.equals(name.getNamespaceURI())) {
                out.append("xml:");
            }
            out.append(name.getLocalPart()).append("=\"");
            XmlWriter.escapeAttribute(attribute.getValue(), out);
            out.append('"');
        }
        if (payloads.isEmpty()) {
            return out.append("/>").toString();
        }
        return out.append('>').append(payloads).append("</body>").toString();
    }
}
