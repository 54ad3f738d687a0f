package org.portico.xml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.xml.namespace.QName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What {@link XmlParser#parseDocument} accepts from an untrusted peer, and what it refuses (issue 2 "bad input";
 * XEP-0124 §6 and R6: no comments, PIs, DTDs or non-predefined entity references; §19 security). Each row is a
 * document and its expected outcome; refusals are always an {@link XmlParseException}, never another exception and
 * never an expansion.
 */
class XmlParserTest {

    private static final String BODY = "<body xmlns='http://jabber.org/protocol/httpbind' rid='1'>";
    private static final String END = "</body>";
    /** Tight bounds so each limit can be crossed by a small document. */
    private static final XmlLimits TIGHT = new XmlLimits(4096, 6, 8, 1024);

    /** What a row expects: a tree the check accepts, or a refusal whose message contains a hint (may be empty). */
    private record Outcome(Consumer<XmlElement> check, String refusal) {
        static Outcome accepted(Consumer<XmlElement> check) {
            return new Outcome(check, null);
        }

        static Outcome refused(String hint) {
            return new Outcome(null, hint);
        }

        @Override
        public String toString() {
            return check != null ? "accepted" : "refused";
        }
    }

    private static Arguments row(String name, XmlLimits limits, String document, Outcome outcome) {
        return row(name, limits, document.getBytes(StandardCharsets.UTF_8), outcome);
    }

    private static Arguments row(String name, XmlLimits limits, byte[] document, Outcome outcome) {
        return Arguments.of(name, limits, document, outcome);
    }

