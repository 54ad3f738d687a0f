package org.portico.websocket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A text message's fragments are joined into its octets (RFC 6455 §5.4), within websocket.maxMessageBytes. */
class FragmentsTest {

    private static ByteBuffer octets(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aMessageOfOneFrameIsItsPayload() throws Exception {
        Fragments fragments = new Fragments(100);

        assertArrayEquals("<a/>".getBytes(StandardCharsets.UTF_8), fragments.add(octets("<a/>"), true));
        assertFalse(fragments.pending());
    }

    @Test
    void theFrameThatEndsAMessageReturnsItsFragmentsJoinedInOrder() throws Exception {
        Fragments fragments = new Fragments(1000);

        assertNull(fragments.add(octets("<message><body>"), false));
        assertTrue(fragments.pending());
        assertNull(fragments.add(octets("x".repeat(600)), false)); // beyond the first buffer
        assertNull(fragments.add(ByteBuffer.allocate(0), false));
        byte[] message = fragments.add(octets("</body></message>"), true);

        assertArrayEquals(("<message><body>" + "x".repeat(600) + "</body></message>").getBytes(
                StandardCharsets.UTF_8), message);
        assertFalse(fragments.pending());
    }

    @Test
    void aCharacterCutBetweenTwoFragmentsIsWholeInTheMessage() throws Exception {
        byte[] e = "é".getBytes(StandardCharsets.UTF_8);
        Fragments fragments = new Fragments(100);

        fragments.add(ByteBuffer.wrap(e, 0, 1), false);
        byte[] message = fragments.add(ByteBuffer.wrap(e, 1, 1), true);

        assertArrayEquals(e, message);
    }

    @Test
    void aMessageAboveTheLimitIsRefusedEvenWhenNoFrameIsAboveIt() throws Exception {
        Fragments fragments = new Fragments(10);

        fragments.add(octets("123456"), false);
        assertThrows(Fragments.TooLarge.class, () -> fragments.add(octets("78901"), true));
        assertFalse(fragments.pending(), "what was gathered is dropped");
    }

    @Test
    void aMessageOfExactlyTheLimitIsTaken() throws Exception {
        Fragments fragments = new Fragments(10);

        fragments.add(octets("12345"), false);

        assertArrayEquals("1234567890".getBytes(StandardCharsets.UTF_8), fragments.add(octets("67890"), true));
    }

    @Test
    void theNextMessageStartsAfresh() throws Exception {
        Fragments fragments = new Fragments(100);
        fragments.add(octets("<a>"), false);
        fragments.add(octets("</a>"), true);

        assertArrayEquals("<b/>".getBytes(StandardCharsets.UTF_8), fragments.add(octets("<b/>"), true));
    }
}
