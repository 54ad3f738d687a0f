package org.portico.xml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ctc.wstx.exc.WstxEOFException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import javax.xml.namespace.QName;
import org.junit.jupiter.api.Test;

/**
 * Reading an XMPP stream incrementally (RFC 6120 §4): the header, each top-level element as a tree, whitespace
 * keepalives skipped, a restart as a new document on the same bytes (§6.4.6 after SASL success), the end.
 */
class XmlStreamParserTest {

    private static final String HEADER = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
            + "xmlns:stream='http://etherx.jabber.org/streams' from='localhost' id='s1' version='1.0' "
            + "xml:lang='en'>";
    private static final XmlParser PARSER = new XmlParser(XmlLimits.DEFAULT);

    /**
     * Bytes as a socket delivers them: each read returns at most what one chunk still holds, so the parser can
     * never read ahead into a chunk the peer has "not sent yet".
     */
    private static final class Chunks extends InputStream {
        private final Deque<byte[]> chunks = new ArrayDeque<>();
        private byte[] current = new byte[0];
        private int position;

        Chunks(String... texts) {
            for (String text : texts) {
                chunks.add(text.getBytes(StandardCharsets.UTF_8));
            }
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            while (position == current.length) {
                if (chunks.isEmpty()) {
                    return -1;
                }
                current = chunks.poll();
                position = 0;
            }
            int n = Math.min(length, current.length - position);
            System.arraycopy(current, position, buffer, offset, n);
            position += n;
            return n;
        }
    }

    private static XmlElement element(XmlStreamParser.Event event) {
        return assertInstanceOf(XmlStreamParser.Element.class, event).element();
    }

    @Test
    void theHeaderIsReportedWithItsAttributesAndNoChildren() throws Exception {
        XmlStreamParser stream = new XmlStreamParser(PARSER, new Chunks(HEADER));
        XmlElement header = assertInstanceOf(XmlStreamParser.Opened.class, stream.next()).header();

        assertEquals(new QName(Namespaces.STREAMS, "stream"), header.name());
        assertEquals("localhost", header.attribute("from").orElseThrow());
        assertEquals("s1", header.attribute("id").orElseThrow());
        assertEquals("1.0", header.attribute("version").orElseThrow());
        assertEquals("en", header.attribute(new QName(Namespaces.XML, "lang")).orElseThrow());
        assertEquals(List.of(), header.children());
    }

    @Test
    void eachTopLevelElementIsOneTreeAndWhitespaceKeepalivesAreSkipped() throws Exception {
        XmlStreamParser stream = new XmlStreamParser(PARSER, new Chunks(HEADER,
                "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN"
                        + "</mechanism></mechanisms></stream:features>",
                " ", "\n", "  \n",
                "<message from='a@localhost' to='b@localhost'><body>hi</body></message>",
                " "));
        stream.next();

        XmlElement features = element(stream.next());
        XmlElement message = element(stream.next());

        assertTrue(features.is(Namespaces.STREAMS, "features"));
        assertEquals("PLAIN", features.child(Namespaces.SASL, "mechanisms").orElseThrow()
                .child(Namespaces.SASL, "mechanism").orElseThrow().text());
        assertTrue(message.is(Namespaces.JABBER_CLIENT, "message"), "stanzas inherit jabber:client");
        assertEquals("hi", message.child(Namespaces.JABBER_CLIENT, "body").orElseThrow().text());
    }

    @Test
    void anElementSplitOverManyReadsIsAssembledWhole() throws Exception {
        String message = "<message to='b@localhost'><body>split across reads</body></message>";
        String[] chunks = new String[message.length() + 1];
        chunks[0] = HEADER;
        for (int i = 0; i < message.length(); i++) {
            chunks[i + 1] = message.substring(i, i + 1);
        }
        XmlStreamParser stream = new XmlStreamParser(PARSER, new Chunks(chunks));
        stream.next();

        assertEquals("split across reads", element(stream.next()).child(Namespaces.JABBER_CLIENT, "body")
                .orElseThrow().text());
    }

