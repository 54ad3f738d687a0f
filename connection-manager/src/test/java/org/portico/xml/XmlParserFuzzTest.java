package org.portico.xml;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzing the hardened document parser (BOSH bodies, WebSocket messages) with Jazzer. Whatever the octets, only
 * {@link XmlParseException} escapes (DEVELOPERS.md: bad input gets the spec's error, never a crash); what parses
 * stays inside its {@link XmlLimits} and writes back to an equal tree.
 *
 * <p>Every build runs the committed corpus ({@code src/test/resources/org/portico/xml/XmlParserFuzzTestInputs/});
 * {@code scripts/fuzz.sh} fuzzes.
 */
class XmlParserFuzzTest {

    private static final XmlParser PARSER = new XmlParser(XmlInvariants.SMALL);

    @FuzzTest
    void anyOctetsParseWithinTheLimitsOrAreRefused(byte[] document) {
        XmlElement root;
        try {
            root = PARSER.parseDocument(document);
        } catch (XmlParseException refused) {
            return;
        }
        XmlInvariants.withinLimits(root, XmlInvariants.SMALL);
        XmlInvariants.roundTrips(root);
    }
}
