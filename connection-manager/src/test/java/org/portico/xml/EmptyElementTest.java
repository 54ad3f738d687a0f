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
 * {@link EmptyElement} reads the documents that are one plain empty element exactly as Woodstox does, and leaves
 * every other document to it (XML 1.0 §3.1 [40], [42], [44]; Namespaces in XML 1.0 §3, §5–6; XEP-0124 §7 bodies).
 */
class EmptyElementTest {

    /** Tight bounds, so that generated documents cross the attribute and value limits. */
    private static final XmlLimits LIMITS = new XmlLimits(4096, 6, 8, 1024);
    private static final XmlParser PARSER = new XmlParser(LIMITS);

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

    @ParameterizedTest
    @ValueSource(strings = {
            "<body rid='2' sid='f0a9' xmlns='http://jabber.org/protocol/httpbind'></body>",
            "<body rid='2' xmlns='http://jabber.org/protocol/httpbind'></body >",
            "<p:body rid='2' xmlns:p='http://jabber.org/protocol/httpbind'></p:body>",
            "<body></body>",
            "<body a='>'></body>", // '>' may stand in a value
    })
    void readsAStartTagDirectlyFollowedByItsEndTagAsTheEmptyElementItIs_XML_3_1(String document)
            throws XmlParseException {
        assertNotNull(read(document));
        assertSameAsParser(document);
    }

