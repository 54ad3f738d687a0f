package org.portico.upstream;

import org.portico.xml.XmlElement;

/**
 * Why the reader thread stopped, when it knows the spec condition itself (a refused STARTTLS, a stream error, a
 * non-XMPP answer). Control flow inside the reader only; it never leaves this package.
 */
final class UpstreamFailure extends Exception {

    private final transient UpstreamEnd end;

    UpstreamFailure(UpstreamEnd.Reason reason, String detail) {
        super(detail, null, false, false);
        this.end = new UpstreamEnd(reason, null, detail);
    }

    /** The server sent {@code <stream:error/>} (RFC 6120 §4.9). */
    UpstreamFailure(XmlElement streamError) {
        super("stream error", null, false, false);
        this.end = new UpstreamEnd(UpstreamEnd.Reason.STREAM_ERROR, streamError, "stream error from the server: "
                + condition(streamError));
    }

    UpstreamEnd end() {
        return end;
    }

    /** The defined condition of a stream error, e.g. "host-unknown", for the log. */
    static String condition(XmlElement streamError) {
        for (XmlElement child : streamError.childElements()) {
            if (!child.localName().equals("text")) {
                return child.localName();
            }
        }
        return "undefined";
    }
}
