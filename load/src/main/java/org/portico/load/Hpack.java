package org.portico.load;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * The part of HPACK (RFC 7541) the generator's HTTP/2 client needs. Requests are encoded as a browser's encoder
 * encodes them ({@link Encoder}): a field goes into the server's dynamic table the first time (§6.2.1) and is named by
 * its index afterwards, so a session's later requests cost the server a few bytes of header block each, as a
 * browser's do; strings go without Huffman coding. Of an answer only {@code :status} is read; every other field is
 * skipped by its lengths. The client announces {@code SETTINGS_HEADER_TABLE_SIZE} 0, so the server's encoder keeps
 * no dynamic table and an index past the static table is an error here. (A browser offers a table, so Jetty may
 * index the answer's fields for it; reading those would need the whole Huffman code, which this client does not
 * carry.)
 */
final class Hpack {

    /** Static table indexes (Appendix A). */
    static final int AUTHORITY = 1;
    static final int METHOD_POST = 3;
    static final int PATH = 4;
    static final int SCHEME_HTTP = 6;
    static final int ACCEPT_ENCODING = 16;
    static final int CONTENT_LENGTH = 28;
    static final int CONTENT_TYPE = 31;
    private static final int STATUS_FIRST = 8;
    private static final int STATUS_LAST = 14;
    private static final int[] STATIC_STATUS = {200, 204, 206, 304, 400, 404, 500};
    private static final int STATIC_TABLE_SIZE = 61;

    private Hpack() {
    }

    /** A field of the static table, name and value (§6.1). */
    static void indexed(ByteArrayOutputStream out, int index) {
        integer(out, 0x80, 7, index);
    }

    /** A literal without indexing whose name is the static table's entry {@code nameIndex} (§6.2.2). */
    static void literal(ByteArrayOutputStream out, int nameIndex, String value) {
        integer(out, 0x00, 4, nameIndex);
        string(out, value);
    }

    /** A literal without indexing with a new name, which HTTP/2 wants in lower case (RFC 9113 §8.2.1). */
    static void literal(ByteArrayOutputStream out, String name, String value) {
        out.write(0x00);
        string(out, name);
        string(out, value);
    }

