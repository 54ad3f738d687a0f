package org.portico.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.StringJoiner;
import javax.net.ssl.SSLSocket;
import org.portico.xml.XmlParseException;
import org.portico.xml.XmlParser;
import org.portico.xml.XmlStreamParser;
import org.portico.xml.XmlWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP connection under one upstream stream, the TLS layered on it, and the incremental parser reading it.
 *
 * <p>Ownership: everything here belongs to the stream's reader thread, except {@link #close}, which any thread may
 * call to drop the connection at once (it closes the TCP socket, never the {@link SSLSocket}, whose close would wait
 * for a writer stuck on a stalled server). After {@link #output} is handed to the writer, the reader no longer
 * writes.
 *
 * <p>Woodstox reads with {@link InputStream#read(byte[], int, int)} and parses whatever that call returned, so
 * {@link #next} returns an element as soon as its end tag has arrived and never waits for bytes the event does not
 * need: a stanza followed by silence is delivered at once
 * ({@code UpstreamStreamTest.aStanzaFollowedBySilenceIsDeliveredWithoutWaitingForMoreBytes}). The one eager read is
 * at the start of each document, where Woodstox needs the first bytes to detect the encoding; that is why
 * {@link #startDocument} is called only once the server is about to send a new header. It also means an old
 * parser has not buffered anything past the last element it returned, so a restart loses no bytes.
 */
final class UpstreamConnection {

    private static final Logger WIRE = LoggerFactory.getLogger("portico.wire");

    private final String label;
    /** The session's client address, named in a PROXY protocol header; null when unknown. */
    private final String client;
    private final Duration connectTimeout;
    private final XmlParser xmlParser;

    private volatile Socket tcp;
    private volatile boolean closed;

    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private UpstreamRoute target;
    private XmlStreamParser parser;

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
                Socket attempt = new Socket();
                tcp = attempt;
                try {
                    if (closed) {
                        throw new SocketException("closed while connecting");
                    }
                    attempt.setTcpNoDelay(true);
                    attempt.connect(new InetSocketAddress(address, candidate.port()), (int) connectTimeout.toMillis());
                    attempt.setSoTimeout((int) connectTimeout.toMillis());
                    socket = attempt;
                    in = attempt.getInputStream();
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
        return socket instanceof SSLSocket;
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
    void startDocument() throws XmlParseException {
        if (parser == null) {
            parser = new XmlStreamParser(xmlParser, in);
        } else {
            parser.restart(in);
        }
    }

    XmlStreamParser.Event next() throws XmlParseException {
        XmlStreamParser.Event event = parser.next();
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

    /** Replaces the plain streams with TLS ones after {@code <proceed/>}; the caller then restarts the stream. */
    void startTls(UpstreamTls tls, String domain) throws IOException {
        SSLSocket secured = tls.layer(socket, domain);
        secured.startHandshake();
        socket = secured;
        in = secured.getInputStream();
        out = secured.getOutputStream();
    }

    /** Negotiation reads time out after the connect timeout; an open stream waits as long as the server is silent. */
    void negotiated() throws SocketException {
        socket.setSoTimeout(0);
    }

    /** Hands the output over to the writer. */
    OutputStream output() {
        return out;
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