    @Test
    void readsASessionRequestWithPrefixedAndXmlAttributes_XEP0206_5() throws XmlParseException {
        String request = "<body content='text/xml; charset=utf-8' hold='1' rid='1' to='localhost' ver='1.6' wait='60'"
                + " xml:lang='en' xmpp:version='1.0' xmlns='http://jabber.org/protocol/httpbind'"
                + " xmlns:xmpp='urn:xmpp:xbosh'/>";
        XmlElement body = EmptyElement.read(request.getBytes(StandardCharsets.UTF_8), XmlLimits.DEFAULT);

        assertNotNull(body);
        assertEquals("1.0", body.attribute(new QName("urn:xmpp:xbosh", "version")).orElseThrow());
        assertEquals("en", body.attribute(new QName("http://www.w3.org/XML/1998/namespace", "lang")).orElseThrow());
        XmlParser parser = new XmlParser(XmlLimits.DEFAULT);
        assertEquals(canonical(parser.parse(request.getBytes(StandardCharsets.UTF_8), XmlLimits.DEFAULT.maxBytes())),
                canonical(body));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "<body xmlns='http://jabber.org/protocol/httpbind' rid='1'><presence/></body>", // content
            "<?xml version='1.0'?><body/>", // declaration
            "\uFEFF<body/>", // byte-order mark
            "<body a='&amp;'/>", // entity reference
            "<body a='&#65;'/>", // character reference
            "<body a='tab\there'/>", // white space to normalize
            "<body a='caf\u00e9'/>", // beyond ASCII
            "<body a='1' a='2'/>", // repeated attribute: the parser's error
            "<body p:a='1'/>", // unbound prefix: the parser's error
            "<p:body/>", // a prefixed element
            "<body xmlns:p=''/>", // an empty prefix binding: the parser's error
            "<body/><body/>", // two roots
            "<body a='1'b='2'/>", // no space between attributes
            "<body> </body>", // white space is content: a text node
            "<body></bodyx>", // another end tag: the parser's error
            "<body></p:body>", // another end tag: the parser's error
    })
    void leavesEverythingElseToTheParser(String document) {
        assertNull(EmptyElement.read(document.getBytes(StandardCharsets.UTF_8), LIMITS));
    }

    @Test
    void leavesAnElementNearTheAttributeLimitToTheParser() {
        StringBuilder tag = new StringBuilder("<body");
        for (int i = 0; i < LIMITS.maxAttributes(); i++) {
            tag.append(" a").append(i).append("='1'");
        }
        assertNull(EmptyElement.read(tag.append("/>").toString().getBytes(StandardCharsets.US_ASCII), LIMITS));
    }

    /**
     * 200,000 documents built from the pieces of bodies and framing elements, half of them from pieces that are
     * each right, half from any: where the shortcut
     * answers, Woodstox accepts the same octets and gives the same names, prefixes, attributes and order; where
     * Woodstox refuses, the shortcut never answered.
     */
    @Test
    void agreesWithTheParserOnGeneratedDocuments() {
        Random random = new Random(20261205);
        int read = 0;
        int leftToParser = 0;
        int refused = 0;
        for (int n = 0; n < 200_000; n++) {
            byte[] document = generate(random);
            if (document.length > LIMITS.maxBytes()) {
                continue; // parseDocument refuses it before either reads it
            }
            XmlElement shortcut = EmptyElement.read(document, LIMITS);
            XmlElement parsed;
            try {
                parsed = PARSER.parse(document, LIMITS.maxBytes());
            } catch (XmlParseException e) {
                if (shortcut != null) {
                    fail("read what the parser refuses (" + e.getMessage() + "): " + show(document));
                }
                refused++;
                continue;
            }
            if (shortcut == null) {
                leftToParser++;
            } else {
                assertEquals(canonical(parsed), canonical(shortcut), show(document));
                read++;
            }
        }
        assertTrue(read > 40_000 && leftToParser > 500 && refused > 100_000,
                "the generator covers all three outcomes: " + read + " read, " + leftToParser + " left, " + refused
                        + " refused");
    }

    private static XmlElement read(String document) {
        return EmptyElement.read(document.getBytes(StandardCharsets.UTF_8), LIMITS);
    }

    private static void assertSameAsParser(String document) throws XmlParseException {
        byte[] octets = document.getBytes(StandardCharsets.UTF_8);
        assertEquals(canonical(PARSER.parse(octets, LIMITS.maxBytes())),
                canonical(EmptyElement.read(octets, LIMITS)));
    }

    /** Everything a tree says, prefixes included (a {@link QName}'s equality leaves them out). */
    private static String canonical(XmlElement element) {
        StringBuilder out = new StringBuilder(name(element.name()));
        for (Map.Entry<QName, String> attribute : element.attributes().entrySet()) {
            out.append(' ').append(name(attribute.getKey())).append("=[").append(attribute.getValue()).append(']');
        }
        return out.append(" children=").append(element.children().size()).toString();
    }

    private static String name(QName name) {
        return "{" + name.getNamespaceURI() + "}" + name.getPrefix() + "|" + name.getLocalPart();
    }

    private static String show(byte[] document) {
        return new String(document, StandardCharsets.UTF_8).replace("\t", "\\t").replace("\n", "\\n")
                .replace("\r", "\\r");
    }

    private static final String[] BEFORE = {"", "", "", " ", "\n", "\r\n", "\t", "\uFEFF", "<?xml version='1.0'?>"};
    private static final String[] ELEMENTS = {"body", "body", "open", "close", "a", "r", "xmlns", "p:body", "xml:x",
        "stream:stream", "1a", "_a", "a.b-c", "a:b:c", ":a", "caf\u00e9", ""};
    private static final String[] ATTRIBUTES = {"rid", "sid", "xmlns", "xmlns", "xmlns:xmpp", "xmpp:version",
        "xml:lang", "xmlns:xml", "xmlns:xmlns", "xmlns:p", "xmlns:q", "p:a", "q:a", "a", "a", "to", "a-b", "_x.1",
        "1x", "x\u00e9", "xmlns:", ":x", "a:b:c", "xmlnsx", "p:xmlns"};
    private static final String[] VALUES = {"", "1", "42", "http://jabber.org/protocol/httpbind", "urn:xmpp:xbosh",
        "urn:xmpp:framing", "urn:p", "http://www.w3.org/XML/1998/namespace", "http://www.w3.org/2000/xmlns/", "a<b",
        "a&amp;b", "a&#x41;", "a&b", "caf\u00e9", "tab\there", "line\nbreak", "cr\rhere", "q\"uote", "q'uote",
        "with space", "x".repeat(1023), "x".repeat(1024), "x".repeat(1100)};
    private static final String[] PLAIN_ELEMENTS = {"body", "open", "close", "a", "r", "xmpp:body"};
    private static final String[] PLAIN_ATTRIBUTES = {"rid", "sid", "xmlns", "xmlns:xmpp", "xmpp:version", "xml:lang",
        "to", "a-b", "_x.1", "type", "h", "xmlns:p", "p:a"};
    private static final String[] PLAIN_VALUES = {"", "1", "42", "urn:xmpp:xbosh",
        "http://jabber.org/protocol/httpbind", "urn:ietf:params:xml:ns:xmpp-framing", "with space", "terminate",
        "x".repeat(1022)};
    private static final String[] SEPARATORS = {" ", " ", " ", "", "\t", "\n", "\r\n", "  "};
    private static final String[] EQUALS = {"=", "=", "=", " = ", "\n=", "", "=="};
    private static final String[] PLAIN_ENDS = {"/>", "/>", " />", "></NAME>", "></NAME >", "></NAME\n>"};
    private static final String[] ENDS = {"/>", "/>", "/>", " />", "\n/>", ">", "/ >", "></body>", "></NAME>",
        "> </NAME>", "><x/></NAME>", "></NAMEx>", "></x:NAME>", "/>junk", "/><x/>", "", "/"};
    private static final String[] AFTER = {"", "", "", " ", "\n", "\r\n", "x", "<!-- c -->"};

    private static byte[] generate(Random random) {
        boolean plain = random.nextBoolean();
        String element = plain ? pick(random, PLAIN_ELEMENTS) : pick(random, ELEMENTS);
        StringBuilder document = new StringBuilder(plain ? "" : pick(random, BEFORE)).append('<').append(element);
        int attributes = random.nextInt(plain ? 7 : 11);
        List<String> names = new ArrayList<>(List.of(PLAIN_ATTRIBUTES));
        for (int i = 0; i < attributes; i++) {
            char quote = random.nextInt(4) == 0 ? '"' : '\'';
            String name = plain ? names.remove(random.nextInt(names.size())) : pick(random, ATTRIBUTES);
            document.append(plain ? " " : pick(random, SEPARATORS)).append(name)
                    .append(plain ? "=" : pick(random, EQUALS)).append(quote)
                    .append(plain ? pick(random, PLAIN_VALUES) : pick(random, VALUES)).append(quote);
        }
        String end = (plain ? pick(random, PLAIN_ENDS) : pick(random, ENDS)).replace("NAME", element);
        document.append(end).append(plain ? "" : pick(random, AFTER));
        byte[] octets = document.toString().getBytes(StandardCharsets.UTF_8);
        if (random.nextInt(20) == 0) {
            octets[random.nextInt(octets.length)] = (byte) random.nextInt(256);
        }
        return octets;
    }

    private static String pick(Random random, String[] choices) {
        return choices[random.nextInt(choices.length)];
    }
}
