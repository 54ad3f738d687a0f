package org.portico.testing;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

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
}
