package org.portico.websocket;

/**
 * The WebSocket close codes Portico sends (RFC 6455 §7.4.1). XMPP-level endings are said in XMPP first
 * ({@code <close/>}, a stream error) and the socket then closes with {@link #NORMAL} (RFC 7395 §3.6); the others
 * answer what breaks the WebSocket layer itself.
 */
public enum CloseCode {
    /** The XMPP stream was closed with {@code <close/>}; the socket follows. */
    NORMAL(1000),
    /** Portico is stopping, or the session continues on another socket. */
    GOING_AWAY(1001),
    /** A binary frame: RFC 7395 §3.2 allows text only (R84). */
    UNSUPPORTED_DATA(1003),
    /** A text message that is not UTF-8 (RFC 6455 §8.1). */
    INVALID_PAYLOAD(1007),
    /** A frame that breaks the framing rules (RFC 7395 §3.3.3) beyond what an XMPP stream error can say. */
    POLICY_VIOLATION(1008),
    /** A message or frame above {@code websocket.maxMessageBytes} / {@code websocket.maxFrameBytes}. */
    MESSAGE_TOO_BIG(1009),
    /** Portico failed unexpectedly while handling the socket. */
    INTERNAL_ERROR(1011);

    private final int code;

    CloseCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** Whether a close with this status means the client broke the protocol (its session ends) rather than left. */
    public static boolean isClientFault(int status) {
        return status == UNSUPPORTED_DATA.code || status == POLICY_VIOLATION.code || status == MESSAGE_TOO_BIG.code
                || status == INVALID_PAYLOAD.code || status == 1002 /* protocol error */;
    }
}
