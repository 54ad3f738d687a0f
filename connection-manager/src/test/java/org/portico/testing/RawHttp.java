package org.portico.testing;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * HTTP/1.1 read by hand from a socket, for tests that must control the connection itself (when it closes, what
 * is written after the answer) where an HTTP client would hide it.
 */
public final class RawHttp {

    private RawHttp() {
    }

    /**
     * The status line and header fields of one response, up to and including the blank line.
     *
     * @throws EOFException when the connection ends first
     */
    public static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("connection closed after " + head);
            }
            head.append((char) c);
        }
        return head.toString();
    }

    /** Writes one POST of {@code body} as {@code text/xml} (a BOSH request) to {@code path} on the connection. */
    public static void postXml(OutputStream out, String host, String path, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        out.write(("POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: text/xml; charset=utf-8\r\n"
                + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
    }

    /**
     * The body of a response whose {@code head} declares its Content-Length.
     *
     * @throws IOException when the head declares none
     */
    public static byte[] readBody(InputStream in, String head) throws IOException {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return in.readNBytes(Integer.parseInt(line.substring(line.indexOf(':') + 1).trim()));
            }
        }
        throw new IOException("no Content-Length in " + head);
    }
}
