package org.portico.bosh;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlParseException;
import org.portico.xml.XmlParser;

/**
 * XEP-0252 §2.2 (R68): in script syntax the text between the {@code <body>} tags is an octet stream, because
 * legacy browsers cap URL length and clients split long payloads over several GETs. This joins the content of
 * successive requests, in rid order, and hands out payloads once they are complete.
 *
 * <p>A fragment cannot be told from a malformed payload until more octets come, so an unparseable buffer waits for
 * the next request; it is bounded by the parser's size limit, past which the session ends with
 * {@code bad-request}. Owned by the lock of the {@link BoshSession} it belongs to.
 */
final class ScriptStream {

    private static final byte[] OPEN = ("<body xmlns='" + org.portico.xml.Namespaces.HTTPBIND + "'>")
            .getBytes(StandardCharsets.UTF_8);
    private static final byte[] CLOSE = "</body>".getBytes(StandardCharsets.UTF_8);

    private final XmlParser parser;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

    ScriptStream(XmlParser parser) {
        this.parser = parser;
    }

    /** Adds one request's content; returns the payloads it completed, in order (often none, often all). */
    List<XmlElement> append(byte[] content) throws BoshException {
        buffer.writeBytes(content);
        if (buffer.size() == 0 || XmlParser.isWhitespace(buffer.toByteArray())) {
            buffer.reset();
            return List.of();
        }
        if (buffer.size() + OPEN.length + CLOSE.length > parser.limits().maxBytes()) {
            throw new BoshException(BoshCondition.BAD_REQUEST, "script-syntax payload above "
                    + parser.limits().maxBytes() + " octets, or never completed");
        }
        ByteArrayOutputStream document = new ByteArrayOutputStream(buffer.size() + OPEN.length + CLOSE.length);
        document.writeBytes(OPEN);
        document.writeBytes(buffer.toByteArray());
        document.writeBytes(CLOSE);
        XmlElement body;
        try {
            body = parser.parseDocument(document.toByteArray());
        } catch (XmlParseException e) {
            return List.of();
        }
        buffer.reset();
        List<XmlElement> payloads = new ArrayList<>();
        for (XmlElement child : body.childElements()) {
            payloads.add(BoshRequest.intoClientNamespace(child));
        }
        return payloads;
    }

    @Override
    public String toString() {
        return "ScriptStream[" + buffer.size() + " octets waiting]";
    }
}
