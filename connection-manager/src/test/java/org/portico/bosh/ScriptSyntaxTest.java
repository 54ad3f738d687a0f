package org.portico.bosh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlLimits;
import org.portico.xml.XmlParser;

class ScriptSyntaxTest {

    static Stream<Arguments> escapes() {
        return Stream.of(
                Arguments.of("an empty body is only wrapped", "<body/>", "_BOSH_(\"<body/>\")"),
                Arguments.of("double quotes are escaped", "<body a=\"x\"/>", "_BOSH_(\"<body a=\\\"x\\\"/>\")"),
                Arguments.of("single quotes are left alone", "<body a='x'/>", "_BOSH_(\"<body a='x'/>\")"),
                Arguments.of("backslash is escaped", "<b>a\\b</b>", "_BOSH_(\"<b>a\\\\b</b>\")"),
                Arguments.of("line feed becomes \\n", "<b>\n</b>", "_BOSH_(\"<b>\\n</b>\")"),
                Arguments.of("carriage return becomes \\r", "<b>\r\n</b>", "_BOSH_(\"<b>\\r\\n</b>\")"),
                Arguments.of("U+2028 LINE SEPARATOR is escaped", "a\u2028b", "_BOSH_(\"a\\u2028b\")"),
                Arguments.of("U+2029 PARAGRAPH SEPARATOR is escaped", "a\u2029b", "_BOSH_(\"a\\u2029b\")"),
                Arguments.of("U+200E LEFT-TO-RIGHT MARK (Cf) is escaped", "a\u200eb", "_BOSH_(\"a\\u200eb\")"),
                Arguments.of("U+200F RIGHT-TO-LEFT MARK (Cf) is escaped", "\u200f", "_BOSH_(\"\\u200f\")"),
                Arguments.of("U+FEFF ZERO WIDTH NO-BREAK SPACE (Cf) is escaped", "\ufeff", "_BOSH_(\"\\ufeff\")"),
                Arguments.of("U+00AD SOFT HYPHEN (Cf) is escaped", "x\u00ady", "_BOSH_(\"x\\u00ady\")"),
                Arguments.of("U+E0001 LANGUAGE TAG (Cf, astral) is escaped as a surrogate pair",
                        "\udb40\udc01", "_BOSH_(\"\\udb40\\udc01\")"),
                Arguments.of("tab, a C0 control, is escaped for safety", "a\tb", "_BOSH_(\"a\\u0009b\")"),
                Arguments.of("letters outside ASCII and emoji pass unchanged", "é😀漢", "_BOSH_(\"é😀漢\")"),
                Arguments.of("XEP-0252's own example",
                        "<body rid='1249243562' sid='SomeSID' xmlns='http://jabber.org/protocol/httpbind'>\n"
                                + "<message to='contact@example.com' xmlns='jabber:client'>\n"
                                + "<body>I said \"Hi!\"</body>\n</message>\n</body>",
                        "_BOSH_(\"<body rid='1249243562' sid='SomeSID' xmlns='http://jabber.org/protocol/httpbind'>"
                                + "\\n<message to='contact@example.com' xmlns='jabber:client'>\\n"
                                + "<body>I said \\\"Hi!\\\"</body>\\n</message>\\n</body>\")"));
    }

    @ParameterizedTest(name = "{0} (XEP-0252 §2.3, R69)")
    @MethodSource("escapes")
    void responsesAreWrappedAsAnEcmaScriptStringCall(String behaviour, String body, String script) {
        assertEquals(script, ScriptSyntax.encodeResponse(body));
    }

