package org.portico.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlLimits;
import org.portico.xml.XmlParser;

/** XEP-0206 §7 (R82): what goes back to the server for a stanza whose client is gone. */
class DeadClientPolicyTest {

    private static final XmlParser PARSER = new XmlParser(XmlLimits.DEFAULT);

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', textBlock = """
            <message from='a@x/r' to='b@x/r' id='m1' type='chat'><body>hi</body></message> | recipient-unavailable
            <message from='a@x/r' to='b@x/r' id='m2'><body>normal</body></message>         | recipient-unavailable
            <message from='a@x/r' to='b@x/r' id='m3' type='error'/>                         | none
            <iq from='a@x/r' to='b@x/r' id='q1' type='get'><query xmlns='jabber:iq:version'/></iq> | service-unavailable
            <iq from='a@x/r' to='b@x/r' id='q2' type='set'><query xmlns='jabber:iq:roster'/></iq>  | service-unavailable
            <iq from='a@x/r' to='b@x/r' id='q3' type='result'/>                             | none
            <iq from='a@x/r' to='b@x/r' id='q4' type='error'/>                              | none
            <presence from='a@x/r' to='b@x/r'/>                                             | none
            <presence from='a@x/r' to='b@x/r' type='subscribe'/>                            | none
            """)
    void bouncesPerStanzaKind(String stanza, String condition) throws Exception {
        XmlElement element = PARSER.parseDocument(("<wrap xmlns='jabber:client'>" + stanza + "</wrap>")
                .getBytes(StandardCharsets.UTF_8)).childElements().get(0);
        Optional<XmlElement> bounce = DeadClientPolicy.bounce(element);

        if ("none".equals(condition)) {
            assertTrue(bounce.isEmpty(), "nothing goes back for " + stanza);
            return;
        }
        XmlElement reply = bounce.orElseThrow();
        assertEquals(element.localName(), reply.localName());
        assertEquals("error", reply.attribute("type").orElseThrow());
        assertEquals("b@x/r", reply.attribute("from").orElseThrow(), "from and to are swapped");
        assertEquals("a@x/r", reply.attribute("to").orElseThrow());
        assertEquals(element.attribute("id"), reply.attribute("id"));
        assertTrue(reply.child(Namespaces.JABBER_CLIENT, "error").orElseThrow()
                .child(Namespaces.STANZA_ERRORS, condition).isPresent());
    }

    @ParameterizedTest
    @CsvSource({"urn:xmpp:sm:3, r", "urn:ietf:params:xml:ns:xmpp-sasl, success"})
    void nonStanzasAreNeverBounced(String namespace, String name) {
        assertTrue(DeadClientPolicy.bounce(XmlElement.of(namespace, name)).isEmpty());
    }
}