    /** An integer with an {@code prefixBits}-bit prefix after the pattern {@code first} (§5.1). */
    static void integer(ByteArrayOutputStream out, int first, int prefixBits, int value) {
        int max = (1 << prefixBits) - 1;
        if (value < max) {
            out.write(first | value);
            return;
        }
        out.write(first | max);
        value -= max;
        while (value >= 0x80) {
            out.write((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.write(value);
    }

    /**
     * The encoder's side of one connection's dynamic table (§2.3.2, §4): which fields the server's decoder holds, so
     * they are sent as an index. Its user encodes the blocks in the order they go on the connection.
     */
    static final class Encoder {
        /** The decoder's table size until its SETTINGS say otherwise (RFC 9113 §6.5.2). */
        static final int DEFAULT_TABLE_SIZE = 4096;
        /** Per entry, beyond its name and value (§4.1). */
        private static final int ENTRY_OVERHEAD = 32;

        /** The entries, newest first: index 62 is the first (§2.3.3). */
        private final ArrayDeque<String[]> table = new ArrayDeque<>();
        private int size;
        private int capacity = DEFAULT_TABLE_SIZE;
        /** Whether the next block starts with a dynamic table size update (§4.2, §6.3). */
        private boolean capacityChanged;

        /** The server's {@code SETTINGS_HEADER_TABLE_SIZE}: the table shrinks to it, and never grows past 4096. */
        void maxTableSize(int max) {
            int wanted = Math.min(max, DEFAULT_TABLE_SIZE);
            if (wanted != capacity) {
                capacity = wanted;
                capacityChanged = true;
                evict(0);
            }
        }

        /** Starts a header block. */
        void start(ByteArrayOutputStream out) {
            if (capacityChanged) {
                integer(out, 0x20, 5, capacity);
                capacityChanged = false;
            }
        }

        /**
         * A field: as an index if the table holds it, else as a literal that the table then takes. {@code nameIndex}
         * is the name's static index, or 0 to send the name.
         */
        void field(ByteArrayOutputStream out, int nameIndex, String name, String value) {
            int index = STATIC_TABLE_SIZE + 1;
            for (String[] entry : table) {
                if (entry[0].equals(name) && entry[1].equals(value)) {
                    indexed(out, index);
                    return;
                }
                index++;
            }
            integer(out, 0x40, 6, nameIndex);
            if (nameIndex == 0) {
                string(out, name);
            }
            string(out, value);
            int entrySize = octets(name) + octets(value) + ENTRY_OVERHEAD;
            evict(entrySize);
            if (entrySize <= capacity) { // a larger entry empties the table and is not added (§4.4)
                table.addFirst(new String[] {name, value});
                size += entrySize;
            }
        }

        /** Drops the oldest entries until {@code room} more octets fit (§4.4). */
        private void evict(int room) {
            while (!table.isEmpty() && size + room > capacity) {
                String[] oldest = table.removeLast();
                size -= octets(oldest[0]) + octets(oldest[1]) + ENTRY_OVERHEAD;
            }
        }

        private static int octets(String text) {
            return text.getBytes(StandardCharsets.ISO_8859_1).length;
        }
    }

    private static void string(ByteArrayOutputStream out, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.ISO_8859_1);
        integer(out, 0x00, 7, bytes.length);
        out.writeBytes(bytes);
    }

    /**
     * The {@code :status} of an answer's header block, or 0 if it has none (trailers).
     *
     * @throws IOException if the block is malformed or refers to a dynamic table entry
     */
    static int status(byte[] block) throws IOException {
        Reader in = new Reader(block);
        int status = 0;
        while (in.position < block.length) {
            int first = block[in.position] & 0xff;
            if ((first & 0x80) != 0) {
                int index = in.integer(7);
                if (index == 0 || index > STATIC_TABLE_SIZE) {
                    throw new IOException("HPACK index " + index + " outside the static table");
                }
                if (index >= STATUS_FIRST && index <= STATUS_LAST) {
                    status = STATIC_STATUS[index - STATUS_FIRST];
                }
            } else if ((first & 0xe0) == 0x20) {
                in.integer(5); // a dynamic table size update: the table stays empty
            } else {
                int nameIndex = in.integer((first & 0x40) != 0 ? 6 : 4);
                if (nameIndex > STATIC_TABLE_SIZE) {
                    throw new IOException("HPACK name index " + nameIndex + " outside the static table");
                }
                if (nameIndex == 0) {
                    in.skipString();
                }
                if (nameIndex >= STATUS_FIRST && nameIndex <= STATUS_LAST) {
                    status = in.digits();
                } else {
                    in.skipString();
                }
            }
        }
        return status;
    }

    /** Reads a header block from its start. */
    private static final class Reader {
        private final byte[] block;
        private int position;

        Reader(byte[] block) {
            this.block = block;
        }

        private int next() throws IOException {
            if (position >= block.length) {
                throw new IOException("HPACK block ends inside a field");
            }
            return block[position++] & 0xff;
        }

        int integer(int prefixBits) throws IOException {
            int max = (1 << prefixBits) - 1;
            int value = next() & max;
            if (value < max) {
                return value;
            }
            for (int shift = 0; shift <= 21; shift += 7) {
                int b = next();
                value += (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
            throw new IOException("HPACK integer too large");
        }

        void skipString() throws IOException {
            int length = integer(7);
            if (length > block.length - position) {
                throw new IOException("HPACK string longer than its block");
            }
            position += length;
        }

        /** A string of decimal digits, plain or Huffman-coded (Appendix B: '0'–'2' in 5 bits, '3'–'9' in 6). */
        int digits() throws IOException {
            boolean huffman = (block[position] & 0x80) != 0;
            int length = integer(7);
            if (length > block.length - position) {
                throw new IOException("HPACK string longer than its block");
            }
            int end = position + length;
            int value = 0;
            if (!huffman) {
                while (position < end) {
                    value = value * 10 + digit(next() - '0');
                }
                return value;
            }
            long bits = 0;
            int count = 0;
            while (position < end) {
                bits = ((bits << 8) | next()) & 0xffff; // at most 7 bits left over, and a byte
                count += 8;
                while (count >= 5) {
                    int five = (int) (bits >>> (count - 5)) & 0x1f;
                    int six = count >= 6 ? (int) (bits >>> (count - 6)) & 0x3f : -1;
                    if (five <= 2) {
                        value = value * 10 + five;
                        count -= 5;
                    } else if (six >= 0x19 && six <= 0x1f) {
                        value = value * 10 + six - 0x19 + 3;
                        count -= 6;
                    } else if (six < 0 && position < end) {
                        break;
                    } else if (position == end && count < 8 && bits == (bits | (1L << count) - 1)) {
                        count = 0; // the padding: the most significant bits of EOS, all ones (§5.2)
                    } else {
                        throw new IOException("HPACK :status is not a Huffman-coded number");
                    }
                }
            }
            if (count > 0 && (bits & (1L << count) - 1) != (1L << count) - 1) {
                throw new IOException("HPACK Huffman padding is not all ones");
            }
            return value;
        }

        private static int digit(int d) throws IOException {
            if (d < 0 || d > 9) {
                throw new IOException("HPACK :status is not a number");
            }
            return d;
        }
    }
}
