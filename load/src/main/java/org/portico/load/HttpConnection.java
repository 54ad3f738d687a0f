package org.portico.load;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * One persistent HTTP/1.1 connection (RFC 9112) for BOSH, the way a browser keeps one: a request is written whole by
 * the caller, one at a time (no pipelining), and a virtual thread reads each response (sized by
 * {@code Content-Length} or chunked, gunzipped if the server gzipped it) and hands it to the {@link Handler}. Each
 * request says {@code Accept-Encoding: gzip} and carries Chrome's other headers if those {@link BrowserHabits} are
 * asked for. A request goes on a connection only while none is out on it, which the owner of the connection tracks
 * under its own lock.
 *
 * <p>It replaced the JDK's {@code java.net.http} client in the load generator's BOSH client: that client cost about
 * three times as much CPU per message as the generator's c2s and WebSocket clients (its executor hops and futures),
 * and on two cores the generator's own cost moves the latency it measures (docs/benchmarks.md).
 */
final class HttpConnection implements RequestLane {

    private static final int MAX_HEADER_BYTES = 16 * 1024;
    /** Larger than any BOSH answer of a run once inflated; a bigger one is a broken peer. */
    static final int MAX_BODY_BYTES = 1 << 20;

    private final Socket socket;
    private final OutputStream out;
    private final byte[] requestHead;
    private final Handler handler;
    private volatile boolean closed;
    /** Responses read; written and read on the reader thread. */
    private int answers;
    /** Whether a response came gzipped; written on the reader thread. */
    private volatile boolean gzipped;

    /**
     * @param readTimeout how long a response may take; a connection that waits longer for one ends. Long enough for
     *                    a held long-poll (BOSH {@code wait} and a margin).
     */
    HttpConnection(URI endpoint, Duration connectTimeout, Duration readTimeout, BrowserHabits habits,
            Handler handler) throws IOException {
        this.handler = handler;
        socket = PlainSockets.connect(endpoint, connectTimeout, readTimeout);
        out = socket.getOutputStream();
        String authority = PlainSockets.authority(endpoint);
        requestHead = ("POST " + PlainSockets.path(endpoint) + " HTTP/1.1\r\nHost: " + authority
                + (habits.requestHeaders()
                        ? BrowserHabits.chromeXhrHeaders("http://" + authority) : "")
                + (habits.compression() ? "\r\nAccept-Encoding: gzip" : "")
                + "\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: ").getBytes(StandardCharsets.US_ASCII);
        InputStream in = socket.getInputStream();
        Thread.ofVirtual().name("bosh-http").start(() -> read(in));
    }

