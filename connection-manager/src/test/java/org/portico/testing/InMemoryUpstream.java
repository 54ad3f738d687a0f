package org.portico.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.portico.upstream.StreamHeader;
import org.portico.upstream.Upstream;
import org.portico.upstream.UpstreamConnector;
import org.portico.upstream.UpstreamEnd;
import org.portico.upstream.UpstreamListener;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/**
 * An upstream that never leaves the test: it records what the session sends and lets the test play the server's
 * side by calling the listener directly, on the test's thread, so session unit tests are deterministic.
 */
public final class InMemoryUpstream implements UpstreamConnector, Upstream {

    public final List<XmlElement> sent = new CopyOnWriteArrayList<>();
    public final List<StreamHeader> headers = new CopyOnWriteArrayList<>();
    public volatile String route;
    public volatile boolean closed;
    public volatile boolean aborted;
    private volatile UpstreamListener listener;

    /** A connector that hands out a new in-memory upstream per connection, for sessions with several streams. */
    public static final class Factory implements UpstreamConnector {
        public final List<InMemoryUpstream> connections = new CopyOnWriteArrayList<>();

        @Override
        public Upstream connect(StreamHeader header, String route, String client, UpstreamListener listener) {
            InMemoryUpstream upstream = new InMemoryUpstream();
            connections.add(upstream);
            return upstream.connect(header, route, client, listener);
        }
    }

    @Override
    public Upstream connect(StreamHeader header, String route, String client, UpstreamListener listener) {
        this.headers.add(header);
        this.route = route;
        this.listener = listener;
        return this;
    }

    /** Plays a server that stopped reading: every write is refused as if the write queue were full. */
    public volatile boolean full;

    @Override
    public boolean send(XmlElement element) {
        if (full) {
            return false;
        }
        sent.add(element);
        return true;
    }

    /** Queued, like sent (the session's writing it after its lock is seen through {@link #whenWritten}). */
    @Override
    public boolean queue(XmlElement element) {
        return send(element);
    }

    /** Runs when the session writes what it queued, on the writing thread: to see what the session holds then. */
    public volatile Runnable whenWritten = () -> { };

    @Override
    public void writeQueuedWithoutWaiting() {
        whenWritten.run();
    }

    @Override
    public boolean restart(StreamHeader header) {
        headers.add(header);
        return !full;
    }

    @Override
    public void close() {
        closed = true;
    }

    /** Runs when the session aborts this upstream, on the aborting thread: to see what the session holds then. */
    public volatile Runnable whenAborted = () -> { };

    @Override
    public void abort() {
        aborted = true;
        whenAborted.run();
    }

    // --- the server's side ---

    /** The server's stream header with the given id, in a read of its own. */
    public void open(String streamId) {
        listener.onOpened(new XmlElement(new javax.xml.namespace.QName(Namespaces.STREAMS, "stream", "stream"),
                java.util.Map.of(new javax.xml.namespace.QName("id"), streamId,
                        new javax.xml.namespace.QName("from"), headers.get(0).to(),
                        new javax.xml.namespace.QName("version"), "1.0"), List.of()));
        listener.onReadEnd();
    }

    /** One element from the server, in a read of its own. */
    public void receive(XmlElement element) {
        receiveInOneRead(element);
    }

    /** Elements from the server that Portico reads at once, as a burst arrives in one read from the socket. */
    public void receiveInOneRead(XmlElement... elements) {
        for (XmlElement element : elements) {
            listener.onElement(element);
        }
        listener.onReadEnd();
    }

    /** Features offering SASL PLAIN and STARTTLS (which Portico must strip). */
    public void features() {
        XmlElement mechanisms = XmlElement.of(Namespaces.SASL, "mechanisms")
                .withChild(XmlElement.of(Namespaces.SASL, "mechanism").withChild(new org.portico.xml.XmlText("PLAIN")));
        receive(new XmlElement(new javax.xml.namespace.QName(Namespaces.STREAMS, "features", "stream"),
                java.util.Map.of(), List.of(XmlElement.of(Namespaces.TLS, "starttls"), mechanisms)));
    }

    public void end(UpstreamEnd end) {
        listener.onClosed(end);
    }

    /** A chat message from {@code from} with the given body text. */
    public static XmlElement message(String from, String to, String text) {
        return XmlElement.of(Namespaces.JABBER_CLIENT, "message")
                .withAttribute("from", from).withAttribute("to", to).withAttribute("type", "chat")
                .withChild(XmlElement.of(Namespaces.JABBER_CLIENT, "body").withChild(new org.portico.xml.XmlText(text)));
    }
}
