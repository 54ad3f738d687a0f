package org.portico.bosh;

import org.portico.session.ClientSink;
import org.portico.session.SessionEnd;
import org.portico.xml.XmlElement;

/**
 * One stream's view of its BOSH session (XEP-0124 §16): the stream's upstream reports to it, and it reports to the
 * session with the stream's name, where each report is one locked event.
 */
record BoshStreamSink(BoshSession session, String stream) implements ClientSink {

    @Override
    public void opened(XmlElement header) {
        session.opened(stream, header);
    }

    @Override
    public void deliver(XmlElement element) {
        session.deliver(stream, element);
    }

    @Override
    public void flush() {
        session.readEnded(stream);
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
