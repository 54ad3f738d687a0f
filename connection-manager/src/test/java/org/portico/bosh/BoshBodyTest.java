package org.portico.bosh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlLimits;
import org.portico.xml.XmlParser;

/** The text of a response {@code <body/>} (XEP-0124 §6, R6–R7). */
class BoshBodyTest {

    private static XmlElement parsed(String text) throws Exception {
        return new XmlParser(XmlLimits.DEFAULT).parseDocument(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anEmptyAnswerIsTheOneSharedEmptyBodyInTheHttpbindNamespace() throws Exception {
        String text = new BoshBody().text();

        assertSame(BoshBody.EMPTY, text, "every empty answer shares one text");
        XmlElement body = parsed(text);
        assertEquals(BoshNames.BODY, body.name());
        assertEquals(Map.of(), body.attributes());
        assertTrue(body.children().isEmpty());
    }

    @Test
    void anAnswerWithAnAttributeIsWrittenAfresh() throws Exception { // §9.2: the ack of an out-of-order answer
        String text = new BoshBody().attribute(BoshNames.ACK, 12L).text();

        assertNotSame(BoshBody.EMPTY, text);
        assertEquals("12", parsed(text).attribute(BoshNames.ACK).orElseThrow());
    }

    @Test
    void anAnswerWithAPayloadIsWrittenAfresh() throws Exception {
        XmlElement message = XmlElement.of("jabber:client", "message");
        String text = new BoshBody().payload(message).text();

        assertNotSame(BoshBody.EMPTY, text);
        assertEquals(1, parsed(text).children().size());
    }
}
