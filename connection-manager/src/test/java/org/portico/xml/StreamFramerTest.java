package org.portico.xml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Where each unit of an XMPP stream ends (RFC 6120 §4: the header, first-level elements, the closing tag), as a
 * script table: the bytes the server sends, and the units the framer must cut them into, joined by {@code |}.
 * Every row is fed in every possible split into two reads and one octet at a time, since a socket may deliver any
 * split; the units found must not depend on it.
 */
class StreamFramerTest {

    private static final String HEADER = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
            + "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";
    /** A header short enough for the tests of small bounds. */
    private static final String SHORT_HEADER = "<stream:stream>";

    static Stream<Arguments> script() {
        return Stream.of(
                // new document: the declaration and the header are one unit
                Arguments.of(false, HEADER + "<stream:features/>", HEADER + "|<stream:features/>"),
                // between first-level elements: nested elements stay inside their first-level one
                Arguments.of(true, "<message to='a'><body>hi</body></message><iq type='get'/>",
                        "<message to='a'><body>hi</body></message>|<iq type='get'/>"),
                // whitespace keepalives go with the unit after them
                Arguments.of(true, " \n <presence/>  ", " \n <presence/>"),
                // '>' and '/>' inside quoted attribute values, both quote kinds
                Arguments.of(true, "<message a='x>y' b=\"/>\"><body/></message><r/>",
                        "<message a='x>y' b=\"/>\"><body/></message>|<r/>"),
                // markup inside CDATA and comments moves no depth
                Arguments.of(true, "<m><![CDATA[</m><x>]]]></m><n><!-- </n> -- --></n>",
                        "<m><![CDATA[</m><x>]]]></m>|<n><!-- </n> -- --></n>"),
                // a processing instruction inside an element (the parser refuses it; the framer passes it on)
                Arguments.of(true, "<m><?pi x?>></m>", "<m><?pi x?>></m>"),
                // the closing tag is a unit of its own
                Arguments.of(true, "<r/></stream:stream>", "<r/>|</stream:stream>"),
                // an unfinished element is no unit yet
                Arguments.of(true, "<r/><message><body>half", "<r/>"),
                // multi-byte UTF-8 text and attribute values
                Arguments.of(true, "<m a='é>'>ü€😀</m>", "<m a='é>'>ü€😀</m>"));
    }

    @ParameterizedTest
    @MethodSource("script")
    void cutsTheStreamIntoUnitsWhateverTheReadsAre(boolean inStream, String sent, String expected) throws Exception {
        byte[] bytes = sent.getBytes(StandardCharsets.UTF_8);
        for (int split = 0; split <= bytes.length; split++) {
            assertEquals(expected, units(framer(inStream), bytes, split), "split at " + split);
        }
        assertEquals(expected, unitsOctetByOctet(framer(inStream), bytes));
    }

    @Test
    void tellsWhichKindOfUnitEachIs() throws Exception {
        byte[] bytes = (HEADER + "<iq/><message><body/></message></stream:stream>").getBytes(StandardCharsets.UTF_8);
        StreamFramer framer = new StreamFramer(4096);
        List<StreamFramer.Unit> kinds = new ArrayList<>();
        int from = 0;
        int end;
        while ((end = framer.scan(bytes, from, bytes.length)) >= 0) {
            kinds.add(framer.unit());
            from = end;
        }
        assertEquals(List.of(StreamFramer.Unit.HEADER, StreamFramer.Unit.ELEMENT, StreamFramer.Unit.ELEMENT,
                StreamFramer.Unit.CLOSE), kinds);

        byte[] empty = "<?xml version='1.0'?><stream:stream/>".getBytes(StandardCharsets.UTF_8);
        StreamFramer fresh = new StreamFramer(4096);
        assertEquals(empty.length, fresh.scan(empty, 0, empty.length));
        assertEquals(StreamFramer.Unit.CLOSE, fresh.unit(), "an empty stream element opens and ends the stream");
    }

    @Test
    void aNewDocumentAfterSaslSuccessStartsWithItsHeader() throws Exception {
        byte[] bytes = ("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>" + HEADER + "<stream:features/>")
                .getBytes(StandardCharsets.UTF_8);
        StreamFramer framer = inStream(4096, HEADER);
        int first = framer.scan(bytes, 0, bytes.length);
        framer.startDocument();
        int second = framer.scan(bytes, first, bytes.length);
        int third = framer.scan(bytes, second, bytes.length);
        assertEquals(HEADER, new String(bytes, first, second - first, StandardCharsets.UTF_8));
        assertEquals("<stream:features/>", new String(bytes, second, third - second, StandardCharsets.UTF_8));
    }

