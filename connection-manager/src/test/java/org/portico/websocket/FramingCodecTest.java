package org.portico.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.namespace.QName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.portico.websocket.FramingCodec.ClientFrame;
import org.portico.websocket.FramingCodec.FramingException;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlLimits;
import org.portico.xml.XmlParser;
import org.portico.xml.XmlStreamParser;

/** RFC 7395 §3.3–§3.7 framing, both directions. */
class FramingCodecTest {

    private static final XmlParser PARSER = new XmlParser(XmlLimits.DEFAULT);
    private static final String FRAMING = Namespaces.FRAMING;
    private final FramingCodec codec = new FramingCodec(PARSER);

    private static XmlElement reparse(String frame) throws Exception {
        return PARSER.parseDocument(frame.getBytes(StandardCharsets.UTF_8));
    }

    // --- client to Portico ---

    @Test
    void anOpenCarriesTheRfc6120HeaderAttributes_R85_R87() throws Exception {
        ClientFrame frame = codec.parse("<open xmlns='" + FRAMING + "' to='example.com' from='juliet@example.com'"
                + " xml:lang='en' version='1.0'/>");

        FramingCodec.Open open = assertInstanceOf(FramingCodec.Open.class, frame);
        assertEquals("example.com", open.header().to());
        assertEquals("juliet@example.com", open.header().from());
        assertEquals("en", open.header().lang());
        assertEquals("1.0", open.header().version());
        assertFalse(open.asksToResume());
    }

    @Test
    void anOpenMayPresentAResumeTokenAndCount() throws Exception {
        FramingCodec.Open open = assertInstanceOf(FramingCodec.Open.class, codec.parse("<open xmlns='" + FRAMING
                + "' to='localhost' version='1.0' xmlns:resume='urn:portico:resume:0' resume:token='a.b'"
                + " resume:h='7'/>"));

        assertTrue(open.asksToResume());
        assertEquals("a.b", open.resumeToken());
        assertEquals("7", open.resumeH());
    }

    @Test
    void anOpenWithoutToIsHostUnknown_RFC6120_4_7_2() throws Exception {
        FramingCodec.Open open = assertInstanceOf(FramingCodec.Open.class,
                codec.parse("<open xmlns='" + FRAMING + "' version='1.0'/>"));

        FramingException e = assertThrows(FramingException.class, open::header);
        assertEquals(StreamErrorCondition.HOST_UNKNOWN, e.condition());
    }

    @Test
    void aCloseIsRecognised_R90() throws Exception {
        assertInstanceOf(FramingCodec.Close.class, codec.parse("<close xmlns='" + FRAMING + "'/>"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "<open xmlns='jabber:client' to='example.com' version='1.0'/>",
            "<open to='example.com' version='1.0'/>",
            "<close xmlns='http://etherx.jabber.org/streams'/>",
            "<close/>",
            "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'/>"})
    void streamHeadersOutsideTheFramingNamespaceAreInvalidNamespace_R85(String message) {
        FramingException e = assertThrows(FramingException.class, () -> codec.parse(message));

        assertEquals(StreamErrorCondition.INVALID_NAMESPACE, e.condition());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "<message xmlns='jabber:client'",
            "hello",
            "<a xmlns='x'/><b xmlns='x'/>",
            "<!DOCTYPE foo><foo/>",
            "<!-- note --><message xmlns='jabber:client'/>",
            "<?xml version='1.0'?><?pi x?><message xmlns='jabber:client'/>",
            "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' to='example.com'>"})
    void aMessageThatIsNotOneWellFormedElementIsNotWellFormed_R86(String message) {
        FramingException e = assertThrows(FramingException.class, () -> codec.parse(message));

        assertEquals(StreamErrorCondition.NOT_WELL_FORMED, e.condition());
    }

    @Test
    void aStanzaKeepsItsNamespaces_R86() throws Exception {
        FramingCodec.Element element = assertInstanceOf(FramingCodec.Element.class, codec.parse(
                "<iq xmlns='jabber:client' type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>"));

        assertTrue(element.element().is(Namespaces.JABBER_CLIENT, "iq"));
        assertTrue(element.element().child("jabber:iq:roster", "query").isPresent());
    }

    @Test
    void aStanzaWithoutANamespaceIsTakenAsJabberClientAsOverBosh() throws Exception {
        FramingCodec.Element element = assertInstanceOf(FramingCodec.Element.class, codec.parse(
                "<message to='romeo@example.net'><body>hi</body><x xmlns='jabber:x:oob'><url>u</url></x></message>"));

        XmlElement message = element.element();
        assertTrue(message.is(Namespaces.JABBER_CLIENT, "message"));
        assertTrue(message.child(Namespaces.JABBER_CLIENT, "body").isPresent(), "children inherit it too");
        assertTrue(message.child("jabber:x:oob", "x").orElseThrow().child("jabber:x:oob", "url").isPresent(),
                "declared namespaces are kept");
    }

    @Test
    void aWhitespaceMessageIsIgnored_R94() throws Exception {
        assertInstanceOf(FramingCodec.Blank.class, codec.parse(" \n "));
    }

    // --- Portico to client ---

