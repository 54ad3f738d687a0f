package org.portico.websocket;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.portico.session.SessionLog;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlLimits;
import org.portico.xml.XmlParser;
import org.slf4j.MDC;

/** A client socket that records what a session queued and flushed, for session unit tests. */
final class RecordingConnection implements ClientConnection {

    private static final XmlParser PARSER = new XmlParser(XmlLimits.DEFAULT);
    /** The address every recorded socket claims to come from (TEST-NET-1, RFC 5737). */
    static final String ADDRESS = "192.0.2.7";
    /** The page origin a recorded socket claims unless told otherwise. */
    static final String ORIGIN = "https://chat.example";

    private final List<String> queued = new ArrayList<>();
    private final List<String> flushed = new ArrayList<>();
    /** The MDC's session id at each flush. */
    private final List<String> sidsAtFlush = new ArrayList<>();
    private CloseCode closeQueued;
    private CloseCode closed;
    private final String origin;

    RecordingConnection() {
        this(ORIGIN);
    }

    /** @param origin the socket's {@code Origin}, or null for a client that sends none */
    RecordingConnection(String origin) {
        this.origin = origin;
    }

    @Override
    public synchronized void offer(String frame) {
        if (closeQueued == null) {
            queued.add(frame);
        }
    }

    @Override
    public synchronized void offerClose(CloseCode code, String reason) {
        if (closeQueued == null) {
            closeQueued = code;
        }
    }

    @Override
    public synchronized void flush() {
        sidsAtFlush.add(MDC.get(SessionLog.SID));
        flushed.addAll(queued);
        queued.clear();
        if (closeQueued != null) {
            closed = closeQueued;
        }
    }

    @Override
    public String client() {
        return ADDRESS;
    }

    @Override
    public String origin() {
        return origin;
    }

    /** Frames flushed so far, parsed; each must parse alone (RFC 7395 §3.3.3). */
    synchronized List<XmlElement> frames() throws Exception {
        List<XmlElement> frames = new ArrayList<>();
        for (String frame : flushed) {
            frames.add(PARSER.parseDocument(frame.getBytes(StandardCharsets.UTF_8)));
        }
        return frames;
    }

    /** The logging context's session id at each flush so far, null where there was none. */
    synchronized List<String> sidsAtFlush() {
        return new ArrayList<>(sidsAtFlush);
    }

    /** How many times the session flushed this socket. */
    synchronized int flushes() {
        return sidsAtFlush.size();
    }

    /** Frames flushed since the last call. */
    synchronized List<XmlElement> take() throws Exception {
        List<XmlElement> frames = frames();
        flushed.clear();
        return frames;
    }

    /** Nothing is left queued but unflushed: every event flushes what it decided. */
    synchronized boolean allFlushed() {
        return queued.isEmpty();
    }

    /** The close code once the closing handshake was flushed, else null. */
    synchronized CloseCode closed() {
        return closed;
    }
}
