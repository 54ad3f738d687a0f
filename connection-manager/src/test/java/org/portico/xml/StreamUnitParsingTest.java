package org.portico.xml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A stream read a whole unit at a time (each found by {@link StreamFramer}, each parsed on its own in the scope of the
 * stream's header: {@link XmlParser#streamScope}, {@link XmlParser#parseFirstLevel}) means what the same bytes
 * mean to {@link XmlStreamParser} reading the stream through: the same events, the same trees (RFC 6120 §4: the
 * stream's default namespace and its prefixes apply to every first-level element).
 */
class StreamUnitParsingTest {

    private static final XmlParser PARSER = new XmlParser(XmlLimits.DEFAULT);
    private static final String HEADER = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
            + "xmlns:stream='http://etherx.jabber.org/streams' from='localhost' id='s1' version='1.0' xml:lang='en'>";

    @ParameterizedTest
    @ValueSource(strings = {
        HEADER + "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>"
                + " \n <message to='a@b' id='1'><body>x &amp; &lt;y&gt; &#233;</body></message>"
                + "<iq type='result' id='2'><query xmlns='jabber:iq:roster'><item jid='c@d'/></query></iq>"
                + "<presence/><r xmlns='urn:xmpp:sm:3'/></stream:stream>",
        // other prefixes, declared on the header and used by first-level elements
        "<?xml version='1.0' encoding='UTF-8'?><s:stream xmlns:s='http://etherx.jabber.org/streams' "
                + "xmlns='jabber:client' xmlns:x='urn:example:x' id='s2'><s:features/>"
                + "<message><x:data a='1'>é€😀</x:data><![CDATA[<not markup>]]></message></s:stream>",
        // a default namespace that differs inside the element
        HEADER + "<message><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='n'/></event>"
                + "</message></stream:stream>"
    })
    void unitsParsedOnTheirOwnGiveWhatTheStreamParserGives(String stream) throws Exception {
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        assertEquals(streamEvents(bytes), unitEvents(bytes));
    }

    @Test
    void anXml11HeaderIsRefusedAsTheStreamParserRefusesIt() {
        byte[] header = HEADER.replace("version='1.0'?>", "version='1.1'?>").getBytes(StandardCharsets.UTF_8);
        assertThrows(XmlParseException.class, () -> PARSER.streamScope(header));
    }

    @Test
    void anUndeclaredPrefixInAnElementIsRefused() throws XmlParseException {
        byte[] header = HEADER.getBytes(StandardCharsets.UTF_8);
        byte[] element = "<y:message/>".getBytes(StandardCharsets.UTF_8);
        StreamScope scope = PARSER.streamScope(header);
        assertThrows(XmlParseException.class, () -> PARSER.parseFirstLevel(scope, element, 0, element.length));
    }

    private static List<String> streamEvents(byte[] bytes) throws XmlParseException {
        XmlStreamParser parser = new XmlStreamParser(PARSER, new ByteArrayInputStream(bytes));
        List<String> events = new ArrayList<>();
        while (true) {
            XmlStreamParser.Event event = parser.next();
            events.add(describe(event));
            if (event instanceof XmlStreamParser.Closed || events.size() > 20) {
                return events;
            }
        }
    }

    private static List<String> unitEvents(byte[] bytes) throws XmlParseException {
        StreamFramer framer = new StreamFramer(XmlLimits.DEFAULT.maxBytes());
        List<String> events = new ArrayList<>();
        StreamScope scope = null;
        int from = 0;
        int end;
        while ((end = framer.scan(bytes, from, bytes.length)) >= 0) {
            XmlStreamParser.Event event = switch (framer.unit()) {
                case HEADER -> {
                    scope = PARSER.streamScope(Arrays.copyOfRange(bytes, from, end));
                    yield new XmlStreamParser.Opened(scope.header());
                }
                case ELEMENT -> new XmlStreamParser.Element(PARSER.parseFirstLevel(scope, bytes, from, end));
                case CLOSE -> new XmlStreamParser.Closed();
            };
            events.add(describe(event));
            from = end;
        }
        return events;
    }

    private static String describe(XmlStreamParser.Event event) {
        return switch (event) {
            case XmlStreamParser.Opened opened -> "opened " + opened.header();
            case XmlStreamParser.Element element -> "element " + element.element();
            case XmlStreamParser.Closed closed -> "closed";
        };
    }
}
