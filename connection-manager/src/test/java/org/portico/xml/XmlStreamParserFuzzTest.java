package org.portico.xml;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Fuzzing the upstream stream reader: {@link XmlStreamParser} over octets from the XMPP server, as
 * {@code org.portico.upstream.UpstreamConnection} drives it (a new document after SASL {@code <success/>}, RFC 6120
 * §6.4.6), with the octets arriving in reads of fuzzer-chosen sizes as from a socket. Only {@link XmlParseException}
 * escapes, the reader ends (a finite input gives a bounded number of events), and every element stays inside the
 * limits and writes back to an equal tree.
 */
class XmlStreamParserFuzzTest {

    private static final XmlParser PARSER = new XmlParser(XmlInvariants.SMALL);

    @FuzzTest
    void anyServerOctetsGiveElementsWithinTheLimitsOrARefusal(byte[] input) {
        if (input.length == 0) {
            return;
        }
        // the first octet picks how the rest is cut into reads, the rest is what the server sent
        byte[] octets = Arrays.copyOfRange(input, 1, input.length);
        InputStream in = new SocketLike(octets, input[0] & 0xFF);
        try {
            XmlStreamParser parser = new XmlStreamParser(PARSER, in);
            // every event but the last consumes at least one octet; restarts start a new document on what remains
            for (int events = 0; ; events++) {
                assertTrue(events <= 2 * octets.length + 2, "the reader keeps producing events from finite input");
                switch (parser.next()) {
                    case XmlStreamParser.Opened opened -> XmlInvariants.withinLimits(opened.header(),
                            XmlInvariants.SMALL);
                    case XmlStreamParser.Element element -> {
                        XmlInvariants.withinLimits(element.element(), XmlInvariants.SMALL);
                        XmlInvariants.roundTrips(element.element());
                        if (element.element().is(Namespaces.SASL, "success")) {
                            parser.restart(in);
                        }
                    }
                    case XmlStreamParser.Closed closed -> {
                        return;
                    }
                }
            }
        } catch (XmlParseException refused) {
            // the upstream ends with the spec's condition (UpstreamStream#unreadable)
        }
    }

    /**
     * Hands out the octets in reads of 1…64 octets whose sizes follow from {@code cut} (255: as much as asked), as a
     * socket may.
     */
    private static final class SocketLike extends InputStream {
        private final byte[] octets;
        private final int cut;
        private int position;
        private int reads;

        SocketLike(byte[] octets, int cut) {
            this.octets = octets;
            this.cut = cut;
        }

        @Override
        public int read() {
            return position < octets.length ? octets[position++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (length == 0) {
                return 0;
            }
            if (position >= octets.length) {
                return -1;
            }
            int size = cut == 255 ? length : 1 + (cut + 7 * reads++) % 64;
            int n = Math.min(Math.min(length, size), octets.length - position);
            System.arraycopy(octets, position, buffer, offset, n);
            position += n;
            return n;
        }
    }
}