    static Stream<Arguments> documents() {
        String billionLaughs = "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>"
                + "<!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>"
                + "<!ENTITY lol2 '&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;'>"
                + "<!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>"
                + "<!ENTITY lol4 '&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;'>"
                + "<!ENTITY lol5 '&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;'>"
                + "<!ENTITY lol6 '&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;'>"
                + "<!ENTITY lol7 '&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;'>"
                + "<!ENTITY lol8 '&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;'>"
                + "<!ENTITY lol9 '&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;'>"
                + "]><body xmlns='http://jabber.org/protocol/httpbind' rid='1'><m>&lol9;</m></body>";
        return Stream.of(
                // --- hostile: DTDs and entities (R6, XEP-0124 §19) ---
                row("a DTD with an internal subset is refused", XmlLimits.DEFAULT,
                        "<!DOCTYPE body [<!ELEMENT body ANY>]>" + BODY + END, Outcome.refused("DTD")),
                row("a DTD naming an external SYSTEM subset is refused without fetching it", XmlLimits.DEFAULT,
                        "<!DOCTYPE body SYSTEM 'http://127.0.0.1:9/evil.dtd'>" + BODY + END, Outcome.refused("DTD")),
                row("the billion-laughs entity bomb is refused before any expansion", XmlLimits.DEFAULT,
                        billionLaughs, Outcome.refused("DTD")),
                row("an external entity (XXE) reading a local file is refused", XmlLimits.DEFAULT,
                        "<!DOCTYPE body [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>" + BODY + "<m>&xxe;</m>" + END,
                        Outcome.refused("DTD")),
                row("a parameter entity is refused", XmlLimits.DEFAULT,
                        "<!DOCTYPE body [<!ENTITY % p SYSTEM 'http://127.0.0.1:9/p'> %p;]>" + BODY + END,
                        Outcome.refused("DTD")),
                row("an undeclared entity reference is refused", XmlLimits.DEFAULT,
                        BODY + "<m>&nbsp;</m>" + END, Outcome.refused("")),
                // --- hostile: size and shape bounds (XmlLimits) ---
                row("nesting deeper than maxDepth is refused", TIGHT,
                        BODY + "<a><b><c><d><e><f>deep</f></e></d></c></b></a>" + END, Outcome.refused("")),
                row("nesting exactly at maxDepth is accepted", TIGHT,
                        BODY + "<a><b><c><d><e>ok</e></d></c></b></a>" + END, Outcome.accepted(root -> { })),
                row("more attributes than maxAttributes on one element is refused", TIGHT,
                        BODY + "<m a1='' a2='' a3='' a4='' a5='' a6='' a7='' a8='' a9=''/>" + END,
                        Outcome.refused("")),
                row("exactly maxAttributes attributes are accepted", TIGHT,
                        BODY + "<m a1='' a2='' a3='' a4='' a5='' a6='' a7='' a8=''/>" + END,
                        Outcome.accepted(root -> assertEquals(8, root.childElements().get(0).attributes().size()))),
                row("a run of text longer than maxTextLength is refused", TIGHT,
                        BODY + "<m>" + "x".repeat(1025) + "</m>" + END, Outcome.refused("")),
                row("an attribute value longer than maxTextLength is refused", TIGHT,
                        BODY + "<m a='" + "x".repeat(1025) + "'/>" + END, Outcome.refused("")),
                row("a document over maxBytes is refused before parsing", TIGHT,
                        BODY + ("<m>" + "x".repeat(1000) + "</m>").repeat(5) + END,
                        Outcome.refused("exceeds")),
                // --- forbidden constructs (R6, XEP-0124 §6, RFC 7395 §3.3.3) ---
                row("a comment before the root is refused", XmlLimits.DEFAULT,
                        "<!-- hi -->" + BODY + END, Outcome.refused("comment")),
                row("a comment inside the body is refused", XmlLimits.DEFAULT,
                        BODY + "<!-- hi -->" + END, Outcome.refused("comment")),
                row("a processing instruction is refused", XmlLimits.DEFAULT,
                        BODY + "<?evil run='me'?>" + END, Outcome.refused("processing instruction")),
                row("two root elements are refused", XmlLimits.DEFAULT,
                        BODY + END + BODY + END, Outcome.refused("")),
                row("character data after the root is refused", XmlLimits.DEFAULT,
                        BODY + END + "junk", Outcome.refused("")),
                row("character data before the root is refused", XmlLimits.DEFAULT,
                        "junk" + BODY + END, Outcome.refused("")),
                row("an empty document is refused", XmlLimits.DEFAULT, "", Outcome.refused("")),
                row("whitespace only is refused", XmlLimits.DEFAULT, " \n ", Outcome.refused("")),
                row("a missing end tag is refused", XmlLimits.DEFAULT, BODY + "<m>", Outcome.refused("")),
                row("mismatched end tags are refused", XmlLimits.DEFAULT, BODY + "<a></b>" + END,
                        Outcome.refused("")),
                row("an unbound prefix is refused", XmlLimits.DEFAULT, BODY + "<x:m/>" + END, Outcome.refused("")),
                row("a duplicate attribute is refused", XmlLimits.DEFAULT, BODY + "<m a='1' a='2'/>" + END,
                        Outcome.refused("")),
                row("a raw '<' in an attribute is refused", XmlLimits.DEFAULT, BODY + "<m a='<'/>" + END,
                        Outcome.refused("")),
                row("a bare '&' is refused", XmlLimits.DEFAULT, BODY + "<m>a & b</m>" + END, Outcome.refused("")),
                row("invalid UTF-8 is refused", XmlLimits.DEFAULT,
                        concat(BODY + "<m>", new byte[] {(byte) 0xC3, (byte) 0x28}, "</m>" + END),
                        Outcome.refused("")),
                row("a control character (U+0001) is refused", XmlLimits.DEFAULT,
                        BODY + "<m>\u0001</m>" + END, Outcome.refused("")),
                // --- normal input ---
                row("a plain body is accepted, whitespace around the root ignored", XmlLimits.DEFAULT,
                        "\n " + BODY + END + "\n", Outcome.accepted(root -> {
                            assertEquals(new QName(Namespaces.HTTPBIND, "body"), root.name());
                            assertEquals("1", root.attribute("rid").orElseThrow());
                        })),
                row("an XML declaration is accepted", XmlLimits.DEFAULT,
                        "<?xml version='1.0' encoding='UTF-8'?>" + BODY + END, Outcome.accepted(root -> { })),
                row("a body in ISO-8859-1 announced by its XML declaration is decoded (R20)", XmlLimits.DEFAULT,
                        ("<?xml version='1.0' encoding='ISO-8859-1'?>" + BODY + "<m>café déjà</m>" + END)
                                .getBytes(StandardCharsets.ISO_8859_1),
                        Outcome.accepted(root -> assertEquals("café déjà", root.childElements().get(0).text()))),
                row("a body in UTF-16 with a byte-order mark is decoded (R20)", XmlLimits.DEFAULT,
                        ("\ufeff<?xml version='1.0' encoding='UTF-16'?>" + BODY + "<m>漢字</m>" + END)
                                .getBytes(StandardCharsets.UTF_16BE),
                        Outcome.accepted(root -> assertEquals("漢字", root.childElements().get(0).text()))),
                row("a body many times the parser's read buffer, its text and attributes crossing buffer ends, is"
                                + " read whole", XmlLimits.DEFAULT,
                        BODY + "<m a='" + "é".repeat(3000) + "'>" + "ü漢".repeat(6000) + "</m>" + END,
                        Outcome.accepted(root -> {
                            XmlElement m = root.childElements().get(0);
                            assertEquals("ü漢".repeat(6000), m.text());
                            assertEquals("é".repeat(3000), m.attribute("a").orElseThrow());
                        })),
                row("the five predefined entities are accepted and replaced", XmlLimits.DEFAULT,
                        BODY + "<m a='&quot;&apos;'>&lt;&gt;&amp;</m>" + END, Outcome.accepted(root -> {
                            XmlElement m = root.childElements().get(0);
                            assertEquals("<>&", m.text());
                            assertEquals("\"'", m.attribute("a").orElseThrow());
                        })),
                row("thousands of predefined entities are not counted as expansions", XmlLimits.DEFAULT,
                        BODY + "<m>" + "&amp;".repeat(5000) + "</m>" + END,
                        Outcome.accepted(root -> assertEquals("&".repeat(5000), root.childElements().get(0).text()))),
                row("decimal and hexadecimal character references are accepted", XmlLimits.DEFAULT,
                        BODY + "<m>&#65;&#x42;&#x1F600;</m>" + END,
                        Outcome.accepted(root -> assertEquals("AB\uD83D\uDE00", root.childElements().get(0).text()))),
                row("CDATA is accepted as text", XmlLimits.DEFAULT,
                        BODY + "<m>a<![CDATA[<b>&amp;</b>]]>c</m>" + END,
                        Outcome.accepted(root -> assertEquals("a<b>&amp;</b>c", root.childElements().get(0).text()))),
                row("namespaces and prefixes are preserved", XmlLimits.DEFAULT,
                        "<body xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh' rid='1' "
                                + "xmpp:version='1.0' xml:lang='en'><stream:features "
                                + "xmlns:stream='http://etherx.jabber.org/streams'><bind "
                                + "xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>"
                                + "<message xmlns='jabber:client'><x:y xmlns:x='urn:x' x:z='1'/></message>" + END,
                        Outcome.accepted(root -> {
                            assertEquals("1.0", root.attribute(new QName(Namespaces.XBOSH, "version")).orElseThrow());
                            assertEquals("en", root.attribute(new QName(Namespaces.XML, "lang")).orElseThrow());
                            XmlElement features = root.child(Namespaces.STREAMS, "features").orElseThrow();
                            assertEquals("stream", features.name().getPrefix());
                            assertTrue(features.child(Namespaces.BIND, "bind").isPresent());
                            XmlElement message = root.child(Namespaces.JABBER_CLIENT, "message").orElseThrow();
                            XmlElement y = message.child("urn:x", "y").orElseThrow();
                            assertEquals("x", y.name().getPrefix());
                            assertEquals("1", y.attribute(new QName("urn:x", "z")).orElseThrow());
                        })),
                row("a child without xmlns inherits the httpbind namespace", XmlLimits.DEFAULT,
                        BODY + "<message to='a@b'/>" + END, Outcome.accepted(root ->
                                assertEquals(new QName(Namespaces.HTTPBIND, "message"), root.childElements().get(0)
                                        .name()))),
                // found by XmlParserFuzzTest (docs/reliability.md): XML 1.1 lets control characters in as
                // references, which no XML 1.0 stream can carry on; RFC 6120 §11 makes XMPP XML 1.0
                row("an XML 1.1 document is refused, so no control character reaches an XML 1.0 stream",
                        XmlLimits.DEFAULT, "<?xml version='1.1'?>" + BODY + "<m>&#1;</m>" + END,
                        Outcome.refused("XML 1.1 is not allowed")),
                row("an XML 1.0 declaration is accepted", XmlLimits.DEFAULT, "<?xml version='1.0'?>" + BODY + END,
                        Outcome.accepted(root -> assertEquals("1", root.attribute("rid").orElseThrow()))),
                // found by XmlParserFuzzTest: an empty CDATA section gave an empty text node, which writing the
                // element out and reading it back cannot reproduce
                row("an empty CDATA section adds no text node", XmlLimits.DEFAULT,
                        BODY + "<m><![CDATA[]]></m>" + END,
                        Outcome.accepted(root -> assertEquals(List.of(), root.childElements().get(0).children()))),
                // found by XmlParserFuzzTest (crash-bd589e9d…): U+FFFF in UTF-16 got through, and written as UTF-8
                // it broke the stream it was relayed into
                row("U+FFFF in a UTF-16 body is refused, as it is in UTF-8", XmlLimits.DEFAULT,
                        utf16(BODY + "<m>\uFFFF</m>" + END), Outcome.refused("U+FFFF is not an XML character")),
                row("U+FFFE in a UTF-16 attribute is refused", XmlLimits.DEFAULT,
                        utf16("<body xmlns='http://jabber.org/protocol/httpbind' rid='1' a='\uFFFE'/>"),
                        Outcome.refused("U+FFFE is not an XML character")),
                row("U+FFFF in a UTF-8 body is refused", XmlLimits.DEFAULT, BODY + "<m>\uFFFF</m>" + END,
                        Outcome.refused("")),
                row("other characters from UTF-16 are accepted", XmlLimits.DEFAULT,
                        utf16(BODY + "<m>caf\u00e9 \uD83D\uDE00 \uFFFD</m>" + END), Outcome.accepted(root ->
                                assertEquals("caf\u00e9 \uD83D\uDE00 \uFFFD", root.childElements().get(0).text()))),
                row("a 64 KiB in-band-bytestream block after base64 (about 87 KiB) fits XmlLimits.DEFAULT",
                        XmlLimits.DEFAULT, ibbBody(64 * 1024), Outcome.accepted(root -> {
                            XmlElement data = root.childElements().get(0).child("http://jabber.org/protocol/ibb",
                                    "data").orElseThrow();
                            assertEquals(64 * 1024, Base64.getDecoder().decode(data.text()).length);
                        })));
    }

