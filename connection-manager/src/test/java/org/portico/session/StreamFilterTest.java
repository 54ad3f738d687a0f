package org.portico.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlLimits;
import org.portico.xml.XmlParser;

/** What Portico changes on the way to the browser: TLS and compression features, and XEP-0198 locations. */
class StreamFilterTest {

    private static XmlElement parse(String xml) throws Exception {
        return new XmlParser(XmlLimits.DEFAULT).parseDocument(xml.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void startTlsAndCompressionLeaveTheFeatures_R74_R78_R95() throws Exception {
        XmlElement features = parse("<stream:features xmlns:stream='http://etherx.jabber.org/streams'>"
                + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
                + "<compression xmlns='http://jabber.org/features/compress'><method>zlib</method></compression>"
                + "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms>"
                + "<csi xmlns='urn:xmpp:csi:0'/></stream:features>");
        XmlElement filtered = StreamFilter.toClient(features);

        assertFalse(filtered.child(Namespaces.TLS, "starttls").isPresent());
        assertFalse(filtered.child(Namespaces.COMPRESS_FEATURE, "compression").isPresent());
        assertTrue(filtered.child(Namespaces.SASL, "mechanisms").isPresent());
        assertTrue(StreamFilter.offersClientState(filtered));
    }

    @Test
    void aStreamManagementLocationIsRemoved_XEP0198() throws Exception {
        XmlElement enabled = parse("<enabled xmlns='urn:xmpp:sm:3' id='abc' resume='true' location='10.0.0.1:5222'/>");
        XmlElement filtered = StreamFilter.toClient(enabled);

        assertTrue(filtered.attribute("location").isEmpty(), "a browser cannot reach a TCP location");
        assertEquals("abc", filtered.attribute("id").orElseThrow());
        assertEquals("true", filtered.attribute("resume").orElseThrow());
    }

    @Test
    void stanzasPassUntouched_R59() throws Exception {
        XmlElement message = parse("<message xmlns='jabber:client' to='a@b'><body>x</body></message>");
        assertEquals(message, StreamFilter.toClient(message));
    }
}
