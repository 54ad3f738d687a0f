package org.portico.upstream;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLException;
import org.portico.upstream.UpstreamEnd.Reason;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlParseException;
import org.portico.xml.XmlStreamParser;
import org.portico.xml.XmlWriter;

/**
 * Opens the upstream stream and, as the target's {@link TlsPolicy} says, secures it with STARTTLS (RFC 6120 §5)
 * before the session sees anything: header out, header and features in; then, when TLS is wanted and offered,
 * {@code <starttls/>}, {@code <proceed/>}, the TLS handshake on the same socket, and a new stream whose header and
 * features are the ones reported. Runs on the reader thread, which owns the connection throughout. A route that
 * never uses TLS, for a session that never waits, has its opening read by the {@link UpstreamPoller} instead,
 * checked here event by event ({@link #openingHeader}, {@link #openingFeatures}).
 */
final class StartTls {

    /** The server's header and features of the stream the session will use. */
    record Opening(XmlElement header, XmlElement features) {
    }

    private static final byte[] STARTTLS = XmlWriter.write(XmlElement.of(Namespaces.TLS, "starttls"),
            XmlWriter.Scope.CLIENT_STREAM).getBytes(StandardCharsets.UTF_8);

    private StartTls() {
    }

    /**
     * @param header     our stream header, sent first and again after the handshake
     * @param domain     the XMPP domain: SNI name and the identity the certificate must show
     * @param tlsStarted records that STARTTLS began; false when the stream was closed meanwhile
     */
    static Opening negotiate(UpstreamConnection connection, byte[] header, String domain, UpstreamTls tls,
            BooleanSupplier tlsStarted) throws UpstreamFailure, IOException, XmlParseException {
        UpstreamRoute target = connection.target();
        connection.write(header);
        connection.startDocument();
        Opening first = readOpening(connection);
        boolean offered = first.features().child(Namespaces.TLS, "starttls").isPresent();
        if (target.tls() == TlsPolicy.DISABLED || (target.tls() == TlsPolicy.OPTIONAL && !offered)) {
            return first;
        }
        if (!offered) {
            throw new UpstreamFailure(Reason.CONNECTION_FAILED,
                    "STARTTLS is required but " + target.address() + " does not offer it");
        }
        if (!tlsStarted.getAsBoolean()) {
            throw new UpstreamFailure(Reason.CLOSED_BY_US, "closed while negotiating");
        }
        connection.write(STARTTLS);
        XmlElement answer = readElement(connection);
        if (answer.is(Namespaces.TLS, "failure")) {
            throw new UpstreamFailure(Reason.CONNECTION_FAILED, target.address() + " answered STARTTLS with failure");
        }
        if (!answer.is(Namespaces.TLS, "proceed")) {
            throw new UpstreamFailure(Reason.PROTOCOL_ERROR,
                    "expected <proceed/> from " + target.address() + ", got <" + answer.localName() + "/>");
        }
        try {
            connection.startTls(tls, domain);
        } catch (SSLException e) {
            throw new UpstreamFailure(Reason.CONNECTION_FAILED,
                    "TLS handshake with " + target.address() + " as " + domain + " failed: " + e.getMessage());
        }
        connection.write(header);
        connection.startDocument();
        return readOpening(connection);
    }

    private static Opening readOpening(UpstreamConnection connection)
            throws UpstreamFailure, XmlParseException {
        XmlElement header = openingHeader(connection.next(), connection);
        return new Opening(header, openingFeatures(connection.next(), connection));
    }

    /**
     * The server's first event of a document, which must open an XMPP stream; also for the {@link UpstreamReader}
     * reading a plain opening without waiting.
     */
    static XmlElement openingHeader(XmlStreamParser.Event event, UpstreamConnection connection)
            throws UpstreamFailure {
        XmlElement header = switch (event) {
            case XmlStreamParser.Opened opened -> opened.header();
            case XmlStreamParser.Element element -> throw new IllegalStateException("element before header");
            case XmlStreamParser.Closed closed -> throw closedEarly(connection);
        };
        if (!header.is(Namespaces.STREAMS, "stream")) {
            throw new UpstreamFailure(Reason.PROTOCOL_ERROR, connection.target().address()
                    + " did not open an XMPP stream: <" + header.localName() + " xmlns='" + header.namespace() + "'>");
        }
        return header;
    }

    /** The server's event after its header, which must be its features (RFC 6120 §4.3.2). */
    static XmlElement openingFeatures(XmlStreamParser.Event event, UpstreamConnection connection)
            throws UpstreamFailure {
        XmlElement features = element(event, connection);
        if (!features.is(Namespaces.STREAMS, "features")) {
            throw new UpstreamFailure(Reason.PROTOCOL_ERROR, "expected <stream:features/> from "
                    + connection.target().address() + ", got <" + features.localName() + "/>");
        }
        return features;
    }

    private static XmlElement readElement(UpstreamConnection connection) throws UpstreamFailure, XmlParseException {
        return element(connection.next(), connection);
    }

    private static XmlElement element(XmlStreamParser.Event event, UpstreamConnection connection)
            throws UpstreamFailure {
        return switch (event) {
            case XmlStreamParser.Element element when element.element().is(Namespaces.STREAMS, "error") ->
                    throw new UpstreamFailure(element.element());
            case XmlStreamParser.Element element -> element.element();
            case XmlStreamParser.Opened opened -> throw new IllegalStateException("second header in one document");
            case XmlStreamParser.Closed closed -> throw closedEarly(connection);
        };
    }

    private static UpstreamFailure closedEarly(UpstreamConnection connection) {
        return new UpstreamFailure(Reason.CONNECTION_FAILED,
                connection.target().address() + " closed the stream during negotiation");
    }
}
