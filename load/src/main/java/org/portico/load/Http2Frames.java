package org.portico.load;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** The HTTP/2 framing layer (RFC 9113 §4, §6) as far as {@link Http2Connection} uses it: names and byte layouts. */
final class Http2Frames {

    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** Frame types (§6). */
    static final int DATA = 0x0;
    static final int HEADERS = 0x1;
    static final int RST_STREAM = 0x3;
    static final int SETTINGS = 0x4;
    static final int PUSH_PROMISE = 0x5;
    static final int PING = 0x6;
    static final int GOAWAY = 0x7;
    static final int WINDOW_UPDATE = 0x8;
    static final int CONTINUATION = 0x9;
    /** Frame flags (§6). */
    static final int END_STREAM = 0x1;
    static final int ACK = 0x1;
    static final int END_HEADERS = 0x4;
    static final int PADDED = 0x8;
    static final int PRIORITY = 0x20;
    /** Settings (§6.5.2). */
    static final int HEADER_TABLE_SIZE = 0x1;
    static final int ENABLE_PUSH = 0x2;
    static final int INITIAL_WINDOW_SIZE = 0x4;
    static final int MAX_FRAME_SIZE = 0x5;
    /** An error code (§7): the stream was not processed, so its request may go again. */
    static final int REFUSED_STREAM = 0x7;
    static final int FRAME_HEADER_BYTES = 9;

    private Http2Frames() {
    }

    static void frame(ByteArrayOutputStream out, int type, int flags, int stream, byte[] payload, int offset,
            int length) {
        out.write(length >>> 16);
        out.write(length >>> 8);
        out.write(length);
        out.write(type);
        out.write(flags);
        out.writeBytes(int32(stream));
        out.write(payload, offset, length);
    }

    static void setting(byte[] into, int at, int id, int value) {
        into[at] = (byte) (id >>> 8);
        into[at + 1] = (byte) id;
        System.arraycopy(int32(value), 0, into, at + 2, 4);
    }

    static byte[] int32(int value) {
        return new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    }

    /** A 31-bit value; the reserved high bit is ignored (§4.1). */
    static int int31(byte[] bytes, int at) {
        return (bytes[at] & 0x7f) << 24 | (bytes[at + 1] & 0xff) << 16 | (bytes[at + 2] & 0xff) << 8
                | bytes[at + 3] & 0xff;
    }
}
