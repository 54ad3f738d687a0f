package org.portico.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class InboundScannerTest {

    private final List<String> found = new ArrayList<>();
    private final InboundScanner scanner = new InboundScanner(new InboundScanner.Sink() {
        @Override
        public void message(long window, int sender, long seq, long scheduledNanos) {
            found.add("m " + window + " " + sender + " " + seq + " " + scheduledNanos);
        }

        @Override
        public void pingAnswer(long ping) {
            found.add("p " + ping);
        }
    });

    private static final String TRAFFIC = "<body xmlns='http://jabber.org/protocol/httpbind'>"
            + "<message from='test2@localhost/x' to='test1@localhost/y' type='chat' id='w3-1-7'>"
            + "<body>L:3:1:7:123456789</body><stanza-id xmlns='urn:xmpp:sid:0' id='abc'/></message>"
            + "<iq type=\"result\" id=\"ping-42\" from='localhost'/>"
            + "<message type='chat'><body>L:3:1:8:123456999</body></message></body>";

    @ParameterizedTest(name = "cut every {0} characters")
    @ValueSource(ints = {1, 2, 3, 7, 13, 50, 1000})
    void findsEveryMarkerAndPingAnswerOnceHoweverTheTextIsCut(int chunk) {
        for (int i = 0; i < TRAFFIC.length(); i += chunk) {
            scanner.feed(TRAFFIC.substring(i, Math.min(TRAFFIC.length(), i + chunk)));
        }
        assertEquals(List.of("m 3 1 7 123456789", "p 42", "m 3 1 8 123456999"), sorted(found));
    }

    @Test
    void aMarkerRepeatedInANewStanzaIsReportedAgainSoDuplicatesCanBeCounted() {
        scanner.feed("<message><body>L:1:0:5:99</body></message>");
        scanner.feed("<message><body>L:1:0:5:99</body></message>");
        assertEquals(List.of("m 1 0 5 99", "m 1 0 5 99"), found);
    }

    @Test
    void aNumberCutAtTheEndOfAChunkIsNotReportedUntilItEnds() {
        scanner.feed("<body>L:1:0:5:12");
        assertEquals(List.of(), found);
        scanner.feed("34</body>");
        assertEquals(List.of("m 1 0 5 1234"), found);
    }

    private static List<String> sorted(List<String> events) {
        // markers and pings are found in two passes per chunk, so their relative order depends on the cut
        List<String> messages = new ArrayList<>(events.stream().filter(e -> e.startsWith("m")).toList());
        messages.addAll(1, events.stream().filter(e -> e.startsWith("p")).toList());
        return messages;
    }
}
