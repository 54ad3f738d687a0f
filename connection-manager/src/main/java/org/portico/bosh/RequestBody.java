package org.portico.bosh;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * The body of one BOSH POST, decoded as its {@code Content-Encoding} says (R17) and never larger than the limit: the
 * declared length is checked first, then every octet received, and of a compressed body every decoded octet, so a
 * gzip bomb is refused after {@code maxBytes} of output, whatever its compressed size and however much of it is still
 * to come.
 *
 * <p>A plain body (all that browsers send) is read as it arrives and never waited for: each pass takes what Jetty
 * has, and asks to be called again when more comes. A compressed one is decoded as a stream on a virtual thread of
 * its own, since the decoders read from blocking streams; it is refused as soon as its output passes the limit.
 *
 * <p>Threads: the plain read runs on the thread that delivered the request, then on the one Jetty calls for more
 * content; Jetty never runs two at once. The receiver is called on whichever thread finished the body. The read
 * never waits, so it says what the server says ({@link #getInvocationType()}): with {@code bosh.requestsOnSelector}
 * the rest of a body that did not come with its headers is read on the thread that received it, Jetty's selector for
 * HTTP/1.1, and the request handled there.
 */
final class RequestBody implements Runnable, Invocable {

    /** Where the body goes: exactly one method is called, once. */
    interface Receiver {
        /** The whole body, decoded. */
        void received(byte[] body);

        /** A body that cannot be read within the limits: too large, or undecodable. */
        void unreadable(String detail);

        /** The connection failed before the body was whole. */
        void failed(Throwable failure);
    }

    private final Request request;
    private final int maxBytes;
    private final Receiver receiver;
    private byte[] octets;
    private int length;

    RequestBody(Request request, int maxBytes, Receiver receiver) {
        this.request = request;
        this.maxBytes = maxBytes;
        this.receiver = receiver;
    }

    /** Starts reading. */
    void read() {
        long declared = request.getLength();
        if (declared > maxBytes) {
            receiver.unreadable("Content-Length " + declared + " above " + maxBytes);
            return;
        }
        String encoding = request.getHeaders().get(HttpHeader.CONTENT_ENCODING);
        String name = encoding == null ? "identity" : encoding.trim().toLowerCase(Locale.ROOT);
        switch (name) {
            case "identity" -> {
                // one array of the declared length when there is one (the usual POST): a body costs its own size
                octets = new byte[declared > 0 ? (int) declared : 512];
                run();
            }
            case "gzip", "x-gzip", "deflate" -> Thread.ofVirtual().name("bosh-body").start(() -> inflate(name));
            default -> receiver.unreadable("unsupported Content-Encoding " + encoding);
        }
    }

    /** The server's: non-blocking unless {@code bosh.requestsOnSelector} is off; asked only when more is awaited. */
    @Override
    public InvocationType getInvocationType() {
        return request.getConnectionMetaData().getConnector().getServer().getInvocationType();
    }

    /** Takes what Jetty has of a plain body; also the callback for more. */
    @Override
    public void run() {
        while (true) {
            Content.Chunk chunk = request.read();
            if (chunk == null) {
                request.demand(this);
                return;
            }
            if (Content.Chunk.isFailure(chunk)) {
                receiver.failed(chunk.getFailure());
                return;
            }
            ByteBuffer buffer = chunk.getByteBuffer();
            int n = buffer.remaining();
            if (n > maxBytes - length) {
                chunk.release();
                receiver.unreadable("body above " + maxBytes + " bytes");
                return;
            }
            if (n > octets.length - length) {
                octets = Arrays.copyOf(octets, Math.min(maxBytes, Math.max(length + n, octets.length * 2)));
            }
            buffer.get(octets, length, n);
            length += n;
            boolean last = chunk.isLast();
            chunk.release();
            if (last) {
                receiver.received(length == octets.length ? octets : Arrays.copyOf(octets, length));
                return;
            }
        }
    }

    /** Decodes a compressed body as it arrives, blocking this virtual thread. */
    private void inflate(String name) {
        InputStream raw = Content.Source.asInputStream(request);
        byte[] body;
        try {
            InputStream in = name.equals("deflate") ? new InflaterInputStream(raw) : new GZIPInputStream(raw);
            body = inflated(in);
        } catch (ZipException | EOFException e) {
            // corrupt or truncated compressed data: the client's fault, not an I/O failure
            receiver.unreadable("undecodable " + name + " body: " + e.getMessage());
            return;
        } catch (TooLarge e) {
            receiver.unreadable("body above " + maxBytes + " bytes");
            return;
        } catch (IOException e) {
            receiver.failed(e);
            return;
        }
        receiver.received(body);
    }

    /** Decodes into an array that grows as needed and never past the limit. */
    private byte[] inflated(InputStream in) throws IOException, TooLarge {
        byte[] body = new byte[Math.min(maxBytes, 512)];
        int total = 0;
        while (true) {
            if (total == body.length) {
                // full: one more octet tells the end of the body from a body longer than the limit
                int next = in.read();
                if (next < 0) {
                    return body;
                }
                if (total + 1 > maxBytes) {
                    throw new TooLarge();
                }
                body = Arrays.copyOf(body, (int) Math.min(maxBytes, body.length * 2L));
                body[total++] = (byte) next;
            }
            int n = in.read(body, total, body.length - total);
            if (n < 0) {
                return Arrays.copyOf(body, total);
            }
            total += n;
        }
    }

    /** The decoded body passed the limit. */
    private static final class TooLarge extends Exception {
        TooLarge() {
            super(null, null, false, false);
        }
    }
}
