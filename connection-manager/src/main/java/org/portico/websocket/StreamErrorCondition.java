package org.portico.websocket;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.xml.namespace.QName;
import org.portico.session.SessionEnd;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlNode;
import org.portico.xml.XmlText;

/**
 * The RFC 6120 §4.9.3 stream error conditions Portico itself raises on a WebSocket (the upstream's own stream
 * errors are relayed as they are). Each is sent as one frame, then {@code <close/>} (RFC 7395 §3.5, R89).
 */
public enum StreamErrorCondition {
    /** A frame Portico cannot process: not an {@code <open/>} first, or a restart before the stream is open. */
    BAD_FORMAT("bad-format"),
    /** No upstream serves the domain in {@code to}, or there is no {@code to} (RFC 6120 §4.7.2). */
    HOST_UNKNOWN("host-unknown"),
    INTERNAL_SERVER_ERROR("internal-server-error"),
    /** {@code <open/>} or {@code <close/>} outside the framing namespace (RFC 7395 §3.3.2, R85). */
    INVALID_NAMESPACE("invalid-namespace"),
    /** A frame that is not one well-formed, standalone XML element (RFC 7395 §3.3.3, R86). */
    NOT_WELL_FORMED("not-well-formed"),
    /** The client's address holds or opens more sessions than it may ({@code client.*}, RFC 6120 §4.9.3.14). */
    POLICY_VIOLATION("policy-violation"),
    /** The upstream server cannot be reached or secured. */
    REMOTE_CONNECTION_FAILED("remote-connection-failed"),
    /** Portico holds as many sessions as it is configured to, or a paused session outgrew its buffer. */
    RESOURCE_CONSTRAINT("resource-constraint"),
    /** Portico is stopping. */
    SYSTEM_SHUTDOWN("system-shutdown"),
    /** The upstream spoke something that is not XMPP. */
    UNDEFINED_CONDITION("undefined-condition");

    private final String wireName;

    StreamErrorCondition(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** {@code <stream:error>} with this condition and, when given, a {@code <text/>} explaining it. */
    public XmlElement element(String text) {
        List<XmlNode> children = new ArrayList<>(2);
        children.add(XmlElement.of(Namespaces.STREAM_ERRORS, wireName));
        if (text != null) {
            children.add(new XmlElement(new QName(Namespaces.STREAM_ERRORS, "text"), Map.of(), List.of(
                    new XmlText(text))));
        }
        return new XmlElement(new QName(Namespaces.STREAMS, "error", "stream"), Map.of(), children);
    }

    /**
     * The stream error a session end reads as on the client's stream (RFC 7395 §3.5, R89): the upstream's own, one
     * of these conditions, or none for an end without an error.
     */
    static Optional<XmlElement> forEnd(SessionEnd end) {
        return Optional.ofNullable(switch (end.cause()) {
            case REMOTE_STREAM_ERROR -> end.streamError();
            case HOST_UNKNOWN -> HOST_UNKNOWN.element(null);
            case REMOTE_CONNECTION_FAILED -> REMOTE_CONNECTION_FAILED.element(null);
            case PROTOCOL_ERROR -> UNDEFINED_CONDITION.element(null);
            case SYSTEM_SHUTDOWN -> SYSTEM_SHUTDOWN.element(null);
            case CLIENT_CLOSED, SERVER_CLOSED, EXPIRED -> null;
        });
    }
}
