package org.portico.session;

import org.portico.upstream.UpstreamEnd;
import org.portico.xml.XmlElement;

/**
 * Why a session ended, in transport-neutral terms; each transport maps it to its own wire form (a BOSH terminal
 * condition, a WebSocket {@code <close/>} or stream error).
 *
 * @param cause       why
 * @param streamError the upstream's {@code <stream:error/>} for {@link Cause#REMOTE_STREAM_ERROR}, else null
 * @param detail      a short explanation for the log
 */
public record SessionEnd(Cause cause, XmlElement streamError, String detail) {

    public enum Cause {
        /** The client closed the stream (BOSH terminate, WebSocket {@code <close/>}). */
        CLIENT_CLOSED,
        /** The server closed the stream without an error. */
        SERVER_CLOSED,
        /** The server sent a stream error. */
        REMOTE_STREAM_ERROR,
        /** No upstream is known for the requested domain. */
        HOST_UNKNOWN,
        /** The upstream could not be reached or secured. */
        REMOTE_CONNECTION_FAILED,
        /** The upstream spoke something that is not XMPP. */
        PROTOCOL_ERROR,
        /** The client went away and its inactivity or pause period ran out. */
        EXPIRED,
        /** Portico is shutting down. */
        SYSTEM_SHUTDOWN
    }

    public SessionEnd {
        if ((cause == Cause.REMOTE_STREAM_ERROR) != (streamError != null)) {
            throw new IllegalArgumentException("a stream error element goes with REMOTE_STREAM_ERROR only");
        }
    }

    public static SessionEnd of(Cause cause, String detail) {
        return new SessionEnd(cause, null, detail);
    }

    /** The session end that an upstream end implies, when nothing on the client side ended it first. */
    static SessionEnd from(UpstreamEnd end) {
        return switch (end.reason()) {
            case CLOSED_BY_US -> of(Cause.CLIENT_CLOSED, end.detail());
            case CLOSED_BY_SERVER -> of(Cause.SERVER_CLOSED, end.detail());
            case STREAM_ERROR -> new SessionEnd(Cause.REMOTE_STREAM_ERROR, end.streamError(), end.detail());
            case HOST_UNKNOWN -> of(Cause.HOST_UNKNOWN, end.detail());
            case CONNECTION_FAILED -> of(Cause.REMOTE_CONNECTION_FAILED, end.detail());
            case PROTOCOL_ERROR -> of(Cause.PROTOCOL_ERROR, end.detail());
        };
    }
}
