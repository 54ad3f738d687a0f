package org.portico.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.QuotedQualityCSV;
import org.eclipse.jetty.util.compression.CompressionPool;
import org.eclipse.jetty.util.compression.DeflaterPool;

/**
 * The gzip content coding (RFC 9110 §8.4.1.3, RFC 1952) of a whole answer whose bytes are known, for BOSH answers
 * (XEP-0124 §5, R4) that are at least {@code http.gzipMinBytes} long and whose request accepts gzip.
 *
 * <p>Why not Jetty's {@code GzipHandler}, which did this before: it wraps the response of every request that
 * accepts gzip, checks its path and type, adds {@code Vary} and watches each write against the threshold. Every
 * browser accepts gzip, so that cost a browser's BOSH message 10–14 µs of CPU even when nothing was compressed
 * (docs/benchmarks.md). Here an answer under the threshold costs one comparison, and the request's
 * {@code Accept-Encoding} is read only for an answer that is large enough. A compressed answer keeps its
 * {@code Content-Length} (R3).
 *
 * <p>Threads: any; the deflaters come from Jetty's pool for the server (shared with the {@code GzipHandler} that
 * still serves the servlets), one per answer while it is compressed.
 */
public final class GzipCoding {

    private static final String GZIP = "gzip";
    /** RFC 1952 §2.3: magic, deflate, no flags, no time, no extra flags, OS unknown. */
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    private static final int TRAILER_BYTES = 8;
    private static final HttpField VARY_ACCEPT_ENCODING =
            new HttpField(HttpHeader.VARY, HttpHeader.ACCEPT_ENCODING.asString());

    private final int minBytes;
    private final DeflaterPool deflaters;

    public GzipCoding(int minBytes, DeflaterPool deflaters) {
        this.minBytes = minBytes;
        this.deflaters = deflaters;
    }

    /**
     * Sets the coding headers for an answer of {@code body} to a request with {@code requestHeaders} and returns its
     * octets as they go out: gzipped, with {@code Content-Encoding}, when it is large enough and gzip is acceptable;
     * otherwise as they are. Either way an answer large enough to be compressed says that its form depends on
     * {@code Accept-Encoding} ({@code Vary}, RFC 9110 §12.5.5). Content-Length is the caller's.
     */
    public byte[] encode(HttpFields requestHeaders, HttpFields.Mutable responseHeaders, byte[] body) {
        if (body.length < minBytes) {
            return body;
        }
        responseHeaders.ensureField(VARY_ACCEPT_ENCODING);
        if (!acceptsGzip(requestHeaders)) {
            return body;
        }
        responseHeaders.put(HttpHeader.CONTENT_ENCODING, GZIP);
        return gzip(body);
    }

    /** RFC 9110 §12.5.3: gzip, or any coding ({@code *}), listed with a weight above zero. */
    static boolean acceptsGzip(HttpFields requestHeaders) {
        QuotedQualityCSV accepted = new QuotedQualityCSV();
        for (HttpField field : requestHeaders.getFields(HttpHeader.ACCEPT_ENCODING)) {
            accepted.addValue(field.getValue());
        }
        for (String coding : accepted.getValues()) {
            if (coding.equalsIgnoreCase(GZIP) || coding.equalsIgnoreCase("x-gzip") || coding.equals("*")) {
                return true;
            }
        }
        return false;
    }

    byte[] gzip(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length / 2 + HEADER.length + TRAILER_BYTES + 64);
        out.writeBytes(HEADER);
        CompressionPool<Deflater>.Entry entry = deflaters.acquire();
        try {
            Deflater deflater = entry.get();
            deflater.setInput(body);
            deflater.finish();
            byte[] buffer = new byte[Math.min(Math.max(body.length, 256), 16 * 1024)];
            while (!deflater.finished()) {
                out.write(buffer, 0, deflater.deflate(buffer));
            }
        } finally {
            entry.release();
        }
        CRC32 crc = new CRC32();
        crc.update(body);
        ByteBuffer trailer = ByteBuffer.allocate(TRAILER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        trailer.putInt((int) crc.getValue()).putInt(body.length);
        out.writeBytes(trailer.array());
        return out.toByteArray();
    }
}
