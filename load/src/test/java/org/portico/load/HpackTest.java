package org.portico.load;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HexFormat;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The part of HPACK (RFC 7541) the generator's HTTP/2 client encodes and decodes, on the RFC's own examples. */
class HpackTest {

    private static byte[] hex(String digits) {
        return HexFormat.of().parseHex(digits.replace(" ", ""));
    }

    @Test
    void integersTakeTheirPrefixThenSevenBitsAByte_C_1() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Hpack.integer(out, 0x00, 5, 10);
        Hpack.integer(out, 0x00, 5, 1337);
        Hpack.integer(out, 0x00, 8, 42);
        assertArrayEquals(hex("0a 1f9a0a 2a"), out.toByteArray());
    }

    /** A request's block as in RFC 7541 C.3: {@code :method GET}, then {@code :scheme} and {@code :path} by index. */
    private static byte[] request(Hpack.Encoder encoder, int scheme, int path, Consumer<ByteArrayOutputStream> fields) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        encoder.start(out);
        Hpack.indexed(out, 2);
        Hpack.indexed(out, scheme);
        Hpack.indexed(out, path);
        fields.accept(out);
        return out.toByteArray();
    }

    @Test
    void theEncoderIndexesEachFieldOnceAndNamesItByIndexAfterwards_C_3() {
        Hpack.Encoder encoder = new Hpack.Encoder();
        assertArrayEquals(hex("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"), request(encoder, 6, 4,
                out -> encoder.field(out, Hpack.AUTHORITY, ":authority", "www.example.com")));
        assertArrayEquals(hex("8286 84be 5808 6e6f 2d63 6163 6865"), request(encoder, 6, 4, out -> {
            encoder.field(out, Hpack.AUTHORITY, ":authority", "www.example.com");
            encoder.field(out, 24, "cache-control", "no-cache");
        }));
        assertArrayEquals(hex("8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65"),
                request(encoder, 7, 5, out -> {
                    encoder.field(out, Hpack.AUTHORITY, ":authority", "www.example.com");
                    encoder.field(out, 0, "custom-key", "custom-value");
                }));
    }

    /** The answer of RFC 7541 C.5 with the given status, every field indexed by the encoder. */
    private static byte[] answer(Hpack.Encoder encoder, String status) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        encoder.start(out);
        encoder.field(out, 8, ":status", status);
        encoder.field(out, 24, "cache-control", "private");
        encoder.field(out, 33, "date", "Mon, 21 Oct 2013 20:13:21 GMT");
        encoder.field(out, 46, "location", "https://www.example.com");
        return out.toByteArray();
    }

    @Test
    void aSmallerTableIsAnnouncedAndEvictsTheOldestEntries_C_5() {
        Hpack.Encoder encoder = new Hpack.Encoder();
        encoder.maxTableSize(256);
        assertArrayEquals(hex("3fe101" // the size update, §6.3: 256 after a 5-bit prefix
                + "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133"
                + "3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"),
                answer(encoder, "302"));
        assertArrayEquals(hex("4803 3330 37c1 c0bf"), answer(encoder, "307"), ":status 302 evicted for 307");
    }

    @Test
    void aStatusIsReadPlain_C_5_1() throws IOException {
        // ":status: 302" as a literal with incremental indexing of name 8, then "cache-control: private"
        assertEquals(302, Hpack.status(hex("4803 333032 5807 70726976617465")));
    }

    @Test
    void aStatusIsReadHuffmanCoded_C_6() throws IOException {
        assertEquals(302, Hpack.status(hex("4882 6402")), "C.6.1: 16 bits, no padding");
        assertEquals(307, Hpack.status(hex("4883 640eff")), "C.6.2: 17 bits and 7 of padding");
    }

    @Test
    void aStatusOfTheStaticTableIsOneByte() throws IOException {
        assertEquals(200, Hpack.status(hex("88")));
        assertEquals(404, Hpack.status(hex("8d")));
        assertEquals(0, Hpack.status(hex("0f0b 04 677a6970")), "a block without :status, e.g. trailers");
    }

    @Test
    void fieldsAroundTheStatusAreSkippedByTheirLengths() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x20); // dynamic table size update to 0 (§6.3)
        Hpack.literal(out, "x-long", "v".repeat(300)); // a length past the 7-bit prefix
        Hpack.indexed(out, 13);
        Hpack.literal(out, Hpack.CONTENT_TYPE, "text/xml");
        assertEquals(404, Hpack.status(out.toByteArray()));
    }

    @Test
    void aDynamicTableEntryOrABrokenBlockIsRefused() {
        assertThrows(IOException.class, () -> Hpack.status(hex("be")), "index 62: the dynamic table is kept empty");
        assertThrows(IOException.class, () -> Hpack.status(hex("4805 3330")), "a string longer than its block");
        assertThrows(IOException.class, () -> Hpack.status(hex("4881 64")), "padding that is not all ones");
        assertThrows(IOException.class, () -> Hpack.status(hex("4803 333a32")), "not a number");
    }
}
