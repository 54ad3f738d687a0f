package org.portico.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import org.portico.xml.StreamFramer;
import org.portico.xml.StreamScope;
import org.portico.xml.XmlParseException;
import org.portico.xml.XmlParser;
import org.portico.xml.XmlStreamParser;

/**
 * What the stream's parser reads from the server, a whole unit at a time: the bytes of the stream header, of one
 * first-level element, or of the closing tag, found by a {@link StreamFramer}. So the parser never reads past the
 * unit it is parsing, and the bytes after it stay here, wherever they are read next: by the stream's thread while it
 * negotiates (and for the whole life of a TLS stream, or one whose session may wait), from the blocking socket, which
 * {@link #read} then waits for; or, once {@link #readWithoutWaiting} switched it, by the {@link UpstreamPoller}, which
 * {@link #fill}s it from the non-blocking socket and, for each {@link #nextUnit}, {@link #takeUnit takes} the unit
 * parsed on its own, in the scope of the stream's header, whose bytes are kept for that.
 *
 * <p>Owned by the stream's reader: its thread, then possibly the poller's. An idle stream read by the poller keeps
 * no parser and no buffer: the buffer is dropped whenever every byte read was taken.
 */
final class UpstreamInput extends InputStream {

    private static final byte[] EMPTY = new byte[0];
    /** Room a blocking read asks for. */
    private static final int BLOCKING_READ_BYTES = 1024;

    private final StreamFramer framer;
    /** The socket's stream while it is read blocking; null once the poller reads it. */
    private InputStream blocking;
    /** Bytes read and not yet parsed are {@code buffer[start..end)}. */
    private byte[] buffer = EMPTY;
    private int start;
    private int end;
    /** The parser may read up to here: the end of the unit last found. */
    private int framed;
    /** The framer has seen the bytes up to here. */
    private int scanned;
    /** The bytes of the stream's header, from the last unit that was one; the scope its elements are parsed in. */
    private byte[] header;
    /** The scope of the stream's first-level elements, once its header has been parsed here; else null. */
    private StreamScope scope;

    /**
     * @param blocking     the socket's stream, read until {@link #readWithoutWaiting}
     * @param maxUnitBytes the largest unit (a first-level element) accepted, in octets
     */
    UpstreamInput(InputStream blocking, int maxUnitBytes) {
        this.blocking = blocking;
        this.framer = new StreamFramer(maxUnitBytes);
    }

    /** TLS was layered on the socket: its stream is read from now on, as a new document. */
    void readBlocking(InputStream stream) {
        if (blocking == null) {
            throw new IllegalStateException("already reading without waiting");
        }
        this.blocking = stream;
    }

    /**
     * From now on the poller fills this from the non-blocking socket ({@link #fill}).
     *
     * @param unread bytes the blocking stream had read ahead (TLS decrypts a record at a time), which come first
     */
    void readWithoutWaiting(byte[] unread) {
        blocking = null;
        makeRoom(unread.length);
        System.arraycopy(unread, 0, buffer, end, unread.length);
        end += unread.length;
    }

    /**
     * Reads what the non-blocking socket has, at most {@code scratch}'s size, into the unparsed bytes.
     *
     * @return false at the end of the connection
     */
    boolean fill(SocketChannel channel, ByteBuffer scratch) throws IOException {
        scratch.clear();
        int read = channel.read(scratch);
        if (read <= 0) {
            return read == 0;
        }
        makeRoom(read);
        scratch.flip();
        scratch.get(buffer, end, read);
        end += read;
        return true;
    }

    /**
     * As {@link #fill(SocketChannel, ByteBuffer)} over TLS: the records read are decrypted into the unparsed bytes.
     *
     * @return false at the end of the connection or of TLS
     */
    boolean fill(TlsLayer tls, SocketChannel channel, ByteBuffer scratch) throws IOException {
        return tls.unwrap(channel, scratch, plaintext);
    }