    /** With a byte-order mark, as XML 1.0 §4.3.3 asks of UTF-16 entities. */
    private static byte[] utf16(String document) {
        return ("\uFEFF" + document).getBytes(StandardCharsets.UTF_16BE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("documents")
    void untrustedDocumentsAreParsedOrRefused(String name, XmlLimits limits, byte[] document, Outcome outcome) {
        XmlParser parser = new XmlParser(limits);
        if (outcome.check() != null) {
            XmlElement root = assertDoesNotThrow(parser, document);
            outcome.check().accept(root);
        } else {
            XmlParseException refused = assertThrows(XmlParseException.class, () -> parser.parseDocument(document));
            assertTrue(refused.getMessage().toLowerCase().contains(outcome.refusal().toLowerCase()),
                    "refusal message '" + refused.getMessage() + "' should mention '" + outcome.refusal() + "'");
        }
    }

    @Test
    void anIbbBlockOfTwiceTheDefaultLimitIsRefused() {
        XmlParser parser = new XmlParser(XmlLimits.DEFAULT);
        byte[] document = ibbBody(256 * 1024).getBytes(StandardCharsets.UTF_8);
        assertThrows(XmlParseException.class, () -> parser.parseDocument(document));
    }

    @Test
    void theDefaultLimitsAreTheDocumentedOnes() {
        assertEquals(new XmlLimits(256 * 1024, 64, 64, 256 * 1024), XmlLimits.DEFAULT);
        assertTrue(XmlLimits.DEFAULT.maxBytes() > ibbBody(64 * 1024).length(),
                "room for a 64 KiB IBB block inside a body");
    }

    static Stream<Arguments> invalidLimits() {
        return Stream.of(
                Arguments.of("maxBytes", (Runnable) () -> new XmlLimits(1023, 64, 64, 1024)),
                Arguments.of("maxDepth", (Runnable) () -> new XmlLimits(1024, 3, 64, 1024)),
                Arguments.of("maxAttributes", (Runnable) () -> new XmlLimits(1024, 64, 7, 1024)),
                Arguments.of("maxTextLength", (Runnable) () -> new XmlLimits(1024, 64, 64, 1023)));
    }

    @ParameterizedTest(name = "a too small xml.{0} is refused with a readable message")
    @MethodSource("invalidLimits")
    void limitsAreValidated(String name, Runnable construct) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construct::run);
        assertTrue(e.getMessage().contains("xml." + name), e.getMessage());
    }