    @Override
    public void post(String body) throws IOException {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        byte[] length = (content.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[requestHead.length + length.length + content.length];
        System.arraycopy(requestHead, 0, request, 0, requestHead.length);
        System.arraycopy(length, 0, request, requestHead.length, length.length);
        System.arraycopy(content, 0, request, requestHead.length + length.length, content.length);
        out.write(request);
        out.flush();
    }

    @Override
    public boolean open() {
        return !closed;
    }

    /** Whether a response on this connection came with {@code Content-Encoding: gzip}. */
    @Override
    public boolean gzipped() {
        return gzipped;
    }

    private void read(InputStream stream) {
        Input in = new Input(stream);
        String reason = "the server closed the connection";
        boolean atBoundary = true;
        try {
            while (true) {
                atBoundary = true;
                String status = in.line();
                if (status == null) {
                    break;
                }
                atBoundary = false;
                if (!status.startsWith("HTTP/1.") || status.length() < 12) {
                    throw new IOException("not an HTTP/1.x status line: " + status);
                }
                int code = Integer.parseInt(status.substring(9, 12));
                long length = 0;
                boolean chunked = false;
                boolean gzip = false;
                boolean close = status.startsWith("HTTP/1.0");
                int headerBytes = 0;
                for (String header = in.line(); header != null && !header.isEmpty(); header = in.line()) {
                    headerBytes += header.length();
                    if (headerBytes > MAX_HEADER_BYTES) {
                        throw new IOException("response header larger than " + MAX_HEADER_BYTES + " bytes");
                    }
                    int colon = header.indexOf(':');
                    if (colon < 0) {
                        continue;
                    }
                    String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                    String value = header.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
                    switch (name) {
                        case "content-length" -> length = Long.parseLong(value);
                        case "transfer-encoding" -> chunked = value.contains("chunked");
                        case "content-encoding" -> gzip = value.equals("gzip");
                        case "connection" -> close = value.contains("close") || (close && !value.contains("keep-alive"));
                        default -> {
                            // nothing else changes how the body is read
                        }
                    }
                }
                byte[] body = chunked ? in.chunks() : in.bytes((int) length);
                if (gzip) {
                    gzipped = true;
                    body = gunzip(body);
                }
                answers++;
                handler.answered(this, code, new String(body, StandardCharsets.UTF_8));
                if (close) {
                    reason = "the server asked to close the connection";
                    atBoundary = true;
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            reason = closed ? "closed" : "read: " + e;
        }
        closeQuietly();
        // between two responses after at least one: a kept-alive connection the server closed as the request went
        // out, so nothing reached it; on a new connection the request itself may be what the server refused
        handler.ended(this, atBoundary && answers > 0, reason);
    }

    /** A gzipped answer inflated, refused past {@link #MAX_BODY_BYTES}; also for {@link Http2Connection}. */
    static byte[] gunzip(byte[] body) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            byte[] inflated = in.readNBytes(MAX_BODY_BYTES + 1);
            if (inflated.length > MAX_BODY_BYTES) {
                throw new IOException("a gzipped answer of more than " + MAX_BODY_BYTES + " bytes");
            }
            return inflated;
        }
    }

    /** Buffered reading of a response, without the per-byte locking of {@code BufferedInputStream}. */
    private static final class Input {
        private final InputStream in;
        private final byte[] buffer = new byte[8192];
        private int position;
        private int limit;

        Input(InputStream in) {
            this.in = in;
        }

        /** The next byte, or -1 at the end of the stream. */
        private int next() throws IOException {
            if (position == limit) {
                limit = in.read(buffer);
                position = 0;
                if (limit <= 0) {
                    limit = 0;
                    return -1;
                }
            }
            return buffer[position++] & 0xff;
        }

        /** A line ended by CRLF, without it, or null at the end of the stream before any byte of it. */
        String line() throws IOException {
            StringBuilder line = new StringBuilder(64);
            int b;
            while ((b = next()) >= 0) {
                if (b == '\n') {
                    int end = line.length();
                    return line.substring(0, end > 0 && line.charAt(end - 1) == '\r' ? end - 1 : end);
                }
                if (line.length() > MAX_HEADER_BYTES) {
                    throw new IOException("header line longer than " + MAX_HEADER_BYTES + " bytes");
                }
                line.append((char) b);
            }
            if (line.isEmpty()) {
                return null;
            }
            throw new IOException("the connection ended inside a header line");
        }

        byte[] bytes(int length) throws IOException {
            byte[] bytes = new byte[length];
            int have = Math.min(length, limit - position);
            System.arraycopy(buffer, position, bytes, 0, have);
            position += have;
            while (have < length) {
                int n = in.read(bytes, have, length - have);
                if (n < 0) {
                    throw new IOException("the connection ended inside a response body");
                }
                have += n;
            }
            return bytes;
        }

        byte[] chunks() throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String size = line();
                if (size == null) {
                    throw new IOException("the connection ended inside a chunked body");
                }
                int semicolon = size.indexOf(';');
                int length = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                if (length == 0) {
                    for (String trailer = line(); trailer != null && !trailer.isEmpty(); trailer = line()) {
                        // trailers carry nothing a BOSH client reads
                    }
                    return body.toByteArray();
                }
                body.write(bytes(length));
                line();
            }
        }
    }

    private void closeQuietly() {
        closed = true;
        PlainSockets.closeQuietly(socket);
    }

    @Override
    public void close() {
        closeQuietly();
    }
}