    @Test
    void aUnitPastTheBoundIsRefusedBeforeItIsAllBuffered() throws Exception {
        byte[] bytes = ("<message><body>" + "x".repeat(100) + "</body></message>").getBytes(StandardCharsets.UTF_8);
        StreamFramer framer = inStream(64, SHORT_HEADER);
        assertThrows(XmlParseException.class, () -> framer.scan(bytes, 0, bytes.length));
    }

    @Test
    void keepalivesBetweenUnitsDoNotCountAgainstTheBound() throws Exception {
        StreamFramer framer = inStream(16, SHORT_HEADER);
        byte[] space = {' '};
        for (int i = 0; i < 100; i++) {
            assertEquals(-1, framer.scan(space, 0, 1));
        }
        byte[] element = "<r/>".getBytes(StandardCharsets.UTF_8);
        assertEquals(element.length, framer.scan(element, 0, element.length));
    }

    /** RFC 6120 §4.9.3.1 bad-format must not wait for bytes that never come: the mismatch is the end. */
    @Test
    void anEndTagThatDoesNotMatchItsStartTagIsRefusedWhenItArrives() throws Exception {
        for (String sent : List.of("<message><body>unclosed</message>", "<message><body></bodyx>",
                "<a><b/></ab>", "<a:b xmlns:a='x'></a:c>")) {
            byte[] bytes = sent.getBytes(StandardCharsets.UTF_8);
            StreamFramer framer = inStream(4096, HEADER);
            assertThrows(XmlParseException.class, () -> framer.scan(bytes, 0, bytes.length), sent);
        }
        byte[] fine = "<a:b xmlns:a='x'><c/><d></d ></a:b>".getBytes(StandardCharsets.UTF_8);
        assertEquals(fine.length, inStream(4096, HEADER).scan(fine, 0, fine.length));
    }

    @Test
    void anEndTagWithNothingOpenIsRefused() throws Exception {
        byte[] bytes = "</stream:stream></x>".getBytes(StandardCharsets.UTF_8);
        StreamFramer framer = inStream(4096, HEADER);
        assertThrows(XmlParseException.class, () -> {
            int end = framer.scan(bytes, 0, bytes.length);
            framer.scan(bytes, end, bytes.length);
        });
    }

    /** A new framer, or one that has read {@link #HEADER}, so that a row may start between first-level elements. */
    private static StreamFramer framer(boolean inStream) throws XmlParseException {
        return inStream ? inStream(4096, HEADER) : new StreamFramer(4096);
    }

    /** A framer bounded to {@code maxUnitBytes} that has read {@code header}: it scans inside the stream. */
    private static StreamFramer inStream(int maxUnitBytes, String header) throws XmlParseException {
        StreamFramer framer = new StreamFramer(maxUnitBytes);
        byte[] bytes = header.getBytes(StandardCharsets.UTF_8);
        assertEquals(bytes.length, framer.scan(bytes, 0, bytes.length));
        assertEquals(StreamFramer.Unit.HEADER, framer.unit());
        return framer;
    }

    /** The units {@code framer} finds when the bytes arrive in two reads, split at {@code split}. */
    private static String units(StreamFramer framer, byte[] bytes, int split) throws XmlParseException {
        List<String> units = new ArrayList<>();
        int unitStart = 0;
        int scanned = 0;
        for (int available : new int[] {split, bytes.length}) {
            int end;
            while ((end = framer.scan(bytes, scanned, available)) >= 0) {
                units.add(new String(bytes, unitStart, end - unitStart, StandardCharsets.UTF_8));
                unitStart = end;
                scanned = end;
            }
            scanned = available;
        }
        return String.join("|", units);
    }

    private static String unitsOctetByOctet(StreamFramer framer, byte[] bytes) throws XmlParseException {
        List<String> units = new ArrayList<>();
        int unitStart = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (framer.scan(bytes, i, i + 1) >= 0) {
                units.add(new String(bytes, unitStart, i + 1 - unitStart, StandardCharsets.UTF_8));
                unitStart = i + 1;
            }
        }
        return String.join("|", units);
    }
}
