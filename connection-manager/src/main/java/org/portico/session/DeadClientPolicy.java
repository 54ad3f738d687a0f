package org.portico.session;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.xml.namespace.QName;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlNode;

/**
 * XEP-0206 §7 (R82): what to send back to the server for a stanza that reached Portico after its client died.
 * Presence is dropped; an IQ request gets {@code service-unavailable}; a message gets
 * {@code recipient-unavailable} so the server can store it offline. Errors and results are never answered, so two
 * dead ends cannot bounce an error back and forth. Pure: no state.
 */
public final class DeadClientPolicy {

    private static final String ERROR = "error";

    private DeadClientPolicy() {
    }

    /** The error to return to the server for an undeliverable element, if any. */
    public static Optional<XmlElement> bounce(XmlElement element) {
        if (!Namespaces.JABBER_CLIENT.equals(element.namespace())) {
            return Optional.empty();
        }
        String type = element.attribute("type").orElse("");
        return switch (element.localName()) {
            case "message" -> ERROR.equals(type)
                    ? Optional.empty()
                    : Optional.of(errorReply(element, "wait", "recipient-unavailable", true));
            case "iq" -> "get".equals(type) || "set".equals(type)
                    ? Optional.of(errorReply(element, "cancel", "service-unavailable", false))
                    : Optional.empty();
            default -> Optional.empty();
        };
    }

    private static XmlElement errorReply(XmlElement stanza, String errorType, String condition, boolean keepPayload) {
        Map<QName, String> attributes = new LinkedHashMap<>();
        stanza.attribute("to").ifPresent(to -> attributes.put(new QName("from"), to));
        stanza.attribute("from").ifPresent(from -> attributes.put(new QName("to"), from));
        stanza.attribute("id").ifPresent(id -> attributes.put(new QName("id"), id));
        attributes.put(new QName("type"), ERROR);
        XmlElement error = new XmlElement(new QName(Namespaces.JABBER_CLIENT, ERROR), Map.of(new QName("type"),
                errorType), List.of(XmlElement.of(Namespaces.STANZA_ERRORS, condition)));
        List<XmlNode> children = keepPayload ? new java.util.ArrayList<>(stanza.children()) : new java.util.ArrayList<>();
        children.add(error);
        return new XmlElement(stanza.name(), attributes, children);
    }
}