    @Test
    void theServerHeaderBecomesAnOpenInTheFramingNamespace_R87() throws Exception {
        XmlElement header = new XmlElement(new QName(Namespaces.STREAMS, "stream", "stream"), Map.of(
                new QName("from"), "example.com", new QName("id"), "++TR84Sm6A3hnt3Q065SnAbbk3Y=",
                new QName("version"), "1.0", FramingCodec.XML_LANG, "en"), List.of());

        String frame = FramingCodec.open(header, Map.of(FramingCodec.RESUME_TOKEN, "abc.def"));

        assertTrue(frame.startsWith("<open"), "the first character is '<' and no XML declaration (R86)");
        XmlElement open = reparse(frame);
        assertTrue(open.is(FRAMING, "open"));
        assertEquals("example.com", open.attribute("from").orElse(null));
        assertEquals("++TR84Sm6A3hnt3Q065SnAbbk3Y=", open.attribute("id").orElse(null));
        assertEquals("1.0", open.attribute("version").orElse(null));
        assertEquals("en", open.attribute(FramingCodec.XML_LANG).orElse(null));
        assertEquals("abc.def", open.attribute(new QName(Namespaces.PORTICO_RESUME, "token")).orElse(null),
                "the resume namespace is declared on the open itself");
    }

    @Test
    void closeAndSeeOtherUri_R90_R92() throws Exception {
        assertTrue(reparse(FramingCodec.close()).is(FRAMING, "close"));
        XmlElement redirect = reparse(FramingCodec.close("wss://other.example/xmpp-websocket"));
        assertTrue(redirect.is(FRAMING, "close"));
        assertEquals("wss://other.example/xmpp-websocket", redirect.attribute("see-other-uri").orElse(null));
    }

    /**
     * R86: elements read from a TCP stream, where {@code jabber:client} and the {@code stream} prefix are declared
     * once on the header, each become a message that parses alone into the same namespaces.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            stream:features prefixed    | <stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features> | <stream:features xmlns:stream="http://etherx.jabber.org/streams">
            stream:error prefixed       | <stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>                               | <stream:error xmlns:stream="http://etherx.jabber.org/streams">
            error unprefixed            | <error xmlns='http://etherx.jabber.org/streams'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></error>    | <error xmlns="http://etherx.jabber.org/streams">
            message in default ns       | <message from='a@localhost/r' to='b@localhost'><body>hi</body></message>                                           | <message from="a@localhost/r" to="b@localhost" xml:lang="en" xmlns="jabber:client">
            sasl success                | <success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>                                                                 | <success xmlns="urn:ietf:params:xml:ns:xmpp-sasl"/>
            prefixed payload            | <iq type='result' id='1'><p:pubsub xmlns:p='http://jabber.org/protocol/pubsub'><p:items node='n'/></p:pubsub></iq> | <iq type="result" id="1" xml:lang="en" xmlns="jabber:client">
            """)
    void upstreamElementsBecomeStandaloneMessages_R86(String name, String inStream, String expectedStart)
            throws Exception {
        String stream = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='"
                + Namespaces.STREAMS + "' xml:lang='en' id='s1' from='localhost' version='1.0'>" + inStream;
        XmlStreamParser parser = new XmlStreamParser(PARSER, new ByteArrayInputStream(
                stream.getBytes(StandardCharsets.UTF_8)));
        assertInstanceOf(XmlStreamParser.Opened.class, parser.next());
        XmlElement element = ((XmlStreamParser.Element) parser.next()).element();

        String frame = FramingCodec.element(element, "en");

        assertTrue(frame.startsWith(expectedStart), frame);
        XmlElement alone = reparse(frame);
        assertEquals(element.name(), alone.name(), "same namespace and name when parsed alone");
        assertEquals(namespaces(element), namespaces(alone), "every descendant keeps its namespace");
    }

    private static List<QName> namespaces(XmlElement element) {
        List<QName> names = new ArrayList<>();
        names.add(element.name());
        for (XmlElement child : element.childElements()) {
            names.addAll(namespaces(child));
        }
        return names;
    }

    @ParameterizedTest(name = "{0} in a stream of lang {1}: {2}")
    @CsvSource(nullValues = "-", quoteCharacter = '`', textBlock = """
            <message xmlns='jabber:client'/>,              en, en
            <message xmlns='jabber:client' xml:lang='de'/>, en, de
            <presence xmlns='jabber:client'/>,             fr, fr
            <iq xmlns='jabber:client' type='get'/>,        en, en
            <message xmlns='jabber:client'/>,              -,  -
            <r xmlns='urn:xmpp:sm:3'/>,                    en, -
            """)
    void stanzasInheritingTheStreamLanguageGetItExplicitly_R86(String element, String streamLang, String expected)
            throws Exception {
        XmlElement framed = reparse(FramingCodec.element(reparse(element), streamLang));

        assertEquals(expected, framed.attribute(FramingCodec.XML_LANG).orElse(null));
    }

    @Test
    void aStreamErrorIsOneStandaloneElement_R89() throws Exception {
        XmlElement error = reparse(FramingCodec.element(StreamErrorCondition.INVALID_NAMESPACE.element("why"), "en"));

        assertTrue(error.is(Namespaces.STREAMS, "error"));
        assertTrue(error.child(Namespaces.STREAM_ERRORS, "invalid-namespace").isPresent());
        assertEquals("why", error.child(Namespaces.STREAM_ERRORS, "text").orElseThrow().text());
        assertTrue(error.attribute(FramingCodec.XML_LANG).isEmpty(), "not a stanza: no language added");
    }

    @Test
    void theOpenBeforeAnErrorNamesTheRequestedDomain_R89() throws Exception {
        XmlElement open = reparse(FramingCodec.openBeforeError("example.com"));

        assertTrue(open.is(FRAMING, "open"));
        assertEquals("example.com", open.attribute("from").orElse(null));
        assertEquals("1.0", open.attribute("version").orElse(null));
        assertTrue(reparse(FramingCodec.openBeforeError(null)).attribute("from").isEmpty());
    }
}