    @Test
    void theSameParserServesManyDocumentsAndARefusalLeavesItUsable() throws Exception {
        XmlParser parser = new XmlParser(TIGHT);
        assertThrows(XmlParseException.class, () -> parser.parseDocument(
                ("<!DOCTYPE body [<!ENTITY a 'x'>]>" + BODY + END).getBytes(StandardCharsets.UTF_8)));
        XmlElement root = parser.parseDocument((BODY + "<m>fine</m>" + END).getBytes(StandardCharsets.UTF_8));
        assertEquals("fine", root.childElements().get(0).text());
        assertEquals(List.of(), parser.parseDocument((BODY + END).getBytes(StandardCharsets.UTF_8)).children());
    }

    /** An IBB {@code <data/>} of {@code block} random octets, base64-encoded, in a message inside a body. */
    static String ibbBody(int block) {
        byte[] octets = new byte[block];
        new Random(block).nextBytes(octets);
        return BODY + "<message xmlns='jabber:client' to='bob@localhost/r' id='ibb1'><data "
                + "xmlns='http://jabber.org/protocol/ibb' seq='0' sid='i781hf64'>"
                + Base64.getEncoder().encodeToString(octets) + "</data></message>" + END;
    }

    private static XmlElement assertDoesNotThrow(XmlParser parser, byte[] document) {
        try {
            return parser.parseDocument(document);
        } catch (XmlParseException e) {
            throw new AssertionError("refused: " + e.getMessage(), e);
        }
    }