    @Test
    void everyCodePointSurvivesEscapingAndNoneBreaksTheLine() {
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            String body = "<b>" + Character.toString(cp) + "</b>";
            String script = ScriptSyntax.encodeResponse(body);
            String literal = script.substring("_BOSH_(\"".length(), script.length() - 2);
            String codePoint = "U+" + Integer.toHexString(cp);
            assertEquals(body, unescapeEcmaScript(literal), codePoint);
            for (int i = 0; i < script.length(); i++) {
                char c = script.charAt(i);
                int type = Character.getType(c);
                if (c == '\n' || c == '\r' || c == '\u2028' || c == '\u2029' || type == Character.FORMAT
                        || (type == Character.SURROGATE && !Character.isSupplementaryCodePoint(cp))) {
                    throw new AssertionError(codePoint + " left raw in " + script);
                }
            }
        }
    }

    /** Reads back the escapes of a JavaScript string literal, and refuses a raw quote or backslash. */
    private static String unescapeEcmaScript(String literal) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            if (c == '"') {
                throw new AssertionError("raw quote in " + literal);
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char e = literal.charAt(++i);
            switch (e) {
                case '"', '\\' -> out.append(e);
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 'u' -> {
                    out.append((char) Integer.parseInt(literal.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> throw new AssertionError("unexpected escape \\" + e + " in " + literal);
            }
        }
        return out.toString();
    }

    @Test
    void theSpecsSessionRequestDecodesToAWrapperWithNoContent() throws Exception {
        String query = "%3Cbody%20content='text/xml;%20charset=utf-8'%20hold='1'%20rid='1573741820'%20"
                + "to='jabber.org'%20route='xmpp:jabber.org:9999'%20ver='1.6'%20wait='60'%20xml:lang='en'%20"
                + "xmlns='http://jabber.org/protocol/httpbind'/%3E";
        ScriptSyntax.Request request = ScriptSyntax.decodeRequest(query);
        assertArrayEquals(new byte[0], request.content());
        XmlElement body = new XmlParser(XmlLimits.DEFAULT).parseDocument(
                request.wrapper().getBytes(StandardCharsets.UTF_8));
        assertTrue(body.is(BoshNames.BODY.getNamespaceURI(), BoshNames.BODY.getLocalPart()));
        assertEquals(Optional.of("1573741820"), body.attribute(BoshNames.RID));
        assertEquals(Optional.of("text/xml; charset=utf-8"), body.attribute(BoshNames.CONTENT));
        assertEquals(Optional.of("en"), body.attribute(BoshNames.XML_LANG));
        assertEquals(Optional.of("xmpp:jabber.org:9999"), body.attribute(BoshNames.ROUTE));
    }

    @Test
    void aWholeBodyInOneGetIsAlsoAvailableAsOneDocument() throws Exception {
        ScriptSyntax.Request request = ScriptSyntax.decodeRequest(
                "%3Cbody%20rid='1249243562'%20sid='SomeSID'%20xmlns='http://jabber.org/protocol/httpbind'%3E"
                        + "%3Cmessage%20to='friend@example.com'%20xmlns='jabber:client'%3E%3C"
                        + "body%3EI%20said%20%22Hi!%22%3C/body%3E%3C/message%3E%3C/body%3E");
        XmlElement body = new XmlParser(XmlLimits.DEFAULT).parseDocument(request.document());
        assertEquals(Optional.of("SomeSID"), body.attribute(BoshNames.SID));
        XmlElement message = body.child("jabber:client", "message").orElseThrow();
        assertEquals("I said \"Hi!\"", message.child("jabber:client", "body").orElseThrow().text());
    }

    static Stream<Arguments> requests() {
        return Stream.of(
                Arguments.of("XEP-0252's own stanza request",
                        "%3Cbody%20rid='1249243562'%20sid='SomeSID'%20xmlns='http://jabber.org/protocol/httpbind'%3E"
                                + "%3Cmessage%20to='friend@example.com'%20xmlns='jabber:client'%3E%3C"
                                + "body%3EI%20said%20%22Hi!%22%3C/body%3E%3C/message%3E%3C/body%3E",
                        "<body rid='1249243562' sid='SomeSID' xmlns='http://jabber.org/protocol/httpbind'/>",
                        "<message to='friend@example.com' xmlns='jabber:client'><body>I said \"Hi!\"</body></message>"),
                Arguments.of("lower-case escapes decode too",
                        "%3cbody%20rid='7'%3e%3cx/%3e%3c/body%3e", "<body rid='7'/>", "<x/>"),
                Arguments.of("a plus is a literal plus, not a space (RFC 3986)",
                        "%3Cbody%20rid='7'%3Ea+b%3C/body%3E", "<body rid='7'/>", "a+b"),
                Arguments.of("a quoted '>' does not end the start tag",
                        "%3Cbody%20to='a%3Eb'%20rid='7'%3E%3Cx/%3E%3C/body%3E", "<body to='a>b' rid='7'/>", "<x/>"),
                Arguments.of("a partial stanza is kept as octets, for the next GET to complete (R68)",
                        "%3Cbody%20rid='7'%3E%3Cmessage%20to='a@b'%3E%3Cbo%3C/body%3E",
                        "<body rid='7'/>", "<message to='a@b'><bo"),
                Arguments.of("the end of a split stanza, itself containing </body> (R68)",
                        "%3Cbody%20rid='8'%3Edy%3Ehi%3C/body%3E%3C/message%3E%3C/body%3E",
                        "<body rid='8'/>", "dy>hi</body></message>"),
                Arguments.of("space before '>' of the end tag and after it is allowed",
                        "%3Cbody%20rid='7'%3E%3Cx/%3E%3C/body%20%3E%0A", "<body rid='7'/>", "<x/>"),
                Arguments.of("a prefixed wrapper ends with its prefixed end tag",
                        "%3Ch:body%20xmlns:h='http://jabber.org/protocol/httpbind'%20rid='7'%3E%3Cx/%3E%3C/h:body%3E",
                        "<h:body xmlns:h='http://jabber.org/protocol/httpbind' rid='7'/>", "<x/>"),
                Arguments.of("an unescaped non-ASCII character is taken as its UTF-8 octets",
                        "%3Cbody%20rid='7'%3Eé%3C/body%3E", "<body rid='7'/>", "é"));
    }

    @ParameterizedTest(name = "{0} (XEP-0252 §2.2, R68)")
    @MethodSource("requests")
    void getQueriesSplitIntoWrapperAndContentOctets(String behaviour, String query, String wrapper, String content) {
        ScriptSyntax.Request request = ScriptSyntax.decodeRequest(query);
        assertEquals(wrapper, request.wrapper());
        assertEquals(content, new String(request.content(), StandardCharsets.UTF_8));
    }

    @Test
    void aCharacterSplitBetweenTwoGetsIsRejoinedAsAnOctetStream() {
        ScriptSyntax.Request first = ScriptSyntax.decodeRequest("%3Cbody%20rid='7'%3E%3Cb%3Ecaf%C3%3C/body%3E");
        ScriptSyntax.Request second = ScriptSyntax.decodeRequest("%3Cbody%20rid='8'%3E%A9%3C/b%3E%3C/body%3E");
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.writeBytes(first.content());
        stream.writeBytes(second.content());
        assertArrayEquals(new byte[] {'<', 'b', '>', 'c', 'a', 'f', (byte) 0xC3}, first.content());
        assertEquals("<b>café</b>", stream.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "\"{0}\" is refused, for a bad-request (XEP-0252 §2.2)")
    @ValueSource(strings = {"", "%20", "%3Cbody%20rid='7'/%3E%3", "%3Cbody%20rid='7'/%3E%zz",
        "%3Cbody%20rid='7'/%3E%٣٣", "%3Cmessage/%3E", "%3Cbody%20rid='7'%3Ex", "%3Cbody%20rid='7'/%3Ex",
        "%3Cbody%20rid='7", "%3Cbody%3Ex%3C/bodyx%3E", "hello"})
    void malformedQueriesAreRefused(String query) {
        assertThrows(IllegalArgumentException.class, () -> ScriptSyntax.decodeRequest(query));
    }

    @Test
    void responsesForbidCachingToEveryIntermediary() {
        String cacheControl = ScriptSyntax.NO_CACHE_HEADERS.get("Cache-Control");
        assertTrue(cacheControl.contains("no-store"), cacheControl);
        assertTrue(cacheControl.contains("no-cache"), cacheControl);
        assertEquals("no-cache", ScriptSyntax.NO_CACHE_HEADERS.get("Pragma"));
        ZonedDateTime expires = ZonedDateTime.parse(ScriptSyntax.NO_CACHE_HEADERS.get("Expires"),
                DateTimeFormatter.RFC_1123_DATE_TIME);
        assertEquals(0, expires.toEpochSecond(), "Expires lies in the past");
        assertFalse(ScriptSyntax.CONTENT_TYPE.isBlank());
        assertEquals("text/javascript; charset=utf-8", ScriptSyntax.CONTENT_TYPE);
    }
}
