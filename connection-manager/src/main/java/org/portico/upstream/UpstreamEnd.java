package org.portico.upstream;

import org.portico.xml.XmlElement;

/**
 * How an upstream stream ended.
 *
 * @param reason      why
 * @param streamError the server's {@code <stream:error/>} when reason is {@link Reason#STREAM_ERROR}, else null
 * @param detail      a short human-readable explanation for the log
 */
public record UpstreamEnd(Reason reason, XmlElement streamError, String detail) {

    public enum Reason {
        /** We closed it (client terminate, expiry, shutdown) and the server answered or the close timed out. */
        CLOSED_BY_US,
        /** The server sent {@code </stream:stream>} or the socket closed without an error. */
        CLOSED_BY_SERVER,
        /** The server sent a stream error. */
        STREAM_ERROR,
        /** No upstream is configured or discoverable for the requested domain (or route not allowed). */
        HOST_UNKNOWN,
        /** The server could not be reached, or STARTTLS failed or was required but not offered. */
        CONNECTION_FAILED,
        /** The server sent something that is not XMPP. */
        PROTOCOL_ERROR
    }

    public UpstreamEnd {
        if ((reason == Reason.STREAM_ERROR) != (streamError != null)) {
            throw new IllegalArgumentException("a stream error element goes with reason STREAM_ERROR only");
        }
    }
}