    private static byte[] concat(String before, byte[] middle, String after) {
        byte[] a = before.getBytes(StandardCharsets.UTF_8);
        byte[] c = after.getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[a.length + middle.length + c.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(middle, 0, all, a.length, middle.length);
        System.arraycopy(c, 0, all, a.length + middle.length, c.length);
        return all;
    }

    @Test
    void attributesKeepTheirDocumentOrderAndCannotBeChanged() throws Exception {
        XmlElement m = new XmlParser(XmlLimits.DEFAULT)
                .parseDocument("<m z='1' a='2' xml:lang='en'/>".getBytes(StandardCharsets.UTF_8));

        assertEquals(List.of("z", "a", "lang"), m.attributes().keySet().stream().map(QName::getLocalPart).toList());
        assertEquals("2", m.attribute("a").orElseThrow());
        assertEquals("en", m.attribute(new QName("http://www.w3.org/XML/1998/namespace", "lang")).orElseThrow());
        assertThrows(UnsupportedOperationException.class, () -> m.attributes().put(new QName("b"), "3"));
        assertEquals(m, new XmlElement(m.name(), new LinkedHashMap<>(m.attributes()), m.children()));
        assertEquals("<m z=\"1\" a=\"3\" xml:lang=\"en\"/>", m.withAttribute("a", "3").toString());
    }
}
