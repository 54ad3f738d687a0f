package org.portico.bosh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.portico.upstream.StreamHeader;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlInvariants;
import org.portico.xml.XmlNode;
import org.portico.xml.XmlParseException;
import org.portico.xml.XmlParser;

/**
 * Fuzzing the BOSH body reader with Jazzer: the octets of a POST go through the path of
 * {@link BoshSessions#handle} (parse, {@link BoshRequest#of}, and for a creation request
 * {@link BoshParams#negotiate}) and come out as a request or a terminal condition of XEP-0124 §17.2 (R56) — never
 * another exception. A request's rid is within 0…2^53−1 (§14.1, R39), its payloads are all qualified (none left in
 * the httpbind namespace, XEP-0206 §2, R73), and written into a response {@link BoshBody} they parse back unchanged.
 */
class BoshRequestFuzzTest {

    private static final XmlParser PARSER = new XmlParser(XmlInvariants.SMALL);
    private static final StreamHeader SESSION = new StreamHeader("example.org", null, "en", "1.0");
    /** What a body alone can end in: a broken body, a creation without 'to'. */
    private static final Set<BoshCondition> BODY_CONDITIONS =
            Set.of(BoshCondition.BAD_REQUEST, BoshCondition.IMPROPER_ADDRESSING);

    @FuzzTest
    void anyBodyIsARequestOrATerminalCondition(byte[] octets) {
        try {
            read(PARSER.parseDocument(octets));
        } catch (XmlParseException unparseable) {
            // BoshSessions answers bad-request
        } catch (BoshException e) {
            assertTrue(BODY_CONDITIONS.contains(e.condition()), "unexpected condition " + e.condition());
            assertTrue(e.getMessage().length() <= BoshException.MAX_DETAIL + 1, "log detail is bounded");
        }
    }

    private static void read(XmlElement body) throws BoshException {
        BoshRequest request = BoshRequest.of(body);
        assertTrue(request.rid() >= 0 && request.rid() <= BoshRequest.MAX_RID, "rid out of range");
        assertEquals(body.childElements().size(), request.payloads().size(), "one payload per child element");
        request.payloads().forEach(BoshRequestFuzzTest::assertNotHttpbind);
        request.ack();
        request.pause();
        request.restartHeader(SESSION);
        if (request.attribute(BoshNames.TO).isPresent() && !request.attribute(BoshNames.TO).get().isBlank()) {
            request.addedStreamHeader(SESSION);
        }
        if (request.sid().isEmpty()) {
            BoshParams params = BoshParams.negotiate(request, BoshConfig.DEFAULT);
            assertTrue(params.hold() >= 0 && params.hold() <= BoshConfig.DEFAULT.maxHold(), "hold out of bounds");
            assertTrue(params.waitDuration().compareTo(BoshConfig.DEFAULT.maxWait()) <= 0, "wait out of bounds");
        }
        String response = new BoshBody().attribute(BoshNames.TYPE, body.attribute(BoshNames.TYPE).orElse(null))
                .payloads(request.payloads()).text();
        assertEquals(request.payloads(), reparsed(response), "payloads written into a body parse back unchanged");
    }

    private static List<XmlElement> reparsed(String response) {
        try {
            return new XmlParser(new org.portico.xml.XmlLimits(1 << 20, XmlInvariants.SMALL.maxDepth() + 1,
                    XmlInvariants.SMALL.maxAttributes(), 1 << 20))
                    .parseDocument(response.getBytes(StandardCharsets.UTF_8)).childElements();
        } catch (XmlParseException e) {
            throw new AssertionError("a body Portico wrote is refused: " + e.getMessage() + "\n" + response, e);
        }
    }

    private static void assertNotHttpbind(XmlElement element) {
        assertFalse(Namespaces.HTTPBIND.equals(element.namespace()), "payload left in the httpbind namespace");
        for (XmlNode child : element.children()) {
            if (child instanceof XmlElement e) {
                assertNotHttpbind(e);
            }
        }
    }
}
