package org.portico.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlInvariants;
import org.portico.xml.XmlNode;
import org.portico.xml.XmlParser;

/**
 * Fuzzing the RFC 7395 framing codec with Jazzer: any text message is an {@code <open/>}, a {@code <close/>}, one
 * element, a blank keepalive, or a {@link FramingCodec.FramingException} with a stream error condition of RFC 6120
 * §4.9.3 (R85, R89) — never another exception. An element frames back (R86) to a message that parses to the same
 * element, and no element without a namespace reaches the upstream.
 */
class FramingCodecFuzzTest {

    private static final FramingCodec CODEC = new FramingCodec(new XmlParser(XmlInvariants.SMALL));
    /** What a client message alone can be refused with. */
    private static final Set<StreamErrorCondition> CLIENT_MESSAGE_ERRORS =
            Set.of(StreamErrorCondition.NOT_WELL_FORMED, StreamErrorCondition.INVALID_NAMESPACE);

    @FuzzTest
    void anyMessageIsAFrameOrAStreamError(byte[] octets) {
        // Jetty hands over a text message as a String decoded from UTF-8
        String message = new String(octets, StandardCharsets.UTF_8);
        FramingCodec.ClientFrame frame;
        try {
            frame = CODEC.parse(message);
        } catch (FramingCodec.FramingException e) {
            assertTrue(CLIENT_MESSAGE_ERRORS.contains(e.condition()), "unexpected condition " + e.condition());
            return;
        }
        switch (frame) {
            case FramingCodec.Open open -> {
                try {
                    assertNotNull(open.header().to(), "a stream header always has its 'to'");
                } catch (FramingCodec.FramingException e) {
                    assertEquals(StreamErrorCondition.HOST_UNKNOWN, e.condition(), "an <open/> without 'to'");
                }
            }
            case FramingCodec.Element element -> {
                XmlElement relayed = element.element();
                XmlInvariants.withinLimits(relayed, XmlInvariants.SMALL);
                assertQualified(relayed);
                FramingCodec.ClientFrame again = parse(FramingCodec.element(relayed, null));
                assertEquals(relayed, assertInstanceOf(FramingCodec.Element.class, again).element(),
                        "a framed element parses back to itself");
            }
            case FramingCodec.Close close -> { }
            case FramingCodec.Blank blank -> assertTrue(message.isBlank());
        }
    }

    private static void assertQualified(XmlElement element) {
        assertFalse(element.namespace().isEmpty(), "<" + element.localName() + "/> reaches the upstream unqualified");
        for (XmlNode child : element.children()) {
            if (child instanceof XmlElement e) {
                assertQualified(e);
            }
        }
    }

    private static FramingCodec.ClientFrame parse(String message) {
        try {
            return CODEC.parse(message);
        } catch (FramingCodec.FramingException e) {
            throw new AssertionError("a frame Portico wrote is refused: " + e.getMessage() + "\n" + message, e);
        }
    }
}