    /** Where TLS puts what it decrypts: straight after the unparsed bytes. */
    private final TlsLayer.Plaintext plaintext = new TlsLayer.Plaintext() {
        @Override
        public ByteBuffer room(int bytes) {
            makeRoom(bytes);
            return ByteBuffer.wrap(buffer, end, buffer.length - end);
        }

        @Override
        public void added(int bytes) {
            end += bytes;
        }
    };

    /** Moves the unparsed bytes to the front and grows the buffer so that {@code bytes} more fit. */
    private void makeRoom(int bytes) {
        if (start > 0) {
            System.arraycopy(buffer, start, buffer, 0, end - start);
            end -= start;
            framed -= start;
            scanned -= start;
            start = 0;
        }
        if (end + bytes > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(end + bytes, Math.min(2 * buffer.length, end + bytes + 4096)));
        }
    }

    /**
     * Finds the next whole unit in what was read, once the parser has taken the one before: the parser may then
     * read it.
     *
     * @return false when no whole unit is buffered yet
     * @throws XmlParseException when the unit is too large (see {@link StreamFramer})
     */
    boolean nextUnit() throws XmlParseException {
        int unitEnd = framer.scan(buffer, scanned, end);
        if (unitEnd < 0) {
            scanned = end;
            if (start == end || (start == framed && framer.betweenUnits())) {
                // all parsed, or only whitespace keepalives after it: an idle stream holds no buffer
                buffer = EMPTY;
                start = end = framed = scanned = 0;
            }
            return false;
        }
        if (framer.unit() == StreamFramer.Unit.HEADER) {
            int from = framed;
            while (from < unitEnd && buffer[from] != '<') {
                from++; // whitespace before a document is no part of it
            }
            header = Arrays.copyOfRange(buffer, from, unitEnd);
            scope = null;
        }
        framed = unitEnd;
        scanned = unitEnd;
        return true;
    }

    /**
     * Parses the unit {@link #nextUnit} found, on its own ({@link XmlParser#parseFirstLevel}), and takes its bytes;
     * only once the poller reads the stream.
     */
    XmlStreamParser.Event takeUnit(XmlParser parser) throws XmlParseException {
        int from = start;
        start = framed;
        return switch (framer.unit()) {
            case HEADER -> {
                scope = parser.streamScope(header);
                yield new XmlStreamParser.Opened(scope.header());
            }
            case ELEMENT -> {
                if (scope == null) {
                    scope = parser.streamScope(header); // the header was read before the poller took the stream
                }
                yield new XmlStreamParser.Element(parser.parseFirstLevel(scope, buffer, from, framed));
            }
            case CLOSE -> new XmlStreamParser.Closed();
        };
    }

    /** After SASL success or TLS: the bytes after the unit last found start a new document (RFC 6120 §6.4.6). */
    void startDocument() {
        framer.startDocument();
    }

    @Override
    public int read(byte[] into, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (blocking == null) {
            throw new IllegalStateException("read by the poller: its units are taken (takeUnit), not read");
        }
        while (framed == start) {
            if (!nextUnitBlocking()) {
                return -1;
            }
        }
        int n = Math.min(length, framed - start);
        System.arraycopy(buffer, start, into, offset, n);
        start += n;
        return n;
    }

    /** Reads the blocking socket until a whole unit is there. @return false at the end of the connection */
    private boolean nextUnitBlocking() throws IOException {
        try {
            while (!nextUnit()) {
                makeRoom(BLOCKING_READ_BYTES);
                int read = blocking.read(buffer, end, buffer.length - end);
                if (read < 0) {
                    return false;
                }
                end += read;
            }
            return true;
        } catch (XmlParseException e) {
            throw new NotXmpp(e.getMessage(), e);
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    /** What the server sent cannot be an XMPP stream: a unit past the size bound, or an end tag that does not match. */
    static final class NotXmpp extends IOException {
        NotXmpp(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
