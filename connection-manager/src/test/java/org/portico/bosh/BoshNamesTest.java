package org.portico.bosh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlLimits;
import org.portico.xml.XmlParser;
import org.portico.xml.XmlWriter;

class BoshNamesTest {

    private static final String RESTART_REQUEST = "<body rid='1573741824' sid='SomeSID' to='example.com'"
            + " xml:lang='en' xmpp:restart='true' xmlns='http://jabber.org/protocol/httpbind'"
            + " xmlns:xmpp='urn:xmpp:xbosh'/>";

    @Test
    void attributeNamesMatchWhatTheParserReadsFromXep0206sRestartRequest() throws Exception {
        XmlElement body = new XmlParser(XmlLimits.DEFAULT).parseDocument(
                RESTART_REQUEST.getBytes(StandardCharsets.UTF_8));
        assertEquals(BoshNames.BODY, body.name());
        assertEquals(Optional.of("1573741824"), body.attribute(BoshNames.RID));
        assertEquals(Optional.of("SomeSID"), body.attribute(BoshNames.SID));
        assertEquals(Optional.of("en"), body.attribute(BoshNames.XML_LANG));
        assertEquals(Optional.of("true"), body.attribute(BoshNames.XMPP_RESTART));
    }

    @Test
    void xmppAttributesAreWrittenWithTheXmppPrefixAndDeclaration() {
        XmlElement response = new XmlElement(BoshNames.BODY, java.util.Map.of(), java.util.List.of())
                .withAttribute(BoshNames.XMPP_VERSION, "1.0")
                .withAttribute(BoshNames.XMPP_RESTARTLOGIC, "true");
        String xml = XmlWriter.standalone(response);
        assertTrue(xml.contains("xmpp:version=\"1.0\""), xml);
        assertTrue(xml.contains("xmpp:restartlogic=\"true\""), xml);
        assertTrue(xml.contains("xmlns:xmpp=\"urn:xmpp:xbosh\""), xml);
    }
}
