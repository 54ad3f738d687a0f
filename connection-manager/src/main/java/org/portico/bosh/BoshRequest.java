package org.portico.bosh;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import javax.xml.namespace.QName;
import org.portico.upstream.StreamHeader;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlNode;

/**
 * One client {@code <body/>} (XEP-0124 §6), its attributes read and checked, its payloads moved into
 * {@code jabber:client}. Immutable.
 *
 * <p>{@code scriptContent} is null for a POST; for an XEP-0252 GET it holds the octets between the body tags, which
 * the session joins across requests ({@link ScriptStream}), and {@code payloads} is then empty.
 *
 * <p>Payload children that carry no namespace of their own inherit the body's httpbind namespace; XEP-0206 §2 treats
 * them as {@code jabber:client} (R73), so every httpbind-qualified element below the body is moved there.
 */
public record BoshRequest(XmlElement body, long rid, List<XmlElement> payloads, byte[] scriptContent) {

    /** rids never exceed 2^53 − 1 (XEP-0124 §14.1, R39). */
    static final long MAX_RID = (1L << 53) - 1;

    public BoshRequest {
        payloads = List.copyOf(payloads);
    }

    /** Reads a parsed body; a missing or malformed rid, or a root other than body, is {@code bad-request} (R8). */
    public static BoshRequest of(XmlElement body) throws BoshException {
        if (!body.name().equals(BoshNames.BODY)) {
            throw new BoshException(BoshCondition.BAD_REQUEST, "root element is not an httpbind body");
        }
        String ridText = body.attribute(BoshNames.RID).orElseThrow(
                () -> new BoshException(BoshCondition.BAD_REQUEST, "request without rid"));
        long rid = parseLong(ridText, "rid");
        if (rid < 0 || rid > MAX_RID) {
            throw new BoshException(BoshCondition.BAD_REQUEST, "rid out of range: " + ridText);
        }
        List<XmlElement> payloads = new ArrayList<>();
        for (XmlElement child : body.childElements()) {
            payloads.add(intoClientNamespace(child));
        }
        return new BoshRequest(body, rid, payloads, null);
    }

    /** A script-syntax request: attributes from its wrapper, payload octets kept for the session's stream. */
    public static BoshRequest script(XmlElement wrapper, byte[] content) throws BoshException {
        BoshRequest request = of(wrapper);
        return new BoshRequest(wrapper, request.rid(), List.of(), content);
    }

    public boolean isScript() {
        return scriptContent != null;
    }

    static XmlElement intoClientNamespace(XmlElement element) {
        boolean inherited = Namespaces.HTTPBIND.equals(element.namespace());
        List<XmlNode> children = new ArrayList<>(element.children().size());
        for (XmlNode child : element.children()) {
            children.add(child instanceof XmlElement e ? intoClientNamespace(e) : child);
        }
        QName name = inherited
                ? new QName(Namespaces.JABBER_CLIENT, element.localName())
                : element.name();
        return new XmlElement(name, element.attributes(), children);
    }

    public Optional<String> attribute(QName name) {
        return body.attribute(name);
    }

    public Optional<String> sid() {
        return body.attribute(BoshNames.SID);
    }

    public Optional<String> stream() {
        return body.attribute(BoshNames.STREAM);
    }

    public boolean isTerminate() {
        return BoshNames.TYPE_TERMINATE.equals(body.attribute(BoshNames.TYPE).orElse(null));
    }

    /** Whether it is the one request more than {@code requests} that §11 allows: it pauses or terminates. */
    public boolean endsOrPauses() {
        return isTerminate() || body.attribute(BoshNames.PAUSE).isPresent();
    }

    public boolean isRestart() {
        return "true".equals(body.attribute(BoshNames.XMPP_RESTART).orElse(null));
    }

    public boolean isEmpty() {
        return payloads.isEmpty() && (scriptContent == null || scriptContent.length == 0);
    }

    /** The header of a stream restart (XEP-0206 §5): this request's attributes, the session's where it has none. */
    public StreamHeader restartHeader(StreamHeader session) {
        return new StreamHeader(attribute(BoshNames.TO).orElse(session.to()), attribute(BoshNames.FROM).orElse(null),
                attribute(BoshNames.XML_LANG).orElse(session.lang()),
                attribute(BoshNames.XMPP_VERSION).orElse(session.version()));
    }

    /** The header of the stream this request adds (§16.3): its own {@code to}, the session's XMPP version. */
    public StreamHeader addedStreamHeader(StreamHeader session) {
        return new StreamHeader(attribute(BoshNames.TO).orElseThrow(), attribute(BoshNames.FROM).orElse(null),
                attribute(BoshNames.XML_LANG).orElse(null),
                attribute(BoshNames.XMPP_VERSION).orElse(session.version()));
    }

    /** The client's {@code ack} (§9.2), when present. */
    public OptionalLong ack() throws BoshException {
        return number(BoshNames.ACK);
    }

    /** The requested pause (§10, given in seconds), when present. */
    public Optional<Duration> pause() throws BoshException {
        OptionalLong seconds = number(BoshNames.PAUSE);
        return seconds.isEmpty() ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds.getAsLong()));
    }

    /** The pause this request asks for (§10) when its value is well-formed; a malformed one is judged in turn. */
    public Optional<Duration> wellFormedPause() {
        try {
            return pause();
        } catch (BoshException e) {
            return Optional.empty();
        }
    }

    /** A non-negative integer attribute, or {@code bad-request}. */
    public OptionalLong number(QName name) throws BoshException {
        Optional<String> value = body.attribute(name);
        return value.isEmpty() ? OptionalLong.empty() : OptionalLong.of(parseLong(value.get(), name.getLocalPart()));
    }

    private static long parseLong(String text, String what) throws BoshException {
        try {
            long value = Long.parseLong(text.trim());
            if (value < 0) {
                throw new BoshException(BoshCondition.BAD_REQUEST, what + " is negative: " + text);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new BoshException(BoshCondition.BAD_REQUEST, what + " is not a number: " + text);
        }
    }

    @Override
    public String toString() {
        return "BoshRequest[rid=" + rid + " payloads=" + payloads.size() + "]";
    }
}