    @Test
    void aRestartAfterSaslSuccessReadsTheNewHeaderOnTheSameBytes_RFC6120_6_4_6() throws Exception {
        Chunks socket = new Chunks(HEADER, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>",
                HEADER.replace("id='s1'", "id='s2'"),
                "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>");
        XmlStreamParser stream = new XmlStreamParser(PARSER, socket);
        stream.next();
        assertTrue(element(stream.next()).is(Namespaces.SASL, "success"));

        stream.restart(socket);

        XmlElement header = assertInstanceOf(XmlStreamParser.Opened.class, stream.next()).header();
        assertEquals("s2", header.attribute("id").orElseThrow());
        assertTrue(element(stream.next()).child(Namespaces.BIND, "bind").isPresent());
        assertTrue(stream.input() == socket);
    }

    @Test
    void aRestartOnANewInputFollowsTlsNegotiation() throws Exception {
        XmlStreamParser stream = new XmlStreamParser(PARSER, new Chunks(HEADER,
                "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"));
        stream.next();
        assertTrue(element(stream.next()).is(Namespaces.TLS, "proceed"));
        InputStream tls = new ByteArrayInputStream((HEADER + "<stream:features/>").getBytes(StandardCharsets.UTF_8));

        stream.restart(tls);

        assertInstanceOf(XmlStreamParser.Opened.class, stream.next());
        assertTrue(element(stream.next()).is(Namespaces.STREAMS, "features"));
        assertTrue(stream.input() == tls);
    }

    @Test
    void theClosingTagEndsTheStream() throws Exception {
        XmlStreamParser stream = new XmlStreamParser(PARSER, new Chunks(HEADER, "<message/>", "</stream:stream>"));
        stream.next();
        element(stream.next());

        assertInstanceOf(XmlStreamParser.Closed.class, stream.next());
    }

    @Test
    void theEndOfInputBeforeAnyStreamIsRefusedAsAnEof() throws Exception {
        XmlStreamParser stream = new XmlStreamParser(PARSER, new Chunks("<?xml version='1.0'?>"));

        XmlParseException eof = assertThrows(XmlParseException.class, stream::next);
        assertInstanceOf(WstxEOFException.class, eof.getCause());
    }

    /** The upstream reader tells an abrupt close from bad XML by this cause (UpstreamStream#unreadable). */
    @Test
    void theEndOfInputInsideTheStreamIsRefusedAsAnEofTheOwnerCanRecognise() throws Exception {
        XmlStreamParser stream = new XmlStreamParser(PARSER, new Chunks(HEADER, "<message/>"));
        stream.next();
        element(stream.next());

        XmlParseException eof = assertThrows(XmlParseException.class, stream::next);
        assertInstanceOf(WstxEOFException.class, eof.getCause());
    }

    @Test
    void aTopLevelElementLargerThanMaxBytesIsRefused() throws Exception {
        XmlStreamParser stream = new XmlStreamParser(new XmlParser(new XmlLimits(4096, 16, 16, 1024)),
                new Chunks(HEADER, "<message>" + ("<b>" + "x".repeat(1000) + "</b>").repeat(5) + "</message>"));
        stream.next();

        XmlParseException refused = assertThrows(XmlParseException.class, stream::next);
        assertTrue(refused.getMessage().contains("size limit"), refused.getMessage());
    }

    @Test
    void aDtdInTheStreamIsRefused() throws Exception {
        XmlStreamParser stream = new XmlStreamParser(PARSER, new Chunks("<?xml version='1.0'?><!DOCTYPE x ["
                + "<!ENTITY a 'b'>]>", HEADER.substring(HEADER.indexOf("<stream"))));

        assertThrows(XmlParseException.class, stream::next);
    }

    @Test
    void malformedInputIsAParseException() throws Exception {
        XmlStreamParser stream = new XmlStreamParser(PARSER, new Chunks(HEADER, "<message></iq>"));
        stream.next();

        assertThrows(XmlParseException.class, stream::next);
    }

    /** RFC 6120 §11: XMPP is XML 1.0; what an XML 1.1 server could send cannot be relayed to an XML 1.0 client. */
    @Test
    void anXml11StreamIsRefused() {
        XmlStreamParser stream = new XmlStreamParser(PARSER,
                new Chunks(HEADER.replace("version='1.0'?>", "version='1.1'?>")));

        assertThrows(XmlParseException.class, stream::next);
    }
}
