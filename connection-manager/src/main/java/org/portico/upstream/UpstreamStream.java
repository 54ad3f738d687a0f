package org.portico.upstream;

import com.ctc.wstx.exc.WstxEOFException;
import com.github.benmanes.caffeine.cache.Scheduler;
import java.io.IOException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.portico.upstream.UpstreamEnd.Reason;
import org.portico.upstream.UpstreamLifecycle.CloseAction;
import org.portico.upstream.UpstreamLifecycle.State;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlParseException;
import org.portico.xml.XmlParser;
import org.portico.xml.XmlStreamParser;
import org.portico.xml.XmlWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One client-to-server XMPP stream (RFC 6120) to the upstream server, relaying for one session over one TCP
 * connection: STARTTLS done here, SASL passed through, restarts on the same connection.
 *
 * <p>Threads and ownership:
 * <ul>
 *   <li>The <b>reader thread</b> (virtual, one per stream) resolves, connects, negotiates TLS, parses, and makes
 *       every listener call, in order, {@code onClosed} last and exactly once. It owns the
 *       {@link UpstreamConnection} and the fields marked "reader".</li>
 *   <li>The <b>writer</b> ({@link UpstreamWriter}) owns the output once the stream is open; callers only queue.</li>
 *   <li>{@link #lock} guards the {@link UpstreamLifecycle} and {@link #forcedEnd}. It is held only to decide and to
 *       queue bytes (in memory); sockets are closed and listeners called after it is released.</li>
 * </ul>
 * Session threads call {@link #send}, {@link #queue}, {@link #restart}, {@link #close} and {@link #abort}; none waits
 * for the network. Only {@link #writeQueued} may, called by a session thread after its lock.
 *
 * <p>After {@code <success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>} the server's next bytes start a new document
 * (RFC 6120 §6.4.6), so the reader starts a new parser right after delivering it, before reading on; the session's
 * {@link #restart} then only writes the new header. SASL2 ({@code urn:xmpp:sasl:2}) success has no restart.
 */
final class UpstreamStream implements Upstream {

    private static final Logger LOG = LoggerFactory.getLogger(UpstreamStream.class);
    /** Where close timeouts run: they only drop a socket, never block. */
    private static final Executor CLOSE_TIMER = Executors.newVirtualThreadPerTaskExecutor();
    private static final byte[] CLOSING_TAG = "</stream:stream>".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BAD_FORMAT = ("<stream:error><bad-format xmlns='" + Namespaces.STREAM_ERRORS
            + "'/></stream:error></stream:stream>").getBytes(StandardCharsets.UTF_8);

    private final StreamHeader header;
    private final String route;
    private final UpstreamListener listener;
    private final UpstreamResolver resolver;
    private final UpstreamTls tls;
    private final UpstreamConfig config;
    private final UpstreamConnection connection;
    private final UpstreamWriter writer;
    private final Map<String, String> mdc;
    private final CountDownLatch finished = new CountDownLatch(1);
    /** Runs the close timeout on Portico's clock. */
    private final Scheduler timer;

    private final ReentrantLock lock = new ReentrantLock();
    private final UpstreamLifecycle lifecycle = new UpstreamLifecycle();
    private UpstreamEnd forcedEnd;

    /** Reader: our reply to the server's close or error is queued, and the writer gets a moment to send it. */
    private boolean replyQueued;
    /** Written by the reader, read by {@link #toString} from anywhere. */
    private volatile String target = "unresolved";
    private volatile boolean secure;

    /** @param client the session's client address, for the PROXY protocol header of a route that asks for it */
    UpstreamStream(StreamHeader header, String route, String client, UpstreamListener listener,
            UpstreamResolver resolver, UpstreamTls tls, UpstreamConfig config, XmlParser xmlParser, Scheduler timer) {
        this.timer = timer;
        this.header = header;
        this.route = route;
        this.listener = listener;
        this.resolver = resolver;
        this.tls = tls;
        this.config = config;
        this.mdc = MDC.getCopyOfContextMap();
        this.connection = new UpstreamConnection(header.to(), client, config.connectTimeout(), xmlParser);
        this.writer = new UpstreamWriter(header.to(), config.maxQueuedWriteBytes(), this::writeFailed, mdc);
    }

    void start() {
        Thread.ofVirtual().name("upstream-reader " + header.to()).start(this::read);
    }

    @Override
    public boolean send(XmlElement element) {
        return enqueue(bytes(element), false, false);
    }

    @Override
    public boolean queue(XmlElement element) {
        return enqueue(bytes(element), false, true);
    }

    @Override
    public void writeQueued() {
        writer.drainHere();
    }

    private static byte[] bytes(XmlElement element) {
        return XmlWriter.write(element, XmlWriter.Scope.CLIENT_STREAM).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Queues the new header after the reader has already restarted its parser on SASL success.
     *
     * @throws IllegalStateException before the stream opened, when no restart can be due
     */
    @Override
    public boolean restart(StreamHeader newHeader) {
        return enqueue(headerBytes(newHeader), true, false);
    }

    /**
     * Queues bytes for the writer, or for the caller's {@link #writeQueued}. A full queue means the server stopped
     * reading: the end is recorded here, and the caller, who may hold its session lock, drops the connection later
     * with {@link #abort}.
     */
    private boolean enqueue(byte[] bytes, boolean restart, boolean callerWrites) {
        lock.lock();
        try {
            if (restart ? !lifecycle.restartRequested() : !lifecycle.acceptsWrites()) {
                LOG.debug("{}: dropping a write after close", this);
                return true;
            }
            if (callerWrites ? writer.offerForCaller(bytes) : writer.offer(bytes)) {
                return true;
            }
            if (forcedEnd == null) {
                forcedEnd = new UpstreamEnd(Reason.CONNECTION_FAILED, null, "upstream is not reading: more than "
                        + config.maxQueuedWriteBytes() + " bytes queued");
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        CloseAction action;
        lock.lock();
        try {
            action = lifecycle.closeRequested();
            if (action == CloseAction.SEND_CLOSING_TAG) {
                writer.offerFinal(CLOSING_TAG);
            } else if (action == CloseAction.DISCONNECT && forcedEnd == null) {
                forcedEnd = new UpstreamEnd(Reason.CLOSED_BY_US, null, "closed before the stream opened");
            }
        } finally {
            lock.unlock();
        }
        switch (action) {
            case DISCONNECT -> connection.close();
            case SEND_CLOSING_TAG -> timer.schedule(CLOSE_TIMER, this::closeTimedOut, config.closeTimeout().toNanos(),
                    TimeUnit.NANOSECONDS);
            case NONE -> { }
        }
    }

    /** RFC 6120 §4.4: the server had a bounded time for its closing tag; without it, drop the connection. */
    private void closeTimedOut() {
        if (finished.getCount() > 0) {
            abortWith(Reason.CLOSED_BY_US, "no </stream:stream> from the server within "
                    + config.closeTimeout().toMillis() + " ms");
        }
    }

    @Override
    public void abort() {
        abortWith(Reason.CLOSED_BY_US, "aborted");
    }

    private void writeFailed(IOException e) {
        abortWith(Reason.CONNECTION_FAILED, "write to " + target + " failed: " + e.getMessage());
    }

    /** Records why the stream ends and drops the connection; the reader then reports it. */
    private void abortWith(Reason reason, String detail) {
        lock.lock();
        try {
            if (!lifecycle.abortRequested()) {
                return;
            }
            if (forcedEnd == null) {
                forcedEnd = new UpstreamEnd(reason, null, detail);
            }
        } finally {
            lock.unlock();
        }
        connection.close();
    }

    private void read() {
        if (mdc != null) {
            MDC.setContextMap(mdc);
        }
        boolean open = false;
        UpstreamEnd observed = new UpstreamEnd(Reason.CONNECTION_FAILED, null, "reader failed");
        try {
            List<UpstreamRoute> targets = resolver.resolve(header.to(), route);
            connection.connect(targets);
            target = connection.target().address();
            StartTls.Opening opening =
                    StartTls.negotiate(connection, headerBytes(header), header.to(), tls, this::tlsStarted);
            connection.negotiated();
            if (!opened()) {
                throw new UpstreamFailure(Reason.CLOSED_BY_US, "closed while negotiating");
            }
            open = true;
            secure = connection.secure();
            writer.start(connection.output());
            LOG.info("upstream for {} open: {} tls {}", header.to(), target, secure ? "on" : "off");
            notifyOpened(opening.header());
            notifyElement(opening.features());
            observed = readStream();
        } catch (UnknownHostException e) {
            observed = new UpstreamEnd(Reason.HOST_UNKNOWN, null, e.getMessage());
        } catch (UpstreamFailure e) {
            observed = e.end();
        } catch (XmlParseException e) {
            observed = unreadable(e, open);
        } catch (IOException e) {
            observed = new UpstreamEnd(Reason.CONNECTION_FAILED, null, describe(e));
        } catch (RuntimeException e) {
            LOG.error("{}: reader failed", this, e);
            observed = new UpstreamEnd(Reason.CONNECTION_FAILED, null, "internal error: " + e);
        } finally {
            finish(observed);
        }
    }

    /** Relays the open stream until it ends; returns how it ended. */
    private UpstreamEnd readStream() throws XmlParseException, UpstreamFailure {
        while (true) {
            XmlStreamParser.Event event = connection.next();
            if (aborted()) {
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
                    notifyElement(element.element());
                    if (element.element().is(Namespaces.SASL, "success")) {
                        connection.startDocument();
                    }
                }
                case XmlStreamParser.Closed closed -> {
                    return serverClosed();
                }
            }
        }
    }

    /** The server sent {@code </stream:stream>}: the answer to ours, or its own close, which we answer (§4.4). */
    private UpstreamEnd serverClosed() {
        lock.lock();
        try {
            if (lifecycle.closeRequested() == CloseAction.SEND_CLOSING_TAG) {
                writer.offerFinal(CLOSING_TAG);
                replyQueued = true;
                return new UpstreamEnd(Reason.CLOSED_BY_SERVER, null, "server closed the stream");
            }
            return new UpstreamEnd(Reason.CLOSED_BY_US, null, "closed; the server answered");
        } finally {
            lock.unlock();
        }
    }

    private UpstreamEnd unreadable(XmlParseException e, boolean open) {
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof WstxEOFException) {
                // a server that ends a stream says so (RFC 6120 §4.4); a bare end of the connection is a lost
                // server (killed, crashed, restarted), which clients must be able to tell from a clean logout
                return new UpstreamEnd(Reason.CONNECTION_FAILED, null, target + " closed the connection"
                        + (open ? " without </stream:stream>" : ""));
            }
            if (cause instanceof IOException io) {
                return new UpstreamEnd(Reason.CONNECTION_FAILED, null, "read from " + target + " failed: "
                        + describe(io));
            }
        }
        if (open) {
            lock.lock();
            try {
                if (lifecycle.closeRequested() == CloseAction.SEND_CLOSING_TAG) {
                    writer.offerFinal(BAD_FORMAT);
                    replyQueued = true;
                }
            } finally {
                lock.unlock();
            }
        }
        return new UpstreamEnd(Reason.PROTOCOL_ERROR, null, "unacceptable XML from " + target + ": " + e.getMessage());
    }

    private void finish(UpstreamEnd observed) {
        UpstreamEnd end;
        lock.lock();
        try {
            State before = lifecycle.ended();
            if (forcedEnd != null) {
                end = forcedEnd;
            } else if (before == State.CLOSING && !replyQueued && observed.reason() != Reason.STREAM_ERROR) {
                end = new UpstreamEnd(Reason.CLOSED_BY_US, null, observed.detail());
            } else {
                end = observed;
            }
        } finally {
            lock.unlock();
        }
        if (replyQueued) {
            try {
                writer.awaitDrained(config.closeTimeout());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        writer.stop();
        connection.close();
        finished.countDown();
        LOG.info("upstream for {} closed: {} tls {}: {} ({})", header.to(), target, secure ? "on" : "off",
                end.reason(), end.detail());
        try {
            listener.onClosed(end);
        } catch (RuntimeException e) {
            LOG.error("{}: listener failed on close", this, e);
        }
    }

    private boolean tlsStarted() {
        lock.lock();
        try {
            return lifecycle.tlsStarted();
        } finally {
            lock.unlock();
        }
    }

    private boolean opened() {
        lock.lock();
        try {
            return lifecycle.opened();
        } finally {
            lock.unlock();
        }
    }

    private boolean aborted() {
        lock.lock();
        try {
            return lifecycle.state() == State.CLOSED;
        } finally {
            lock.unlock();
        }
    }

    private void notifyOpened(XmlElement serverHeader) {
        try {
            listener.onOpened(serverHeader);
        } catch (RuntimeException e) {
            LOG.error("{}: listener failed on the stream header", this, e);
        }
    }

    private void notifyElement(XmlElement element) {
        try {
            listener.onElement(element);
        } catch (RuntimeException e) {
            LOG.error("{}: listener failed on <{}/>", this, element.localName(), e);
        }
    }

    /**
     * Our {@code <stream:stream>} header (RFC 6120 §4.7) after an XML declaration. {@code version} defaults to
     * "1.0": Portico is an RFC 6120 client and needs the server's features for STARTTLS.
     */
    static byte[] headerBytes(StreamHeader header) {
        StringBuilder xml = new StringBuilder(200).append("<?xml version='1.0'?><stream:stream");
        attribute(xml, "to", header.to());
        attribute(xml, "from", header.from());
        attribute(xml, "xml:lang", header.lang());
        attribute(xml, "version", header.version() == null ? "1.0" : header.version());
        xml.append(" xmlns='").append(Namespaces.JABBER_CLIENT).append("' xmlns:stream='")
                .append(Namespaces.STREAMS).append("'>");
        return xml.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void attribute(StringBuilder xml, String name, String value) {
        if (value != null) {
            xml.append(' ').append(name).append("='");
            XmlWriter.escapeAttribute(value, xml);
            xml.append('\'');
        }
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    @Override
    public String toString() {
        String state;
        lock.lock();
        try {
            state = lifecycle.toString();
        } finally {
            lock.unlock();
        }
        return "UpstreamStream[" + header.to() + " -> " + target + " " + state + (secure ? " tls]" : " plain]");
    }
}
