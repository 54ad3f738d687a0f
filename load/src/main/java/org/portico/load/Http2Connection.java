package org.portico.load;

import static org.portico.load.Http2Frames.ACK;
import static org.portico.load.Http2Frames.CONTINUATION;
import static org.portico.load.Http2Frames.DATA;
import static org.portico.load.Http2Frames.ENABLE_PUSH;
import static org.portico.load.Http2Frames.END_HEADERS;
import static org.portico.load.Http2Frames.END_STREAM;
import static org.portico.load.Http2Frames.FRAME_HEADER_BYTES;
import static org.portico.load.Http2Frames.GOAWAY;
import static org.portico.load.Http2Frames.HEADERS;
import static org.portico.load.Http2Frames.HEADER_TABLE_SIZE;
import static org.portico.load.Http2Frames.INITIAL_WINDOW_SIZE;
import static org.portico.load.Http2Frames.MAX_FRAME_SIZE;
import static org.portico.load.Http2Frames.PADDED;
import static org.portico.load.Http2Frames.PING;
import static org.portico.load.Http2Frames.PREFACE;
import static org.portico.load.Http2Frames.PRIORITY;
import static org.portico.load.Http2Frames.PUSH_PROMISE;
import static org.portico.load.Http2Frames.REFUSED_STREAM;
import static org.portico.load.Http2Frames.RST_STREAM;
import static org.portico.load.Http2Frames.SETTINGS;
import static org.portico.load.Http2Frames.WINDOW_UPDATE;
import static org.portico.load.Http2Frames.frame;
import static org.portico.load.Http2Frames.int31;
import static org.portico.load.Http2Frames.int32;
import static org.portico.load.Http2Frames.setting;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One HTTP/2 connection (RFC 9113) in cleartext with prior knowledge (§3.3), carrying a BOSH session's requests as
 * a browser's HTTP/2 connection to the endpoint carries them over TLS: every request a stream of its own, all on one
 * socket. The BOSH client takes {@link Lane}s of it, two for {@code hold='1'}; a lane carries one request at a time,
 * as an HTTP/1.1 connection does. The connection closes when its last lane closes.
 *
 * <p>Only what the generator needs: no server push ({@code SETTINGS_ENABLE_PUSH} 0), requests' fields indexed as
 * a browser's are and answers' read without a dynamic table ({@link Hpack}), receive windows large enough that the
 * server never waits for the client; a request body larger than the server's windows fails instead of waiting for a
 * {@code WINDOW_UPDATE} (BOSH bodies here are a few hundred bytes, Jetty's windows hundreds of kilobytes). Gzipped
 * answers are told by their first bytes, since of an answer's header fields only {@code :status} is decoded.
 * {@code writeLock} owns the stream ids, the send window and the socket's output, and every frame is written whole
 * under it; a virtual thread reads the frames and calls the lanes' handlers.
 */
final class Http2Connection {

    /** The protocol's initial windows and frame size, until the peer's SETTINGS say otherwise (§6.5.2, §6.9.2). */
    private static final int DEFAULT_WINDOW = 65_535;
    private static final int DEFAULT_MAX_FRAME = 16_384;
    /** What the client lets the server send on each stream, and on the connection before it is replenished. */
    private static final int RECEIVE_WINDOW = 1 << 24;
    private final Socket socket;
    private final OutputStream out;
    /** Every request's header fields after {@code :method} and {@code :scheme}, but its {@code content-length}. */
    private final List<Field> requestFields = new ArrayList<>();
    private final Object writeLock = new Object();
    /** The server's dynamic table as this side fills it; under {@code writeLock}, in the order blocks are written. */
    private final Hpack.Encoder encoder = new Hpack.Encoder();
    /** The next stream's id; under {@code writeLock}. */
    private int nextStreamId = 1;
    /** What the server's connection window still takes; under {@code writeLock}. */
    private long sendWindow = DEFAULT_WINDOW;
    /** A new stream's send window, from the server's SETTINGS; under {@code writeLock}. */
    private int streamWindow = DEFAULT_WINDOW;
    /** The largest frame the server takes; under {@code writeLock}. */
    private int maxFrameSize = DEFAULT_MAX_FRAME;
    /** Every lane taken, closed or not: a few per connection. */
    private final List<Lane> lanes = new CopyOnWriteArrayList<>();
    private final Map<Integer, Stream> streams = new ConcurrentHashMap<>();
    /** DATA bytes read since the last connection WINDOW_UPDATE; on the reader thread. */
    private int unacknowledged;
    /** The stream whose header block goes on in CONTINUATION frames, or null; on the reader thread. */
    private Stream continuing;
    private volatile boolean goingAway;
    private volatile boolean closed;

    /**
     * @param readTimeout how long the connection may stay silent; longer than a held long-poll (BOSH {@code wait}
     *                    and a margin), since one is always out
     */
    Http2Connection(URI endpoint, Duration connectTimeout, Duration readTimeout, BrowserHabits habits)
            throws IOException {
        socket = PlainSockets.connect(endpoint, connectTimeout, readTimeout);
        out = socket.getOutputStream();
        String authority = PlainSockets.authority(endpoint);
        requestFields.add(new Field(Hpack.PATH, ":path", PlainSockets.path(endpoint)));
        requestFields.add(new Field(Hpack.AUTHORITY, ":authority", authority));
        if (habits.requestHeaders()) {
            for (Map.Entry<String, String> field : BrowserHabits.chromeXhrFields("http://" + authority)) {
                String name = field.getKey().toLowerCase(Locale.ROOT);
                if (!name.equals("connection")) { // connection-specific, not in HTTP/2 (RFC 9113 §8.2.2)
                    requestFields.add(new Field(0, name, field.getValue()));
                }
            }
        }
        if (habits.compression()) {
            requestFields.add(new Field(Hpack.ACCEPT_ENCODING, "accept-encoding", "gzip"));
        }
        requestFields.add(new Field(Hpack.CONTENT_TYPE, "content-type", "text/xml; charset=utf-8"));

        ByteArrayOutputStream start = new ByteArrayOutputStream(64);
        start.writeBytes(PREFACE);
        byte[] settings = new byte[18];
        setting(settings, 0, HEADER_TABLE_SIZE, 0);
        setting(settings, 6, ENABLE_PUSH, 0);
        setting(settings, 12, INITIAL_WINDOW_SIZE, RECEIVE_WINDOW);
        frame(start, SETTINGS, 0, 0, settings, 0, settings.length);
        frame(start, WINDOW_UPDATE, 0, 0, int32(RECEIVE_WINDOW - DEFAULT_WINDOW), 0, 4);
        out.write(start.toByteArray());
        out.flush();
        InputStream in = socket.getInputStream();
        Thread.ofVirtual().name("bosh-h2").start(() -> read(in));
    }

    /** A new lane of this connection, whose answers and end go to {@code handler}. */
    Lane lane(RequestLane.Handler handler) {
        Lane lane = new Lane(handler);
        lanes.add(lane);
        return lane;
    }

    /** Whether new streams may start on this connection. */
    boolean open() {
        return !closed && !goingAway;
    }

    private void post(Lane lane, String body) throws IOException {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        synchronized (writeLock) {
            if (!open()) {
                throw new IOException("the HTTP/2 connection is " + (closed ? "closed" : "going away"));
            }
            if (content.length > Math.min(sendWindow, streamWindow)) {
                throw new IOException("a request of " + content.length + " bytes exceeds the server's window");
            }
            ByteArrayOutputStream block = new ByteArrayOutputStream(256);
            encoder.start(block);
            Hpack.indexed(block, Hpack.METHOD_POST);
            Hpack.indexed(block, Hpack.SCHEME_HTTP);
            for (Field field : requestFields) {
                encoder.field(block, field.nameIndex(), field.name(), field.value());
            }
            // a new value on nearly every request: indexed, it would push the others out of the table
            Hpack.literal(block, Hpack.CONTENT_LENGTH, Integer.toString(content.length));
            if (block.size() > maxFrameSize) { // the table now holds what the server never saw: unusable
                closeSocket();
                throw new IOException("a header block of " + block.size() + " bytes, past the server's frame size");
            }
            int id = nextStreamId;
            nextStreamId += 2;
            sendWindow -= content.length;
            streams.put(id, new Stream(lane));
            ByteArrayOutputStream frames = new ByteArrayOutputStream(block.size() + content.length + 27);
            frame(frames, HEADERS, END_HEADERS | (content.length == 0 ? END_STREAM : 0), id, block.toByteArray(), 0,
                    block.size());
            for (int offset = 0; offset < content.length; offset += maxFrameSize) {
                int length = Math.min(maxFrameSize, content.length - offset);
                frame(frames, DATA, offset + length == content.length ? END_STREAM : 0, id, content, offset, length);
            }
            try {
                out.write(frames.toByteArray());
                out.flush();
            } catch (IOException e) {
                streams.remove(id);
                closeSocket();
                throw e;
            }
        }
    }

    private void write(int type, int flags, int stream, byte[] payload) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(FRAME_HEADER_BYTES + payload.length);
        frame(frame, type, flags, stream, payload, 0, payload.length);
        synchronized (writeLock) {
            out.write(frame.toByteArray());
            out.flush();
        }
    }

    private void read(InputStream stream) {
        String reason = "the server closed the connection";
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(stream, DEFAULT_MAX_FRAME))) {
            byte[] header = new byte[FRAME_HEADER_BYTES];
            while (true) {
                try {
                    in.readFully(header);
                } catch (EOFException e) {
                    break;
                }
                int length = (header[0] & 0xff) << 16 | (header[1] & 0xff) << 8 | header[2] & 0xff;
                if (length > DEFAULT_MAX_FRAME) {
                    throw new IOException("a frame of " + length + " bytes, past SETTINGS_MAX_FRAME_SIZE");
                }
                byte[] payload = new byte[length];
                in.readFully(payload);
                received(header[3] & 0xff, header[4] & 0xff, int31(header, 5), payload);
            }
        } catch (IOException | RuntimeException e) {
            reason = closed ? "closed" : "read: " + e;
        }
        closeSocket();
        streams.clear();
        for (Lane lane : lanes) {
            lane.ended(false, reason);
        }
    }

    private void received(int type, int flags, int id, byte[] payload) throws IOException {
        switch (type) {
            case SETTINGS -> settings(flags, payload);
            case PING -> {
                if ((flags & ACK) == 0) {
                    write(PING, ACK, 0, payload);
                }
            }
            case WINDOW_UPDATE -> {
                if (id == 0) { // a stream's window matters only as its body goes, whole, as it opens
                    synchronized (writeLock) {
                        sendWindow += int31(payload, 0);
                    }
                }
            }
            case HEADERS -> fields(streams.get(id), id, payload,
                    contentStart(flags) + ((flags & PRIORITY) != 0 ? 5 : 0), contentEnd(flags, payload), flags);
            case CONTINUATION -> {
                if (continuing == null) {
                    throw new IOException("CONTINUATION without a header block going on (§6.10)");
                }
                fields(continuing, id, payload, 0, payload.length, flags | (continuing.endStream ? END_STREAM : 0));
            }
            case DATA -> data(id, flags, payload);
            case RST_STREAM -> {
                Stream stream = streams.remove(id);
                int code = int31(payload, 0);
                if (stream != null) {
                    stream.lane.ended(code == REFUSED_STREAM, "HTTP/2 stream reset, error code " + code);
                }
            }
            case GOAWAY -> {
                goingAway = true;
                int last = int31(payload, 0);
                for (Map.Entry<Integer, Stream> entry : streams.entrySet()) {
                    if (entry.getKey() > last && streams.remove(entry.getKey()) != null) {
                        entry.getValue().lane.ended(true, "HTTP/2 GOAWAY before the stream was processed");
                    }
                }
            }
            case PUSH_PROMISE -> throw new IOException("PUSH_PROMISE, though SETTINGS_ENABLE_PUSH is 0 (§8.4)");
            default -> {
                // PRIORITY and unknown frame types are ignored (§5.5)
            }
        }
    }

    /** Where a DATA or HEADERS frame's content starts: after the pad length, if padded (§6.1, §6.2). */
    private static int contentStart(int flags) {
        return (flags & PADDED) != 0 ? 1 : 0;
    }

    /** Where a DATA or HEADERS frame's content ends: before its padding. */
    private static int contentEnd(int flags, byte[] payload) {
        return payload.length - ((flags & PADDED) != 0 ? payload[0] & 0xff : 0);
    }

    private void settings(int flags, byte[] payload) throws IOException {
        if ((flags & ACK) != 0) {
            return;
        }
        synchronized (writeLock) {
            for (int at = 0; at + 6 <= payload.length; at += 6) {
                int id = (payload[at] & 0xff) << 8 | payload[at + 1] & 0xff;
                int value = int31(payload, at + 2);
                if (id == HEADER_TABLE_SIZE) {
                    encoder.maxTableSize(value);
                } else if (id == INITIAL_WINDOW_SIZE) {
                    streamWindow = value;
                } else if (id == MAX_FRAME_SIZE) {
                    maxFrameSize = value;
                }
            }
        }
        write(SETTINGS, ACK, 0, new byte[0]);
    }

    /** A HEADERS or CONTINUATION frame's field block fragment, {@code payload[start, end)}. */
    private void fields(Stream stream, int id, byte[] payload, int start, int end, int flags) throws IOException {
        if (stream == null) {
            return; // a stream reset, or of a connection that went away
        }
        stream.block.write(payload, start, end - start);
        if ((flags & END_HEADERS) == 0) {
            stream.endStream = (flags & END_STREAM) != 0;
            continuing = stream;
            return;
        }
        continuing = null;
        int status = Hpack.status(stream.block.toByteArray());
        stream.block.reset();
        if (status >= 200) {
            stream.status = status;
        }
        if ((flags & END_STREAM) != 0) {
            complete(id, stream);
        }
    }

    private void data(int id, int flags, byte[] payload) throws IOException {
        unacknowledged += payload.length;
        if (unacknowledged >= RECEIVE_WINDOW / 2) {
            write(WINDOW_UPDATE, 0, 0, int32(unacknowledged));
            unacknowledged = 0;
        }
        Stream stream = streams.get(id);
        if (stream == null) {
            return;
        }
        int start = contentStart(flags);
        stream.body.write(payload, start, contentEnd(flags, payload) - start);
        if (stream.body.size() > HttpConnection.MAX_BODY_BYTES) {
            throw new IOException("an answer of more than " + HttpConnection.MAX_BODY_BYTES + " bytes");
        }
        if ((flags & END_STREAM) != 0) {
            complete(id, stream);
        }
    }

    private void complete(int id, Stream stream) throws IOException {
        streams.remove(id);
        byte[] body = stream.body.toByteArray();
        // a BOSH body starts with '<'; these are gzip's magic bytes (RFC 1952 §2.3.1)
        if (body.length > 1 && (body[0] & 0xff) == 0x1f && (body[1] & 0xff) == 0x8b) {
            stream.lane.gzipped = true;
            body = HttpConnection.gunzip(body);
        }
        stream.lane.answered(stream.status, new String(body, StandardCharsets.UTF_8));
    }

    /** Closes the socket once no lane is left open. */
    private void laneClosed() {
        for (Lane lane : lanes) {
            if (!lane.closed) {
                return;
            }
        }
        closeSocket();
    }

    private void closeSocket() {
        closed = true;
        PlainSockets.closeQuietly(socket);
    }

    /** A request header field, and the index of its name in HPACK's static table (0: none). */
    private record Field(int nameIndex, String name, String value) {
    }

    /** A request out and its answer so far; read and written on the reader thread once the request is out. */
    private static final class Stream {
        final Lane lane;
        final ByteArrayOutputStream block = new ByteArrayOutputStream(64);
        final ByteArrayOutputStream body = new ByteArrayOutputStream(256);
        int status;
        /** Whether the HEADERS frame whose block goes on in CONTINUATION frames ended the stream. */
        boolean endStream;

        Stream(Lane lane) {
            this.lane = lane;
        }
    }

    /** One request at a time on this connection, a stream each. */
    final class Lane implements RequestLane {
        private final Handler handler;
        private volatile boolean closed;
        private volatile boolean gzipped;

        private Lane(Handler handler) {
            this.handler = handler;
        }

        @Override
        public void post(String body) throws IOException {
            Http2Connection.this.post(this, body);
        }

        @Override
        public boolean open() {
            return !closed && Http2Connection.this.open();
        }

        @Override
        public boolean gzipped() {
            return gzipped;
        }

        private void answered(int status, String body) {
            if (!closed) {
                handler.answered(this, status, body);
            }
        }

        private void ended(boolean resendable, String reason) {
            if (!closed) {
                close();
                handler.ended(this, resendable, reason);
            }
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                laneClosed();
            }
        }
    }
}
