package org.portico.xml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.xml.namespace.QName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link PlainElement} reads the documents and first-level stream elements of the plain kind exactly as Woodstox
 * does, and leaves every other one to it (XML 1.0 §2.4, §3, §4.1, §4.6; Namespaces in XML 1.0 §3–6; XEP-0124 §7
 * bodies; RFC 7395 §3.3 messages; RFC 6120 §4.7 the stream's scope).
 */
class PlainElementTest {

    /** Tight bounds, so that generated documents cross the depth, attribute and value limits. */
    private static final XmlLimits LIMITS = new XmlLimits(4096, 6, 8, 1024);
    private static final XmlParser PARSER = new XmlParser(LIMITS);
    private static final String HEADER = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
            + "xmlns:stream='http://etherx.jabber.org/streams' from='localhost' id='s1' version='1.0' xml:lang='en'>";

    @Test
    void readsAnEmptyLongPollAsTheParserDoes_XEP0124_7() throws XmlParseException {
        XmlElement body = read("<body rid='1573741820' sid='f0a9' xmlns='http://jabber.org/protocol/httpbind'/>");

        assertNotNull(body);
        assertEquals(new QName("http://jabber.org/protocol/httpbind", "body"), body.name());
        assertEquals("1573741820", body.attribute("rid").orElseThrow());
        assertEquals("f0a9", body.attribute("sid").orElseThrow());
        assertEquals(2, body.attributes().size(), "namespace declarations are not attributes");
        assertSameAsParser("<body rid='1573741820' sid='f0a9' xmlns='http://jabber.org/protocol/httpbind'/>");
    }

    @Test
    void readsASessionRequestWithPrefixedAndXmlAttributes_XEP0206_5() throws XmlParseException {
        String request = "<body content='text/xml; charset=utf-8' hold='1' rid='1' to='localhost' ver='1.6' wait='60'"
                + " xml:lang='en' xmpp:version='1.0' xmlns='http://jabber.org/protocol/httpbind'"
                + " xmlns:xmpp='urn:xmpp:xbosh'/>";
        XmlElement body = PlainElement.readDocument(request.getBytes(StandardCharsets.UTF_8), XmlLimits.DEFAULT);

        assertNotNull(body);
        assertEquals("1.0", body.attribute(new QName("urn:xmpp:xbosh", "version")).orElseThrow());
        assertEquals("en", body.attribute(new QName("http://www.w3.org/XML/1998/namespace", "lang")).orElseThrow());
        XmlParser parser = new XmlParser(XmlLimits.DEFAULT);
        assertEquals(canonical(parser.parse(request.getBytes(StandardCharsets.UTF_8), XmlLimits.DEFAULT.maxBytes())),
                canonical(body));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "<body rid='2' sid='f0a9' xmlns='http://jabber.org/protocol/httpbind'></body>",
        "<p:body rid='2' xmlns:p='http://jabber.org/protocol/httpbind'></p:body >",
        "<body a='>'></body>", // '>' may stand in a value
        "<body xmlns='http://jabber.org/protocol/httpbind' rid='3'><message xmlns='jabber:client' to='b@x' id='1'"
                + " type='chat'><body>hi &amp; &lt;bye&gt; &quot;&apos;</body><active"
                + " xmlns='http://jabber.org/protocol/chatstates'/></message></body>",
        "<message xmlns='jabber:client'><body>caf\u00e9 \u20ac \uD83D\uDE00 &#233;&#x1F600;</body></message>",
        "<message xmlns='jabber:client'><body>line\n\ttab</body>  <x xmlns=''/></message>",
        "<iq xmlns='jabber:client' type='set'><q:query xmlns:q='jabber:iq:roster'><q:item jid='a&#x40;b'"
                + " name='&#233;l&#xE8;ve'/></q:query></iq>",
        "<a xmlns:p='urn:p'><b xmlns:p='urn:q'><p:c/></b><p:c/></a>", // a prefix bound again inside
        "<r xmlns='urn:xmpp:sm:3'/>",
        "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>",
        "<m>a > b ]] > c ]></m>", // '>' in text, but not after "]]"
    })
    void readsWhatClientsAndServersWriteAsTheParserDoes(String document) throws XmlParseException {
        assertNotNull(read(document), document);
        assertSameAsParser(document);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "<?xml version='1.0'?><body/>", // declaration
        "\uFEFF<body/>", // byte-order mark
        "<m>a<!-- c --></m>", // comment
        "<m><![CDATA[x]]></m>", // CDATA section
        "<m><?pi x?></m>", // processing instruction
        "<m>a ]]> b</m>", // "]]>" in text: the parser's error
        "<m>cr\r\nlf</m>", // a carriage return to normalize
        "<m a='tab\there'/>", // white space to normalize in a value
        "<m>&nbsp;</m>", // not a predefined entity: the parser's error
        "<m>&#13;</m>", // a character reference to a carriage return
        "<m>&#1;</m>", // not a character of XML 1.0: the parser's error
        "<m>&#xD800;</m>", // a surrogate: the parser's error
        "<m>\u0085</m>", // XML 1.1's line end
        "<m>\u0001</m>", // a control character: the parser's error
        "<m a='1' a='2'/>", // repeated attribute: the parser's error
        "<m xmlns:p='urn:p' xmlns:q='urn:p' p:a='1' q:a='2'/>", // the same expanded name twice: the parser's error
        "<m p:a='1'/>", // unbound prefix: the parser's error
        "<p:m/>", // unbound element prefix: the parser's error
        "<xml:m/>", // a prefixed element in the XML namespace
        "<m xmlns:p=''/>", // an empty prefix binding: the parser's error
        "<m xmlns:xml='http://www.w3.org/XML/1998/namespace'/>", // a binding of a reserved prefix
        "<m/><m/>", // two roots
        "<m a='1'b='2'/>", // no space between attributes
        "<m></mx>", // another end tag: the parser's error
        "<m></p:m>", // another end tag: the parser's error
        "<m><n></m></n>", // overlapping elements: the parser's error
        "<caf\u00e9/>", // a name beyond ASCII
        "<m>", // no end
        "<m/>x", // text after the root
    })
    void leavesEverythingElseToTheParser(String document) {
        assertNull(read(document));
    }

    @Test
    void leavesBrokenUtf8ToTheParser() {
        byte[][] documents = {
            {'<', 'm', '>', (byte) 0xC0, (byte) 0xAF, '<', '/', 'm', '>'}, // an overlong '/'
            {'<', 'm', '>', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '<', '/', 'm', '>'}, // an encoded surrogate
            {'<', 'm', '>', (byte) 0xEF, (byte) 0xBF, (byte) 0xBE, '<', '/', 'm', '>'}, // U+FFFE
            {'<', 'm', '>', (byte) 0xE2, (byte) 0x82, '<', '/', 'm', '>'}, // a sequence cut short
            {'<', 'm', '>', (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80, '<', '/', 'm', '>'}, // > U+10FFFF
        };
        for (byte[] document : documents) {
            assertNull(PlainElement.readDocument(document, LIMITS), show(document));
        }
    }

    @Test
    void leavesAnElementNearALimitToTheParser() {
        StringBuilder tag = new StringBuilder("<m");
        for (int i = 0; i < LIMITS.maxAttributes(); i++) {
            tag.append(" a").append(i).append("='1'");
        }
        assertNull(read(tag.append("/>").toString()), "attributes");
        assertNull(read("<a><b><c><d><e><f/></e></d></c></b></a>"), "depth");
        assertNull(read("<m>" + "x".repeat(LIMITS.maxTextLength()) + "</m>"), "text");
    }

    @Test
    void readsAFirstLevelElementInTheScopeOfTheStreamHeader_RFC6120_4_7() throws XmlParseException {
        byte[] header = HEADER.getBytes(StandardCharsets.UTF_8);
        byte[] unit = " \n<message to='a@b' id='1'><body>x &amp; y</body></message>".getBytes(StandardCharsets.UTF_8);

        XmlElement message = firstLevel(header, unit);

        assertNotNull(message);
        assertEquals(new QName(Namespaces.JABBER_CLIENT, "message"), message.name(), "the stream's default namespace");
        assertEquals(canonical(PARSER.parseFirstLevelInDocument(header, unit, 0, unit.length)), canonical(message));

        byte[] features = "<stream:features/>".getBytes(StandardCharsets.UTF_8);
        XmlElement read = firstLevel(header, features);
        assertNotNull(read);
        assertEquals(new QName(Namespaces.STREAMS, "features", "stream"), read.name(), "the stream's prefix");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "<?xml version='1.0' encoding='UTF-16'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams'>",
        "<?xml version='1.1'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams'>",
        "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' a='x\ty'>",
    })
    void leavesTheElementsOfAStreamToTheParserWhenItsHeaderIsNotPlain(String header) {
        assertNull(PlainElement.bindingsOf(header.getBytes(StandardCharsets.UTF_8), LIMITS));
    }

    /**
     * 200,000 documents built from the pieces of bodies, stanzas and framing, half of them from pieces that are each
     * right, half from any, and one in twenty with an octet changed: where the reader answers, Woodstox accepts the
     * same octets and gives the same tree (names, prefixes, attributes and their order, text); where Woodstox
     * refuses, the reader never answered.
     */
    @Test
    void agreesWithTheParserOnGeneratedDocuments() {
        Random random = new Random(20261205);
        int read = 0;
        int leftToParser = 0;
        int refused = 0;
        for (int n = 0; n < 200_000; n++) {
            byte[] document = DocumentGenerator.document(random);
            if (document.length > LIMITS.maxBytes()) {
                continue; // parseDocument refuses it before either reads it
            }
            XmlElement plain = PlainElement.readDocument(document, LIMITS);
            XmlElement parsed;
            try {
                parsed = PARSER.parse(document, LIMITS.maxBytes());
            } catch (XmlParseException e) {
                if (plain != null) {
                    fail("read what the parser refuses (" + e.getMessage() + "): " + show(document));
                }
                refused++;
                continue;
            }
            if (plain == null) {
                leftToParser++;
            } else {
                assertEquals(canonical(parsed), canonical(plain), show(document));
                read++;
            }
        }
        assertTrue(read > 60_000 && leftToParser > 5_000 && refused > 50_000,
                "the generator covers all three outcomes: " + read + " read, " + leftToParser + " left, " + refused
                        + " refused");
    }

    /** The same for first-level elements after generated stream headers, against the parser's reading in a document. */
    @Test
    void agreesWithTheParserOnGeneratedFirstLevelElements() {
        Random random = new Random(20261206);
        int read = 0;
        int refused = 0;
        for (int n = 0; n < 100_000; n++) {
            byte[] header = DocumentGenerator.header(random);
            try {
                PARSER.streamScope(header);
            } catch (XmlParseException e) {
                continue; // the stream ends at a header the parser refuses: no element is read after it
            }
            byte[] unit = DocumentGenerator.document(random);
            XmlElement plain = firstLevel(header, unit);
            XmlElement parsed;
            try {
                parsed = PARSER.parseFirstLevelInDocument(header, unit, 0, unit.length);
            } catch (XmlParseException e) {
                if (plain != null) {
                    fail("read what the parser refuses (" + e.getMessage() + "): " + show(header) + show(unit));
                }
                refused++;
                continue;
            }
            if (plain != null) {
                assertEquals(canonical(parsed), canonical(plain), show(header) + show(unit));
                read++;
            }
        }
        assertTrue(read > 20_000 && refused > 40_000, read + " read, " + refused + " refused");
    }

    /** What the reader answers for a first-level element, in the scope of the header if that is plain. */
    static XmlElement firstLevel(byte[] header, byte[] unit) {
        String[] bindings = PlainElement.bindingsOf(header, LIMITS);
        return bindings == null ? null : PlainElement.readFirstLevel(bindings, unit, 0, unit.length, LIMITS);
    }

    private static XmlElement read(String document) {
        return PlainElement.readDocument(document.getBytes(StandardCharsets.UTF_8), LIMITS);
    }

    private static void assertSameAsParser(String document) throws XmlParseException {
        byte[] octets = document.getBytes(StandardCharsets.UTF_8);
        assertEquals(canonical(PARSER.parse(octets, LIMITS.maxBytes())),
                canonical(PlainElement.readDocument(octets, LIMITS)));
    }

    /** Everything a tree says, prefixes included (a {@link QName}'s equality leaves them out). */
    static String canonical(XmlElement element) {
        StringBuilder out = new StringBuilder();
        canonical(element, out);
        return out.toString();
    }

    private static void canonical(XmlElement element, StringBuilder out) {
        out.append('<').append(name(element.name()));
        for (Map.Entry<QName, String> attribute : element.attributes().entrySet()) {
            out.append(' ').append(name(attribute.getKey())).append("=[").append(attribute.getValue()).append(']');
        }
        out.append('>');
        for (XmlNode child : element.children()) {
            switch (child) {
                case XmlElement e -> canonical(e, out);
                case XmlText t -> out.append("text[").append(t.text()).append(']');
            }
        }
        out.append("</>");
    }

    private static String name(QName name) {
        return "{" + name.getNamespaceURI() + "}" + name.getPrefix() + "|" + name.getLocalPart();
    }

    static String show(byte[] document) {
        return new String(document, StandardCharsets.UTF_8).replace("\t", "\\t").replace("\n", "\\n")
                .replace("\r", "\\r");
    }

    /** Documents and stream headers from the pieces clients and servers write, and from pieces that are wrong. */
    static final class DocumentGenerator {

        private static final String[] BEFORE = {"", "", "", "", " ", "\n", "\r\n", "\t", "\uFEFF",
            "<?xml version='1.0'?>"};
        private static final String[] ELEMENTS = {"body", "message", "open", "a", "r", "xmlns", "p:body", "xml:x",
            "stream:stream", "1a", "_a", "a.b-c", "a:b:c", ":a", "caf\u00e9", ""};
        private static final String[] ATTRIBUTES = {"rid", "sid", "xmlns", "xmlns", "xmlns:xmpp", "xmpp:version",
            "xml:lang", "xmlns:xml", "xmlns:xmlns", "xmlns:p", "xmlns:q", "p:a", "q:a", "a", "a", "to", "a-b",
            "_x.1", "1x", "x\u00e9", "xmlns:", ":x", "a:b:c", "xmlnsx", "p:xmlns", "xmlns:stream"};
        private static final String[] VALUES = {"", "1", "42", "http://jabber.org/protocol/httpbind",
            "urn:xmpp:xbosh", "urn:p", "jabber:client", "http://www.w3.org/XML/1998/namespace",
            "http://www.w3.org/2000/xmlns/", "a<b", "a>b", "a&amp;b", "a&#x41;", "&#9;&#10;&#13;", "&#0;", "a&b",
            "&bogus;", "&#xFFFE;", "caf\u00e9", "\uD83D\uDE00", "tab\there", "line\nbreak", "cr\rhere", "q\"uote",
            "q'uote", "with space", "x".repeat(1023), "x".repeat(1024), "x".repeat(1100)};
        private static final String[] PLAIN_ELEMENTS = {"body", "message", "open", "a", "r", "xmpp:body", "p:x"};
        /** The plain documents' root declares the two prefixes these use. */
        private static final String[] PLAIN_ATTRIBUTES = {"rid", "sid", "xmlns", "xmpp:version", "xml:lang", "to",
            "a-b", "_x.1", "type", "h", "p:a"};
        private static final String[] PLAIN_VALUES = {"", "1", "42", "urn:xmpp:xbosh", "urn:p",
            "http://jabber.org/protocol/httpbind", "jabber:client", "with space", "a&amp;b&lt;&gt;&quot;&apos;",
            "&#233;&#x1F600;", "caf\u00e9 \u20ac", "x".repeat(1022)};
        private static final String[] TEXTS = {"", "", "hi", " ", "\n ", "a &amp; b", "&lt;x&gt;", "caf\u00e9",
            "\uD83D\uDE00", "&#233;&#x20AC;", "x]]y", "a > b", "tab\tand\nline"};
        private static final String[] ODD_TEXTS = {"a]]>b", "cr\r\n", "&nbsp;", "&#1;", "&#xD800;", "\u0085",
            "\u2028", "\u0001", "a&b", "<!-- c -->", "<![CDATA[x]]>", "<![CDATA[]]>", "<?pi?>", "&#13;", "&#X41;",
            "&#;", "&#x;", "x".repeat(1100), "\uFFFD", "\u007F", "\u00A0"};
        private static final String[] SEPARATORS = {" ", " ", " ", "", "\t", "\n", "\r\n", "  "};
        private static final String[] EQUALS = {"=", "=", "=", " = ", "\n=", "", "=="};
        private static final String[] ENDS = {"></NAME>", "></NAME >", "></NAME\n>", "></NAMEx>", "></x:NAME>",
            ">", ""};
        private static final String[] AFTER = {"", "", "", " ", "\n", "\r\n", "x", "<!-- c -->"};
        private static final String[] HEADERS = {
            "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"
                    + " id='s1' version='1.0' xml:lang='en'>",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<stream:stream xmlns:stream="
                    + "\"http://etherx.jabber.org/streams\" xmlns=\"jabber:client\" from=\"localhost\">",
            "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' xmlns:p='urn:p'>",
            "<s:stream xmlns:s='http://etherx.jabber.org/streams'>",
            "<?xml version='1.0' encoding='ISO-8859-1'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams'"
                    + " xmlns='jabber:client'>",
            "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"
                    + " xml:lang='caf\u00e9'>",
            "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client' a='&amp;'>",
        };

        private DocumentGenerator() {
        }

        static byte[] header(Random random) {
            return pick(random, HEADERS).getBytes(StandardCharsets.UTF_8);
        }

        static byte[] document(Random random) {
            boolean plain = random.nextBoolean();
            StringBuilder document = new StringBuilder(plain ? "" : pick(random, BEFORE));
            element(random, plain, document, 1 + random.nextInt(6));
            document.append(plain ? "" : pick(random, AFTER));
            byte[] octets = document.toString().getBytes(StandardCharsets.UTF_8);
            if (random.nextInt(20) == 0) {
                octets[random.nextInt(octets.length)] = (byte) random.nextInt(256);
            }
            return octets;
        }

        /** One element, with up to {@code depth - 1} levels inside it. */
        private static void element(Random random, boolean plain, StringBuilder out, int depth) {
            boolean odd = !plain && random.nextInt(4) == 0;
            String element = odd ? pick(random, ELEMENTS) : pick(random, PLAIN_ELEMENTS);
            out.append('<').append(element);
            if (plain && out.charAt(0) == '<' && out.indexOf("<", 1) < 0) {
                out.append(" xmlns:p='urn:p' xmlns:xmpp='urn:xmpp:xbosh'");
            }
            int attributes = random.nextInt(plain ? 5 : 9);
            List<String> names = new ArrayList<>(List.of(PLAIN_ATTRIBUTES));
            for (int i = 0; i < attributes; i++) {
                char quote = random.nextInt(4) == 0 ? '"' : '\'';
                boolean oddAttribute = !plain && random.nextInt(4) == 0;
                String name = oddAttribute ? pick(random, ATTRIBUTES) : names.remove(random.nextInt(names.size()));
                out.append(oddAttribute ? pick(random, SEPARATORS) : " ").append(name)
                        .append(oddAttribute ? pick(random, EQUALS) : "=").append(quote)
                        .append(oddAttribute ? pick(random, VALUES) : pick(random, PLAIN_VALUES)).append(quote);
            }
            int children = depth > 1 ? random.nextInt(4) : 0;
            if (children == 0 && random.nextBoolean()) {
                out.append(odd && random.nextInt(3) == 0 ? "" : "/>");
                return;
            }
            out.append('>');
            for (int c = 0; c < children; c++) {
                out.append(text(random, plain));
                element(random, plain, out, depth - 1);
            }
            out.append(text(random, plain));
            out.append((odd ? pick(random, ENDS) : "</NAME>").replace("NAME", element));
        }

        private static String text(Random random, boolean plain) {
            return !plain && random.nextInt(5) == 0 ? pick(random, ODD_TEXTS) : pick(random, TEXTS);
        }

        private static String pick(Random random, String[] choices) {
            return choices[random.nextInt(choices.length)];
        }
    }
}
