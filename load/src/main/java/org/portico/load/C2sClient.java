package org.portico.load;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A plain client-to-server stream over TCP (RFC 6120) without TLS — the floor every other target is compared with:
 * loopback only, where the local servers allow SASL PLAIN without TLS. A virtual thread reads; writers share the
 * socket under the output stream's monitor.
 */
final class C2sClient extends XmppClient {

    private final Socket socket = new Socket();
    private OutputStream out;

    C2sClient(InetSocketAddress server, String domain, Duration timeout) throws IOException {
        super(domain, timeout);
        socket.connect(server, (int) timeout.toMillis());
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        Thread.ofVirtual().name("c2s-reader").start(() -> read(in));
    }

    private void read(InputStream in) {
        byte[] buffer = new byte[16384];
        try {
            int n;
            while ((n = in.read(buffer)) > 0) {
                // Markers, ids and JIDs are ASCII; ISO-8859-1 decodes any byte without splitting state across
                // reads, which a UTF-8 decoder would need for a character cut by a read boundary.
                inbound(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
            }
            failed("the server closed the connection");
        } catch (IOException e) {
            failed("read: " + e.getMessage());
        }
    }

    private String header() {
        return "<stream:stream to='" + domain + "' version='1.0' xmlns='jabber:client' "
                + "xmlns:stream='http://etherx.jabber.org/streams'>";
    }

    @Override
    protected void startStream() throws IOException {
        write("<?xml version='1.0'?>" + header());
    }

    @Override
    protected void restartStream() throws IOException {
        write(header());
    }

    @Override
    void send(String stanza) throws IOException {
        write(stanza);
    }

    private void write(String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        synchronized (socket) {
            out.write(bytes);
            out.flush();
        }
    }

    @Override
    boolean compressed() {
        return false;
    }

    @Override
    public void close() {
        try {
            write("<presence xmlns='jabber:client' type='unavailable'/></stream:stream>");
        } catch (IOException e) {
            // already gone: closing the socket is all that is left
        }
        try {
            socket.close();
        } catch (IOException e) {
            // nothing more to release
        }
    }
}
