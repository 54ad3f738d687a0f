package org.portico.xml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Fuzzing the parser's shortcut for plain documents against the parser itself: whatever the octets, where
 * {@link PlainElement} answers, Woodstox accepts the same octets and gives the same tree, prefixes and text
 * included; where Woodstox refuses, the shortcut gave no answer. The first octet picks whether the rest is a whole
 * document (a BOSH body, a WebSocket message) or a first-level element after a stream header (RFC 6120 §4.7).
 */
class PlainElementFuzzTest {

    private static final XmlParser PARSER = new XmlParser(XmlInvariants.SMALL);
    private static final byte[] HEADER = ("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream="
            + "'http://etherx.jabber.org/streams' xmlns:p='urn:p' id='s1' version='1.0' xml:lang='en'>")
            .getBytes(StandardCharsets.UTF_8);
    private static final String[] BINDINGS = PlainElement.bindingsOf(HEADER, XmlInvariants.SMALL);

    @FuzzTest
    void theShortcutAnswersOnlyWhatTheParserReadsAndAsItReadsIt(byte[] input) {
        if (input.length == 0) {
            return;
        }
        boolean firstLevel = (input[0] & 1) == 1;
        byte[] octets = Arrays.copyOfRange(input, 1, input.length);
        XmlElement plain = firstLevel
                ? PlainElement.readFirstLevel(BINDINGS, octets, 0, octets.length, XmlInvariants.SMALL)
                : PlainElement.readDocument(octets, XmlInvariants.SMALL);
        XmlElement parsed;
        try {
            parsed = firstLevel ? PARSER.parseFirstLevelInDocument(HEADER, octets, 0, octets.length)
                    : PARSER.parse(octets, XmlInvariants.SMALL.maxBytes());
        } catch (XmlParseException refused) {
            if (plain != null) {
                fail("the shortcut read what the parser refuses (" + refused.getMessage() + ")");
            }
            return;
        }
        if (plain != null) {
            assertEquals(PlainElementTest.canonical(parsed), PlainElementTest.canonical(plain));
        }
    }
}
