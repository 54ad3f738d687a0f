package org.portico.upstream;

import com.ctc.wstx.exc.WstxEOFException;
import java.io.IOException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.portico.upstream.UpstreamEnd.Reason;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlParseException;
import org.portico.xml.XmlStreamParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The reading side of one {@link UpstreamStream}: it resolves, connects and negotiates (STARTTLS, RFC 6120 §5), then
 * relays every event the server sends to the listener, in order, and tells the stream how the stream ended.
 *
 * <p>Threads: a virtual thread per stream resolves and connects. For a stream whose listener
 * {@linkplain UpstreamListener#neverWaits never waits} (WebSocket and BOSH sessions) the {@link UpstreamPoller}'s
 * thread then reads, so an open stream holds no thread: on a route that never uses TLS from the server's first byte
 * on (the thread only sends our header, and the poller bounds the wait for the server's opening by the connect
 * timeout, {@link Stream#openingTimedOut}), otherwise once the thread has negotiated, STARTTLS included (the
 * {@link TlsLayer} then decrypts what the poller reads). The thread of a listener that may wait reads on until the
 * stream ends. Either way one thread at a time owns the {@link UpstreamConnection} and every field here
 * not marked volatile, and makes the listener calls; the hand-over to the poller (a task on its queue) orders them.
 * Reading the opening on the poller spares each login a virtual thread's parked, timed read and its wake-up, and a
 * streaming parser built for two events (docs/benchmarks.md).
 *
 * <p>After {@code <success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>} the server's next bytes start a new document
 * (RFC 6120 §6.4.6), so the reader starts a new parser right after delivering it, before reading on; the session's
 * restart then only writes the new header. SASL2 ({@code urn:xmpp:sasl:2}) success has no restart.
 */
final class UpstreamReader {

    /** The stream's logger: what the reader reports is the stream's doing. */
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamStream.class);

    /** What the reader needs of its stream: the lifecycle decisions, taken under the stream's lock, and its end. */
    interface Stream {
        /** STARTTLS begins; false when the stream was closed meanwhile. */
        boolean tlsStarted();

        /**
         * The poller read no opening from the server within the connect timeout (our header was sent): the stream
         * fails unless it opened or closed meanwhile.
         */
        void openingTimedOut();

        /** Negotiation is done; false when the stream was closed meanwhile. */
        boolean opened(UpstreamOutput output);

        /**
         * The server sent SASL success and now waits for our new stream header (RFC 6120 §6.4.6); told before the
         * listener hears of it, since the listener may restart the stream at once.
         */
        void saslSucceeded();

        /** The server sent a SASL challenge or failure: it waits for the session in the stream it has. */
        void saslAnswered();

        /** The stream was aborted: nothing more is relayed. */
        boolean aborted();

        /** The server sent {@code </stream:stream>}; returns how the stream ended. */
        UpstreamEnd serverClosed();

        /** The server sent XML that cannot be relayed; answers with a stream error if the stream is still ours. */
        void badFormat();

        /** Called once, last, on a thread that may wait. */
        void ended(UpstreamEnd observed);
    }

    private final StreamHeader header;
    private final String route;
    private final UpstreamListener listener;
    private final UpstreamResolver resolver;
    private final UpstreamTls tls;
    private final UpstreamConnection connection;
    private final UpstreamPoller poller;
    private final Map<String, String> mdc;
    private final Stream stream;

    /** Read from any thread: for log lines and {@link UpstreamStream#toString}. */
    private volatile String target = "unresolved";
    private volatile boolean secure;
    /** The listener has the server's opening: what the server sends now is relayed. */
    private boolean open;
    /** The server's header, read by the poller, while its features are awaited; null otherwise. */
    private XmlElement serverHeader;
    /** The stream's end was observed on the poller's thread: nothing more is read or reported. */
    private boolean pollingEnded;
    /** Set by the reader thread when it reports the end itself; read by its uncaught-exception handler. */
    private boolean endReported;
    /** The listener heard of something since it was last told that a read ended ({@link #readEnded}). */
    private boolean reported;

    UpstreamReader(StreamHeader header, String route, UpstreamListener listener, UpstreamResolver resolver,
            UpstreamTls tls, UpstreamConnection connection, UpstreamPoller poller, Map<String, String> mdc,
            Stream stream) {
        this.header = header;
        this.route = route;
        this.listener = listener;
        this.resolver = resolver;
        this.tls = tls;
        this.connection = connection;
        this.poller = poller;
        this.mdc = mdc;
        this.stream = stream;
    }

    void start() {
        Thread.ofVirtual().name("upstream-reader " + header.to()).uncaughtExceptionHandler(this::readerEnded)
                .start(this::read);
    }

    /**
     * The reader thread ended by what {@link #read} did not catch: an {@link Error}, or an exception that passed its
     * catch blocks, as JDK 25.0.3 can let one do on a virtual thread (JDK-8389310, docs/reliability.md). The stream
     * ends as on an internal error unless the reader had reported its end already, so that the session is told
     * instead of waiting on a stream nobody reads.
     */
    private void readerEnded(Thread thread, Throwable e) {
        LOG.error("{}: {} ended by an exception nothing caught", stream, thread.getName(), e);
        if (!endReported) {
            endReported = true;
            stream.ended(new UpstreamEnd(Reason.CONNECTION_FAILED, null, "internal error: " + e));
        }
    }

    String target() {
        return target;
    }

    boolean secure() {
        return secure;
    }


    private void read() {
        if (mdc != null) {
            MDC.setContextMap(mdc);
        }
        UpstreamEnd observed = new UpstreamEnd(Reason.CONNECTION_FAILED, null, "reader failed");
        try {
            List<UpstreamRoute> targets = resolver.resolve(header.to(), route);
            connection.connect(targets);
            target = connection.target().address();
            if (listener.neverWaits() && connection.target().tls() == TlsPolicy.DISABLED) {
                connection.write(UpstreamStream.headerBytes(header));
                connection.readWithoutWaiting(poller);
                connection.awaitOpening(stream::openingTimedOut);
                handToPoller();
                return; // the poller reads the server's opening, then the stream
            }
            StartTls.Opening opening = StartTls.negotiate(connection, UpstreamStream.headerBytes(header), header.to(),
                    tls, stream::tlsStarted);
            connection.negotiated();
            secure = connection.secure();
            boolean pollable = listener.neverWaits();
            if (pollable) {
                connection.readWithoutWaiting(poller);
            }
            open(opening.header(), opening.features());
            readEnded();
            if (pollable) {
                handToPoller();
                return; // the poller reads on, and reports the end
            }
            observed = readStream();
        } catch (UnknownHostException e) {
            observed = new UpstreamEnd(Reason.HOST_UNKNOWN, null, e.getMessage());
        } catch (UpstreamFailure e) {
            observed = e.end();
        } catch (XmlParseException e) {
            observed = unreadable(e);
        } catch (IOException e) {
            observed = new UpstreamEnd(Reason.CONNECTION_FAILED, null, describe(e));
        } catch (RuntimeException e) {
            LOG.error("{}: reader failed", stream, e);
            observed = new UpstreamEnd(Reason.CONNECTION_FAILED, null, "internal error: " + e);
        }
        endReported = true;
        stream.ended(observed);
    }

    /** From here on the poller reads the stream and reports its end; the reader thread ends. */
    private void handToPoller() {
        endReported = true;
        connection.startPolling(this::readable);
    }

    /** The server's header and features reach the listener, and the writer starts. */
    private void open(XmlElement opened, XmlElement features) throws UpstreamFailure {
        if (!stream.opened(connection.output())) {
            throw new UpstreamFailure(Reason.CLOSED_BY_US, "closed while negotiating");
        }
        open = true;
        LOG.info("upstream for {} open: {} tls {}", header.to(), target, secure ? "on" : "off");
        notifyOpened(opened);
        notifyElement(features);
    }

    /** Relays the open stream until it ends, on the reader's own thread; returns how it ended. */
    private UpstreamEnd readStream() throws XmlParseException, UpstreamFailure {
        while (true) {
            UpstreamEnd end = relay(connection.next());
            if (end != null) {
                return end;
            }
            readEnded(); // a blocking read cannot tell whether more is buffered: each element is passed on at once
        }
    }

    /**
     * The poller's thread: bytes (or the end of the connection) arrived. Relays every event whose bytes are all
     * there; the rest waits for the next call. The end is reported on a virtual thread, since the stream may wait
     * there for its last bytes to be written.
     *
     * @return whether the poller is to go on reading
     */
    private boolean readable(ByteBuffer scratch) {
        if (pollingEnded) {
            return false;
        }
        enterSessionContext();
        UpstreamEnd observed;
        try {
            boolean connected = connection.fill(scratch);
            observed = relayBuffered();
            if (observed == null && !connected) {
                observed = new UpstreamEnd(Reason.CONNECTION_FAILED, null, target + " closed the connection"
                        + (open ? " without </stream:stream>" : " during negotiation"));
            }
        } catch (UpstreamFailure e) {
            observed = e.end();
        } catch (XmlParseException e) {
            observed = unreadable(e);
        } catch (IOException e) {
            observed = new UpstreamEnd(Reason.CONNECTION_FAILED, null, "read from " + target + " failed: "
                    + describe(e));
        } catch (RuntimeException e) {
            LOG.error("{}: reader failed", stream, e);
            observed = new UpstreamEnd(Reason.CONNECTION_FAILED, null, "internal error: " + e);
        } finally {
            readEnded();
            leaveSessionContext();
        }
        if (observed == null) {
            return true;
        }
        pollingEnded = true;
        UpstreamEnd end = observed;
        Thread.ofVirtual().name("upstream-end " + header.to()).start(() -> {
            if (mdc != null) {
                MDC.setContextMap(mdc);
            }
            stream.ended(end);
        });
        return false;
    }

    /**
     * Puts the session's keys into the poller thread's MDC for one readable event. Key by key rather than
     * {@code MDC.setContextMap}, which copies the map into a new one on every call: at a message a millisecond that
     * copy was 2.7 % of a WebSocket message's CPU (docs/benchmarks.md).
     */
    private void enterSessionContext() {
        if (mdc != null) {
            mdc.forEach(MDC::put);
        }
    }

    /** Takes the session's keys out again, so that the next stream's event on this thread logs none of them. */
    private void leaveSessionContext() {
        if (mdc != null) {
            mdc.keySet().forEach(MDC::remove);
        }
    }

    /**
     * Relays the events whose bytes have all arrived, after the server's opening if the poller reads that too.
     *
     * @return how the stream ended, or null while it goes on
     */
    private UpstreamEnd relayBuffered() throws XmlParseException, UpstreamFailure {
        while (connection.nextUnit()) {
            XmlStreamParser.Event event = connection.next();
            if (!open) {
                negotiate(event);
                continue;
            }
            UpstreamEnd end = relay(event);
            if (end != null) {
                return end;
            }
        }
        return null;
    }

    /** One event of the server's plain opening, read by the poller: its header, then its features. */
    private void negotiate(XmlStreamParser.Event event) throws UpstreamFailure {
        if (serverHeader == null) {
            serverHeader = StartTls.openingHeader(event, connection);
            return;
        }
        XmlElement features = StartTls.openingFeatures(event, connection);
        XmlElement opened = serverHeader;
        serverHeader = null;
        connection.openingRead();
        open(opened, features);
    }

    /** One event from the server. @return how the stream ended, or null while it goes on */
    private UpstreamEnd relay(XmlStreamParser.Event event) throws XmlParseException, UpstreamFailure {
        if (stream.aborted()) {
            return new UpstreamEnd(Reason.CLOSED_BY_US, null, "aborted");
        }
        switch (event) {
            case XmlStreamParser.Opened opened -> {
                if (!opened.header().is(Namespaces.STREAMS, "stream")) {
                    throw new UpstreamFailure(Reason.PROTOCOL_ERROR, "restarted stream is not an XMPP stream");
                }
                notifyOpened(opened.header());
            }
            case XmlStreamParser.Element element when element.element().is(Namespaces.STREAMS, "error") ->
                    throw new UpstreamFailure(element.element());
            case XmlStreamParser.Element element -> {
                boolean saslSuccess = element.element().is(Namespaces.SASL, "success");
                if (saslSuccess) {
                    stream.saslSucceeded();
                } else if (element.element().is(Namespaces.SASL, "challenge")
                        || element.element().is(Namespaces.SASL, "failure")) {
                    stream.saslAnswered();
                }
                notifyElement(element.element());
                if (saslSuccess) {
                    connection.startDocument();
                }
            }
            case XmlStreamParser.Closed closed -> {
                return stream.serverClosed();
            }
        }
        return null;
    }

    private UpstreamEnd unreadable(XmlParseException e) {
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof WstxEOFException) {
                // a server that ends a stream says so (RFC 6120 §4.4); a bare end of the connection is a lost
                // server (killed, crashed, restarted), which clients must be able to tell from a clean logout
                return new UpstreamEnd(Reason.CONNECTION_FAILED, null, target + " closed the connection"
                        + (open ? " without </stream:stream>" : ""));
            }
            if (cause instanceof IOException io && !(io instanceof UpstreamInput.NotXmpp)) {
                return new UpstreamEnd(Reason.CONNECTION_FAILED, null, "read from " + target + " failed: "
                        + describe(io));
            }
        }
        if (open) {
            stream.badFormat();
        }
        return new UpstreamEnd(Reason.PROTOCOL_ERROR, null, "unacceptable XML from " + target + ": " + e.getMessage());
    }

    private void notifyOpened(XmlElement serverHeader) {
        reported = true;
        try {
            listener.onOpened(serverHeader);
        } catch (RuntimeException e) {
            LOG.error("{}: listener failed on the stream header", stream, e);
        }
    }

    private void notifyElement(XmlElement element) {
        reported = true;
        try {
            listener.onElement(element);
        } catch (RuntimeException e) {
            LOG.error("{}: listener failed on <{}/>", stream, element.localName(), e);
        }
    }

    /**
     * Tells the listener that what it heard came in one read, so that it passes it on in one write: a WebSocket
     * session sends the server's header and features, or a burst of stanzas, in one system call instead of one each.
     */
    private void readEnded() {
        if (!reported) {
            return;
        }
        reported = false;
        try {
            listener.onReadEnd();
        } catch (RuntimeException e) {
            LOG.error("{}: listener failed at the end of a read", stream, e);
        }
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
