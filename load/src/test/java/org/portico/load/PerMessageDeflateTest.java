package org.portico.load;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The generator's permessage-deflate (RFC 7692): the server's answer read, and messages both ways. */
class PerMessageDeflateTest {

    private static final byte[] HELLO = "Hello".getBytes(StandardCharsets.US_ASCII);
    /** RFC 7692 §7.2.3.1: "Hello" in one compressed DEFLATE block. */
    private static final byte[] HELLO_COMPRESSED = bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00);
    /** RFC 7692 §7.2.3.2: the same message again, with the window of the first. */
    private static final byte[] HELLO_AGAIN_COMPRESSED = bytes(0xf2, 0x00, 0x11, 0x00, 0x00);

    @Test
    void noAnswerMeansNoExtension() throws IOException {
        assertNull(PerMessageDeflate.accepted(null));
        assertNull(PerMessageDeflate.accepted(" "));
    }

    @Test
    void anAnswerThatWasNotOfferedOrCannotBeHonouredIsRefused_Rfc6455Section9_1() {
        for (String answer : new String[] {"x-webkit-deflate-frame", "permessage-deflate, permessage-deflate",
                "permessage-deflate; client_max_window_bits=10", "permessage-deflate; mystery"}) {
            assertThrows(IOException.class, () -> PerMessageDeflate.accepted(answer), answer);
        }
    }

    @Test
    void inflatesTheExamplesOfRfc7692Section7_2_3WithTheWindowCarriedOver() throws IOException {
        PerMessageDeflate deflate = PerMessageDeflate.accepted("permessage-deflate; client_max_window_bits=15");
        assertNotNull(deflate);
        assertArrayEquals(HELLO, deflate.inflate(HELLO_COMPRESSED, 100));
        assertArrayEquals(HELLO, deflate.inflate(HELLO_AGAIN_COMPRESSED, 100),
                "the second refers back into the first message's window");
    }

    @Test
    void compressesAsRfc7692Section7_2_1SaysWithTheTailLeftOff() throws IOException {
        PerMessageDeflate client = PerMessageDeflate.accepted("permessage-deflate");
        PerMessageDeflate server = PerMessageDeflate.accepted("permessage-deflate");
        assertArrayEquals(HELLO_COMPRESSED, client.compress(HELLO), "§7.2.3.1's bytes");
        byte[] again = client.compress(HELLO);
        assertTrue(again.length < HELLO_COMPRESSED.length, "the context is taken over: " + again.length + " bytes");
        assertArrayEquals(HELLO, server.inflate(HELLO_COMPRESSED, 100));
        assertArrayEquals(HELLO, server.inflate(again, 100));
    }

    @Test
    void aSideThatResetsItsContextCompressesEachMessageAlone_Rfc7692Section7_1_1() throws IOException {
        PerMessageDeflate client = PerMessageDeflate.accepted(
                "permessage-deflate; client_no_context_takeover; server_no_context_takeover");
        assertArrayEquals(HELLO_COMPRESSED, client.compress(HELLO));
        assertArrayEquals(HELLO_COMPRESSED, client.compress(HELLO), "no reference to the message before");
        assertArrayEquals(HELLO, client.inflate(HELLO_COMPRESSED, 100));
        assertArrayEquals(HELLO, client.inflate(HELLO_COMPRESSED, 100));
    }

    @Test
    void aMessageThatInflatesPastTheLimitIsRefused() throws IOException {
        PerMessageDeflate sender = PerMessageDeflate.accepted("permessage-deflate");
        byte[] big = sender.compress("a".repeat(100_000).getBytes(StandardCharsets.US_ASCII));
        PerMessageDeflate receiver = PerMessageDeflate.accepted("permessage-deflate");
        IOException refused = assertThrows(IOException.class, () -> receiver.inflate(big, 10_000));
        assertEquals("a compressed message of more than 10000 bytes", refused.getMessage());
    }

    private static byte[] bytes(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        return bytes;
    }
}
