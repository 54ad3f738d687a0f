package org.portico.upstream;

import com.github.benmanes.caffeine.cache.Scheduler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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
import org.portico.xml.XmlParser;
import org.portico.xml.XmlWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One client-to-server XMPP stream (RFC 6120) to the upstream server, relaying for one session over one TCP
 * connection: STARTTLS done here, SASL passed through, restarts on the same connection. The stream's lifecycle, its
 * writes and its end live here; its {@link UpstreamReader} negotiates and relays what the server sends.
 *
 * <p>Threads and ownership:
 * <ul>
 *   <li>The <b>reader</b> ({@link UpstreamReader}, its own thread or the poller's) makes every listener call, in
 *       order; {@code onClosed} comes last and exactly once, when the reader reports the end ({@link #finish}).</li>
 *   <li>The <b>writer</b> ({@link UpstreamWriter}) owns the output once the stream is open; callers only queue.</li>
 *   <li>{@link #lock} guards the {@link UpstreamLifecycle}, {@link #forcedEnd} and {@link #replyQueued}. It is held
 *       only to decide and to queue bytes (in memory); sockets are closed and listeners called after it is
 *       released.</li>
 * </ul>
 * Session threads call {@link #send}, {@link #queue}, {@link #restart}, {@link #close} and {@link #abort}; none waits
 * for the network.
 */
final class UpstreamStream implements Upstream {

    private static final Logger LOG = LoggerFactory.getLogger(UpstreamStream.class);
    /** Where close timeouts run: they only drop a socket, never block. */
    private static final Executor CLOSE_TIMER = Executors.newVirtualThreadPerTaskExecutor();
    private static final byte[] CLOSING_TAG = "</stream:stream>".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BAD_FORMAT = ("<stream:error><bad-format xmlns='" + Namespaces.STREAM_ERRORS
            + "'/></stream:error></stream:stream>").getBytes(StandardCharsets.UTF_8);

    private final StreamHeader header;
    private final UpstreamListener listener;
    private final UpstreamConfig config;
    private final UpstreamConnection connection;
    private final UpstreamWriter writer;
    private final UpstreamReader reader;
    private final CountDownLatch finished = new CountDownLatch(1);
    /** Runs the close timeout on Portico's clock. */
    private final Scheduler timer;

    private final ReentrantLock lock = new ReentrantLock();
    private final UpstreamLifecycle lifecycle = new UpstreamLifecycle();
    private UpstreamEnd forcedEnd;
    /** Our reply to the server's close or error is queued, and the writer gets a moment to send it. */
    private boolean replyQueued;

    /** @param client the session's client address, for the PROXY protocol header of a route that asks for it */
    UpstreamStream(StreamHeader header, String route, String client, UpstreamListener listener,
            UpstreamResolver resolver, UpstreamTls tls, UpstreamConfig config, XmlParser xmlParser, Scheduler timer,
            UpstreamPoller poller) {
        this.timer = timer;
        this.header = header;
        this.listener = listener;
        this.config = config;
        Map<String, String> mdc = MDC.getCopyOfContextMap();
        this.connection = new UpstreamConnection(header.to(), client, config.connectTimeout(), xmlParser);
        this.writer = new UpstreamWriter(header.to(), config.maxQueuedWriteBytes(), this::writeFailed, mdc);
        this.reader = new UpstreamReader(header, route, listener, resolver, tls, connection, poller, mdc,
                new ReaderCalls());
    }

    void start() {
        reader.start();
    }

    @Override
    public boolean send(XmlElement element) {
        return enqueue(bytes(element), false, false, asksSasl(element));
    }

    @Override
    public boolean queue(XmlElement element) {
        return enqueue(bytes(element), false, true, asksSasl(element));
    }

    /** An element the server answers with a SASL challenge, success or failure (RFC 6120 §6.4). */
    private static boolean asksSasl(XmlElement element) {
        return element.is(Namespaces.SASL, "auth") || element.is(Namespaces.SASL, "response");
    }

    @Override
    public void writeQueuedWithoutWaiting() {
        writer.drainWithoutWaiting();
    }

    private static byte[] bytes(XmlElement element) {
        return XmlWriter.write(element, XmlWriter.Scope.CLIENT_STREAM).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Queues the new header, for the caller to write, after the reader has already restarted its parser on SASL
     * success. The caller writes it (a login's restart needs no drain thread of the writer's).
     *
     * @throws IllegalStateException before the stream opened, when no restart can be due
     */
    @Override
    public boolean restart(StreamHeader newHeader) {
        return enqueue(headerBytes(newHeader), true, true, false);
    }

    /**
     * Queues bytes for the writer, or for the caller's {@link #writeQueuedWithoutWaiting}. A full queue means the
     * server stopped reading: the end is recorded here, and the caller, who may hold its session lock, drops the
     * connection later with {@link #abort}.
     */
    private boolean enqueue(byte[] bytes, boolean restart, boolean callerWrites, boolean asksSasl) {
        lock.lock();
        try {
            if (restart ? !lifecycle.restartRequested() : !lifecycle.acceptsWrites()) {
                LOG.debug("{}: dropping a write after close", this);
                return true;
            }
            if (asksSasl) {
                lifecycle.saslSent();
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
            boolean open = lifecycle.state() == State.OPEN;
            action = lifecycle.closeRequested();
            if (action.writes()) {
                writer.offerFinal(finalBytes(action, CLOSING_TAG));
            } else if (action == CloseAction.DISCONNECT && forcedEnd == null) {
                forcedEnd = new UpstreamEnd(Reason.CLOSED_BY_US, null,
                        open ? "closed with SASL unanswered" : "closed before the stream opened");
            }
        } finally {
            lock.unlock();
        }
        switch (action) {
            case DISCONNECT -> dropConnection();
            case SEND_CLOSING_TAG, SEND_HEADER_AND_CLOSING_TAG -> timer.schedule(CLOSE_TIMER, this::closeTimedOut,
                    config.closeTimeout().toNanos(), TimeUnit.NANOSECONDS);
            case NONE -> { }
        }
    }

    /**
     * Our last bytes, {@code last}, for a close action that sends any: after a new stream header when the server
     * waits for the restart that follows SASL success, so that they close (or report an error on) a stream it has
     * seen open (RFC 6120 §6.4.6, §4.9.1.1) instead of beginning its new document with an end tag.
     */
    private byte[] finalBytes(CloseAction action, byte[] last) {
        if (action != CloseAction.SEND_HEADER_AND_CLOSING_TAG) {
            return last;
        }
        byte[] opening = headerBytes(header);
        byte[] bytes = Arrays.copyOf(opening, opening.length + last.length);
        System.arraycopy(last, 0, bytes, opening.length, last.length);
        return bytes;
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
        abortWith(Reason.CONNECTION_FAILED, "write to " + reader.target() + " failed: " + e.getMessage());
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
        dropConnection();
    }

    /** Drops the connection at once; the reader then fails to read, and reports the end. */
    private void dropConnection() {
        connection.close();
        connection.readAfterClose();
    }

    /** The reader observed the end: the cause Portico chose wins over what the reader saw. */
    private void finish(UpstreamEnd observed) {
        UpstreamEnd end;
        boolean reply;
        lock.lock();
        try {
            State before = lifecycle.ended();
            reply = replyQueued;
            if (forcedEnd != null) {
                end = forcedEnd;
            } else if (before == State.CLOSING && !reply && observed.reason() != Reason.STREAM_ERROR) {
                end = new UpstreamEnd(Reason.CLOSED_BY_US, null, observed.detail());
            } else {
                end = observed;
            }
        } finally {
            lock.unlock();
        }
        if (reply) {
            try {
                writer.awaitDrained(config.closeTimeout());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        writer.stop();
        connection.close();
        connection.stopReading();
        finished.countDown();
        LOG.info("upstream for {} closed: {} tls {}: {} ({})", header.to(), reader.target(),
                reader.secure() ? "on" : "off", end.reason(), end.detail());
        try {
            listener.onClosed(end);
        } catch (RuntimeException e) {
            LOG.error("{}: listener failed on close", this, e);
        }
    }

    /** The reader's calls into the stream: each decision under the lock, and the end. */
    private final class ReaderCalls implements UpstreamReader.Stream {

        @Override
        public boolean tlsStarted() {
            lock.lock();
            try {
                return lifecycle.tlsStarted();
            } finally {
                lock.unlock();
            }
        }

        /**
         * RFC 6120 §4.2: the server answers our header with its own and its features; one that has not within the
         * connect timeout (the bound a blocking reader's negotiation reads have) is not serving the stream.
         */
        @Override
        public void openingTimedOut() {
            lock.lock();
            try {
                if (lifecycle.state() != State.CONNECTING || !lifecycle.abortRequested()) {
                    return;
                }
                if (forcedEnd == null) {
                    forcedEnd = new UpstreamEnd(Reason.CONNECTION_FAILED, null, "no stream header and features from "
                            + reader.target() + " within " + config.connectTimeout().toMillis() + " ms");
                }
            } finally {
                lock.unlock();
            }
            dropConnection();
        }

        @Override
        public boolean opened(UpstreamOutput output) {
            lock.lock();
            try {
                if (!lifecycle.opened()) {
                    return false;
                }
            } finally {
                lock.unlock();
            }
            writer.start(output);
            return true;
        }

        @Override
        public void saslSucceeded() {
            lock.lock();
            try {
                lifecycle.saslSucceeded();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void saslAnswered() {
            lock.lock();
            try {
                lifecycle.saslAnswered();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public boolean aborted() {
            lock.lock();
            try {
                return lifecycle.state() == State.CLOSED;
            } finally {
                lock.unlock();
            }
        }

        /** The server sent {@code </stream:stream>}: the answer to ours, or its own close, which we answer (§4.4). */
        @Override
        public UpstreamEnd serverClosed() {
            lock.lock();
            try {
                CloseAction action = lifecycle.closeAfterReading();
                if (action.writes()) {
                    writer.offerFinal(finalBytes(action, CLOSING_TAG));
                    replyQueued = true;
                    return new UpstreamEnd(Reason.CLOSED_BY_SERVER, null, "server closed the stream");
                }
                return new UpstreamEnd(Reason.CLOSED_BY_US, null, "closed; the server answered");
            } finally {
                lock.unlock();
            }
        }

        /** RFC 6120 §4.9.3.1: bad-format, then our closing tag, unless we are closing already. */
        @Override
        public void badFormat() {
            lock.lock();
            try {
                CloseAction action = lifecycle.closeAfterReading();
                if (action.writes()) {
                    writer.offerFinal(finalBytes(action, BAD_FORMAT));
                    replyQueued = true;
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void ended(UpstreamEnd observed) {
            finish(observed);
        }

        /** The reader's log lines name the stream. */
        @Override
        public String toString() {
            return UpstreamStream.this.toString();
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

    @Override
    public String toString() {
        String state;
        lock.lock();
        try {
            state = lifecycle.toString();
        } finally {
            lock.unlock();
        }
        return "UpstreamStream[" + header.to() + " -> " + reader.target() + " " + state
                + (reader.secure() ? " tls]" : " plain]");
    }
}
