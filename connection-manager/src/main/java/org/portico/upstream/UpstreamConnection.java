package org.portico.upstream;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.StringJoiner;
import org.portico.xml.XmlParseException;
import org.portico.xml.XmlParser;
import org.portico.xml.XmlStreamParser;
import org.portico.xml.XmlWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP connection under one upstream stream, the TLS layered on it, and the incremental parser reading it.
 *
 * <p>Ownership: everything here belongs to the stream's reader (its thread; for a stream read without waiting,
 * the {@link UpstreamPoller}'s thread after {@link #readWithoutWaiting}), except {@link #close}, which any thread may
 * call to drop the connection at once (it closes the TCP socket, sending no TLS close_notify, which could wait for
 * a writer stuck on a stalled server). After {@link #output} is handed to the writer, the reader no longer writes.
 *
 * <p>The socket is a {@link SocketChannel}, used through its blocking socket adaptor while the stream is negotiated;
 * a stream whose session never waits is then switched to non-blocking and read by the poller
 * ({@link #readWithoutWaiting}): on a route without TLS right after our header is written, else once negotiated,
 * TLS included ({@link TlsLayer}). The stream of a session that may wait stays blocking, read by its thread.
 *
 * <p>The parser reads through an {@link UpstreamInput}, which hands it one whole unit (header, first-level element,
 * closing tag) at a time, so {@link #next} returns an element as soon as its end tag has arrived and never waits for
 * bytes the event does not need: a stanza followed by silence is delivered at once
 * ({@code UpstreamStreamTest.aStanzaFollowedBySilenceIsDeliveredWithoutWaitingForMoreBytes}). Nor does the parser
 * ever hold bytes past the unit it returned, so a restart (after SASL success, §6.4.6) and the switch to the poller
 * lose none.
 */
final class UpstreamConnection {

    private static final Logger WIRE = LoggerFactory.getLogger("portico.wire");
    /** What a plain stream has read ahead of its input: nothing, since the input reads the socket itself. */
    private static final byte[] NOTHING_UNREAD = new byte[0];

    private final String label;
    /** The session's client address, named in a PROXY protocol header; null when unknown. */
    private final String client;
    private final Duration connectTimeout;
    private final XmlParser xmlParser;

    private volatile Socket tcp;
    private volatile boolean closed;

    private SocketChannel channel;
    private Socket socket;
    private UpstreamInput in;
    private OutputStream out;
    /** Set when the socket was switched to non-blocking: the poller that reads it. */
    private UpstreamPoller poller;
    /** The poller's handle on the socket, from the switch to {@link #stopReading}; read by closing threads. */
    private volatile UpstreamPoller.Watched watched;
    private UpstreamRoute target;
    private XmlStreamParser parser;
    /** The TLS on the connection after STARTTLS; null while it is plain. */
    private TlsLayer tls;

    /**
     * @param label  names the stream in the wire log, as the writer does
     * @param client the session's client address, for a route with the PROXY protocol; null when unknown
     */
    UpstreamConnection(String label, String client, Duration connectTimeout, XmlParser xmlParser) {
        this.label = label;
        this.client = client;
        this.connectTimeout = connectTimeout;
        this.xmlParser = xmlParser;
    }

    /**
     * Connects to the first target that accepts, trying every address of each in turn (RFC 6120 §3.2.1).
     *
     * @throws IOException naming every target and why it failed
     */
    void connect(List<UpstreamRoute> targets) throws IOException {
        StringJoiner failures = new StringJoiner("; ");
        for (UpstreamRoute candidate : targets) {
            InetAddress[] addresses;
            try {
                addresses = InetAddress.getAllByName(candidate.host());
            } catch (IOException e) {
                failures.add(candidate.address() + ": unknown host");
                continue;
            }
            for (InetAddress address : addresses) {
                if (closed) {
                    throw new SocketException("closed while connecting");
                }
                SocketChannel opened = SocketChannel.open();
                Socket attempt = opened.socket();
                tcp = attempt;
                try {
                    if (closed) {
                        throw new SocketException("closed while connecting");
                    }
                    attempt.setTcpNoDelay(true);
                    attempt.connect(new InetSocketAddress(address, candidate.port()), (int) connectTimeout.toMillis());
                    attempt.setSoTimeout((int) connectTimeout.toMillis());
                    channel = opened;
                    socket = attempt;
                    in = new UpstreamInput(attempt.getInputStream(), xmlParser.limits().maxBytes());
                    out = attempt.getOutputStream();
                    target = candidate;
                    if (candidate.proxyProtocol()) {
                        // before anything else on the connection, STARTTLS included (proxy-protocol.txt §2)
                        out.write(ProxyProtocolHeader.v2(client, new InetSocketAddress(address, candidate.port())));
                        out.flush();
                    }
                    return;
                } catch (IOException e) {
                    closeQuietly(attempt);
                    String ip = address.getHostAddress();
                    failures.add((ip.equals(candidate.host()) ? "" : candidate.host() + "/") + ip + ":"
                            + candidate.port() + ": " + e.getMessage());
                }
            }
        }
        throw new IOException("could not connect: " + failures);
    }

    UpstreamRoute target() {
        return target;
    }

    boolean secure() {
        return tls != null;
    }

    /** Writes during negotiation, before the writer owns the output. */
    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        if (WIRE.isDebugEnabled()) {
            WIRE.debug("-> {} {}", label, new String(bytes, StandardCharsets.UTF_8));
        }
    }

    /** Starts parsing a new document from the server: the first header, or after TLS or SASL success. */
    void startDocument() {
        if (poller != null) {
            in.startDocument();
        } else if (parser == null) {
            parser = new XmlStreamParser(xmlParser, in);
        } else {
            in.startDocument();
            parser.restart(in);
        }
    }

    XmlStreamParser.Event next() throws XmlParseException {
        XmlStreamParser.Event event = poller != null ? in.takeUnit(xmlParser) : parser.next();
        if (WIRE.isDebugEnabled()) {
            WIRE.debug("<- {} {}", label, switch (event) {
                case XmlStreamParser.Opened opened -> XmlWriter.standalone(opened.header());
                case XmlStreamParser.Element element ->
                        XmlWriter.write(element.element(), XmlWriter.Scope.CLIENT_STREAM);
                case XmlStreamParser.Closed closedStream -> "</stream:stream>";
            });
        }
        return event;
    }

    /**
     * Handshakes after {@code <proceed/>} and replaces the plain streams with TLS ones; the caller then restarts
     * the stream.
     */
    void startTls(UpstreamTls client, String domain) throws IOException {
        TlsLayer layer = new TlsLayer(client.engine(domain, socket.getPort()), socket.getInputStream(), out);
        layer.handshake();
        tls = layer;
        in.readBlocking(layer.input());
        out = layer.output();
    }

    /** Negotiation reads time out after the connect timeout; an open stream waits as long as the server is silent. */
    void negotiated() throws SocketException {
        socket.setSoTimeout(0);
    }

    /**
     * Switches the connection to non-blocking, to be read by {@code by} from {@link #startPolling} on; the reader
     * then calls {@link #fill} and {@link #nextUnit} before each {@link #next}. Over TLS, what the blocking side
     * read and decrypted ahead is kept.
     */
    void readWithoutWaiting(UpstreamPoller by) throws IOException {
        channel.configureBlocking(false);
        in.readWithoutWaiting(tls == null ? NOTHING_UNREAD : tls.readWithoutWaiting());
        poller = by;
        watched = by.watch(channel);
        if (parser != null) { // none yet when the poller reads the opening too
            parser.close(); // from now on each unit is parsed on its own: an idle stream keeps no parser
            parser = null;
        }
    }

    /**
     * Has the poller run {@code timedOut} on its thread unless {@link #openingRead} comes within the connect
     * timeout; for an opening read by the poller.
     */
    void awaitOpening(Runnable timedOut) {
        UpstreamPoller.Watched current = watched;
        if (current != null) {
            poller.awaitOpening(current, timedOut);
        }
    }

    /** The poller's thread: the server's opening was read; no timeout is due. */
    void openingRead() {
        UpstreamPoller.Watched current = watched;
        if (current != null) {
            poller.openingRead(current);
        }
    }

    /** Has the poller call {@code reader} when bytes arrive, the first time at once, for bytes that came before. */
    void startPolling(UpstreamPoller.Readable reader) {
        poller.startReading(watched, reader);
    }

    /**
     * Another thread closed the connection: a poller's selector drops a closed channel's key without reporting it,
     * so the reader is told to read, which then fails. A reader thread learns it from its own failing read.
     */
    void readAfterClose() {
        UpstreamPoller.Watched current = watched;
        if (current != null) {
            poller.readNow(current);
        }
    }

    /** Stops the poller watching the socket, if it did; the connection is closed (or closing). Called once. */
    void stopReading() {
        UpstreamPoller.Watched current = watched;
        if (current != null) {
            watched = null;
            poller.unwatch(current);
        }
    }

    /** Reads what the non-blocking socket holds into the parser's input. @return false at its end */
    boolean fill(ByteBuffer scratch) throws IOException {
        return tls == null ? in.fill(channel, scratch) : in.fill(tls, channel, scratch);
    }

    /** Whether the next event's bytes have all arrived (see {@link UpstreamInput#nextUnit}). */
    boolean nextUnit() throws XmlParseException {
        return in.nextUnit();
    }

    /** Hands the output over to the writer. */
    UpstreamOutput output() {
        if (poller == null) {
            return new UpstreamOutput.Blocking(out);
        }
        return tls == null ? new UpstreamOutput.NonBlocking(channel, poller, watched)
                : new UpstreamOutput.TlsNonBlocking(channel, poller, watched, tls);
    }

    /** Drops the TCP connection; safe from any thread, at any time, more than once. */
    void close() {
        closed = true;
        Socket current = tcp;
        if (current != null) {
            closeQuietly(current);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // a socket that fails to close is gone either way
        }
    }
}
