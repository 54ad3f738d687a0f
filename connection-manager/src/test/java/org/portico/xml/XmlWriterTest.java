package org.portico.xml;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.xml.namespace.QName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * How {@link XmlWriter} serializes a tree for each destination: inside the upstream stream, inside a BOSH body, or
 * standing alone as a WebSocket message (RFC 7395 §3.3.3), declaring exactly what the destination lacks, and
 * escaping so that every tree survives a round trip through {@link XmlParser}.
 */
class XmlWriterTest {

    private static final XmlWriter.Scope BOSH_BODY = new XmlWriter.Scope(Namespaces.HTTPBIND,
            Map.of("stream", Namespaces.STREAMS, "xmpp", Namespaces.XBOSH));

    private static XmlElement element(String namespace, String local, String prefix, Map<QName, String> attributes,
            XmlNode... children) {
        return new XmlElement(new QName(namespace, local, prefix), attributes, List.of(children));
    }

    private static XmlElement element(String namespace, String local, XmlNode... children) {
        return element(namespace, local, "", Map.of(), children);
    }

    private static Map<QName, String> attributes(Object... keysAndValues) {
        Map<QName, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            QName key = keysAndValues[i] instanceof QName q ? q : new QName((String) keysAndValues[i]);
            map.put(key, (String) keysAndValues[i + 1]);
        }
        return map;
    }

    private static XmlElement message(XmlNode... children) {
        return element(Namespaces.JABBER_CLIENT, "message", "", attributes("to", "bob@localhost"), children);
    }

    static Stream<Arguments> serializations() {
        XmlElement features = element(Namespaces.STREAMS, "features", "stream", Map.of(),
                element(Namespaces.BIND, "bind"));
        return Stream.of(
                Arguments.of("inside the client stream a jabber:client stanza declares nothing",
                        message(element(Namespaces.JABBER_CLIENT, "body", new XmlText("hi"))),
                        XmlWriter.Scope.CLIENT_STREAM,
                        "<message to=\"bob@localhost\"><body>hi</body></message>"),
                Arguments.of("standing alone the stanza declares its default namespace once; children inherit it",
                        message(element(Namespaces.JABBER_CLIENT, "body", new XmlText("hi"))),
                        XmlWriter.Scope.NONE,
                        "<message to=\"bob@localhost\" xmlns=\"jabber:client\"><body>hi</body></message>"),
                Arguments.of("inside a BOSH body a stanza declares jabber:client (XEP-0206 §2)",
                        message(), BOSH_BODY, "<message to=\"bob@localhost\" xmlns=\"jabber:client\"/>"),
                Arguments.of("a child in another namespace redeclares the default for its own subtree",
                        message(element("urn:xmpp:receipts", "request", element("urn:xmpp:receipts", "inner")),
                                element(Namespaces.JABBER_CLIENT, "body")),
                        XmlWriter.Scope.CLIENT_STREAM,
                        "<message to=\"bob@localhost\"><request xmlns=\"urn:xmpp:receipts\"><inner/></request>"
                                + "<body/></message>"),
                Arguments.of("an element in no namespace inside a default namespace undeclares it",
                        message(element("", "plain")), XmlWriter.Scope.CLIENT_STREAM,
                        "<message to=\"bob@localhost\"><plain xmlns=\"\"/></message>"),
                Arguments.of("stream:features inside the stream uses the bound stream prefix",
                        features, XmlWriter.Scope.CLIENT_STREAM,
                        "<stream:features><bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"/></stream:features>"),
                Arguments.of("stream:features standing alone declares the stream prefix",
                        features, XmlWriter.Scope.NONE,
                        "<stream:features xmlns:stream=\"http://etherx.jabber.org/streams\"><bind "
                                + "xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"/></stream:features>"),
                Arguments.of("a prefix bound to another namespace in the scope is redeclared",
                        element("urn:other", "x", "stream", Map.of()), XmlWriter.Scope.CLIENT_STREAM,
                        "<stream:x xmlns:stream=\"urn:other\"/>"),
                Arguments.of("xml:lang is written with the implicit xml prefix, never declared",
                        element(Namespaces.JABBER_CLIENT, "message", "",
                                attributes(new QName(Namespaces.XML, "lang"), "en")),
                        XmlWriter.Scope.CLIENT_STREAM, "<message xml:lang=\"en\"/>"),
                Arguments.of("a namespaced attribute keeps its prefix hint and declares it",
                        element(Namespaces.HTTPBIND, "body", "", attributes(new QName(Namespaces.XBOSH, "version",
                                "xmpp"), "1.0")), XmlWriter.Scope.NONE,
                        "<body xmpp:version=\"1.0\" xmlns=\"http://jabber.org/protocol/httpbind\" "
                                + "xmlns:xmpp=\"urn:xmpp:xbosh\"/>"),
                Arguments.of("a namespaced attribute uses a prefix the scope already binds",
                        element(Namespaces.HTTPBIND, "body", "", attributes(new QName(Namespaces.XBOSH, "restart"),
                                "true")), BOSH_BODY, "<body xmpp:restart=\"true\"/>"),
                Arguments.of("a namespaced attribute without a prefix gets a generated one, declared once",
                        element(Namespaces.JABBER_CLIENT, "m", "", attributes(new QName("urn:a", "x"), "1",
                                new QName("urn:a", "y"), "2", new QName("urn:b", "z"), "3")),
                        XmlWriter.Scope.CLIENT_STREAM,
                        "<m ns1:x=\"1\" ns1:y=\"2\" ns2:z=\"3\" xmlns:ns1=\"urn:a\" xmlns:ns2=\"urn:b\"/>"),
                Arguments.of("an attribute prefix hint already bound elsewhere is replaced by a generated one",
                        element(Namespaces.STREAMS, "features", "stream", attributes(new QName("urn:a", "x",
                                "stream"), "1")), XmlWriter.Scope.CLIENT_STREAM,
                        "<stream:features ns1:x=\"1\" xmlns:ns1=\"urn:a\"/>"),
                Arguments.of("attribute values escape & < > \" ' tab, line feed and carriage return",
                        element("", "m", "", attributes("a", "&<>\"'\t\n\r")), XmlWriter.Scope.NONE,
                        "<m a=\"&amp;&lt;&gt;&quot;&apos;&#9;&#10;&#13;\"/>"),
                Arguments.of("text escapes & < > and carriage return; quotes, tab and line feed stay",
                        element("", "m", new XmlText("&<>\"'\t\n\r")), XmlWriter.Scope.NONE,
                        "<m>&amp;&lt;&gt;\"'\t\n&#13;</m>"),
                Arguments.of("the string ]]> in text cannot end anything", element("", "m", new XmlText("]]>")),
                        XmlWriter.Scope.NONE, "<m>]]&gt;</m>"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("serializations")
    void elementsAreWrittenForTheirDestination(String behaviour, XmlElement element, XmlWriter.Scope scope,
            String expected) {
        assertEquals(expected, XmlWriter.write(element, scope));
    }

    static Stream<Arguments> trees() {
        return Stream.of(
                Arguments.of("a message with text, nested extensions and xml:lang", message(
                        element(Namespaces.JABBER_CLIENT, "body", "", attributes(new QName(Namespaces.XML, "lang"),
                                "fr"), new XmlText("déjà vu 😀")),
                        element("urn:xmpp:chat-markers:0", "markable"),
                        element("http://jabber.org/protocol/chatstates", "active"))),
                Arguments.of("every character that needs escaping, in text and attributes",
                        element("", "m", "", attributes("a", "&<>\"'\t\n\r  x", "b", "]]>"),
                                new XmlText("&<>\"'\t\n\r]]>"))),
                Arguments.of("prefixed elements and namespaced attributes", element(Namespaces.STREAMS,
                        "features", "stream", attributes(new QName("urn:a", "x"), "1", new QName("urn:b", "y", "b"),
                                "2"), element(Namespaces.SASL, "mechanisms",
                                element(Namespaces.SASL, "mechanism", new XmlText("PLAIN"))))),
                Arguments.of("mixed content", element(Namespaces.JABBER_CLIENT, "body", new XmlText("a"),
                        element("urn:x", "b", new XmlText("bold")), new XmlText("c"))),
                Arguments.of("an element in no namespace below a namespaced one", message(element("", "plain",
                        element("", "deeper")))));
    }

    @ParameterizedTest(name = "standalone serialization round-trips: {0}")
    @MethodSource("trees")
    void standaloneSerializationParsesBackToAnEqualTree(String behaviour, XmlElement tree) throws Exception {
        String text = XmlWriter.standalone(tree);
        XmlElement parsed = new XmlParser(XmlLimits.DEFAULT).parseDocument(text.getBytes(StandardCharsets.UTF_8));
        assertEquals(tree, parsed, text);
    }

    @Test
    void aParsedDocumentWrittenAgainParsesToTheSameTree() throws Exception {
        XmlParser parser = new XmlParser(XmlLimits.DEFAULT);
        String document = "<iq xmlns='jabber:client' type='set' id='x&amp;y'><query xmlns='jabber:iq:roster'"
                + " xmlns:q='urn:q' q:ver='7'><item jid='a@b' name='A &lt;B&gt;'><group>g\r\n1</group></item>"
                + "</query></iq>";
        XmlElement first = parser.parseDocument(document.getBytes(StandardCharsets.UTF_8));
        XmlElement second = parser.parseDocument(XmlWriter.standalone(first).getBytes(StandardCharsets.UTF_8));
        assertEquals(first, second);
        assertEquals(XmlWriter.standalone(first), XmlWriter.standalone(second));
    }

    @Test
    void toStringIsTheStandaloneForm() {
        XmlElement message = message();
        assertEquals(XmlWriter.standalone(message), message.toString());
    }
}
