package org.portico.bosh;

import java.util.ArrayList;
import java.util.List;
import org.portico.session.ClientSink;
import org.portico.session.SessionEnd;
import org.portico.xml.XmlElement;

/**
 * One stream's view of its BOSH session (XEP-0124 §16): the stream's upstream reports to it, and it reports to the
 * session with the stream's name, where each report is one locked event. The elements of one read from the server
 * are gathered here and handed over together when the read ends ({@link #flush}), as one event, so that a burst
 * shares the held request's answer (R26) and a read costs the session's lock once, not once per element.
 *
 * <p>Threads: every call comes from the stream's reader or poller thread, one at a time ({@link ClientSink}), which
 * alone owns {@link #read}.
 */
final class BoshStreamSink implements ClientSink {

    private final BoshSession session;
    private final String stream;
    /** The elements of the read in progress, not yet handed to the session. */
    private final List<XmlElement> read = new ArrayList<>();

    BoshStreamSink(BoshSession session, String stream) {
        this.session = session;
        this.stream = stream;
    }

    @Override
    public void opened(XmlElement header) {
        flush(); // a stream's elements before its restart reach the session before the new header
        session.opened(stream, header);
    }

    @Override
    public void deliver(XmlElement element) {
        read.add(element);
    }

    @Override
    public void flush() {
        if (!read.isEmpty()) {
            // a copy, and the list emptied before the call: the session's event writes answers after its lock, and
            // a delivery that overlaps it (BoshSessionTest parks an answer's write on one thread and delivers from
            // another, which a reader never does) then starts a read of its own instead of resending this one
            List<XmlElement> elements = List.copyOf(read);
            read.clear();
            session.deliver(stream, elements);
        }
    }

    @Override
    public void ended(SessionEnd end) {
        session.streamEnded(stream, end);
    }

    /**
     * The session decides on the calling thread and answers requests without waiting
     * ({@link BoshExchange#respond}), so a plain upstream is read by the poller: no reader thread and no parser per
     * idle session.
     */
    @Override
    public boolean neverWaits() {
        return true;
    }
}
