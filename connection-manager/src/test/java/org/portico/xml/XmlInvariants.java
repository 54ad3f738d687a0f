package org.portico.xml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import javax.xml.namespace.QName;

/**
 * What every tree a Portico parser returns must satisfy, whatever the input: the {@link XmlLimits} it was parsed
 * under hold, and it survives a trip through {@link XmlWriter} (what Portico relays is what it read). Shared by the
 * fuzz tests of the parsers ({@code *FuzzTest}); each failure names the invariant and the input's tree.
 */
public final class XmlInvariants {

    /** Small enough that fuzz inputs of a few KiB reach every limit. */
    public static final XmlLimits SMALL = new XmlLimits(2048, 6, 8, 1024);
    /** Re-parsing a serialized tree must not be refused for its size: escaping makes text longer. */
    private static final XmlParser ROOMY = new XmlParser(new XmlLimits(1 << 20, SMALL.maxDepth(),
            SMALL.maxAttributes(), 1 << 20));

    private XmlInvariants() {
    }

    /**
     * Depth, attribute count and attribute value length within {@code limits}; the characters of names, attribute
     * values and text within the element budget {@code maxBytes}, which {@link XmlParser#readElement} charges.
     */
    public static void withinLimits(XmlElement element, XmlLimits limits) {
        int chars = charsAndCheck(element, limits, 1);
        assertTrue(chars <= limits.maxBytes(), "the element's characters (" + chars + ") exceed maxBytes");
    }

    private static int charsAndCheck(XmlElement element, XmlLimits limits, int depth) {
        assertTrue(depth <= limits.maxDepth(), "depth " + depth + " exceeds maxDepth");
        assertTrue(element.attributes().size() <= limits.maxAttributes(), "too many attributes");
        int chars = 0;
        for (Map.Entry<QName, String> attribute : element.attributes().entrySet()) {
            assertTrue(attribute.getValue().length() <= limits.maxTextLength(), "attribute value too long");
            chars += attribute.getValue().length() + attribute.getKey().getLocalPart().length();
        }
        for (XmlNode child : element.children()) {
            chars += switch (child) {
                case XmlElement e -> charsAndCheck(e, limits, depth + 1);
                case XmlText t -> t.text().length();
            };
        }
        return chars;
    }

    /**
     * The element written as a standalone document parses back to an equal tree: same names and namespaces, same
     * attributes, same text, same order (prefixes may differ; {@link QName} equality ignores them).
     */
    public static void roundTrips(XmlElement element) {
        String written = XmlWriter.standalone(element);
        XmlElement again;
        try {
            again = ROOMY.parseDocument(written.getBytes(StandardCharsets.UTF_8));
        } catch (XmlParseException e) {
            fail("what Portico wrote does not parse again: " + e.getMessage() + "\n" + written, e);
            return;
        }
        assertEquals(element, again, "re-parsed tree differs:\n" + written);
    }
}
