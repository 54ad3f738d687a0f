package org.portico.load;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;

/**
 * XMPP over WebSocket (RFC 7395) on the generator's own {@link WebSocketConnection} with the {@code xmpp}
 * subprotocol (and permessage-deflate offered as browsers offer it, with {@code --compression=browser}):
 * one element per text frame, {@code <open/>} to start and restart, {@code <close/>} before the
 * socket's close.
 */
final class WebSocketClient extends XmppClient {

    private static final String FRAMING = "urn:ietf:params:xml:ns:xmpp-framing";

    private final WebSocketConnection socket;

    WebSocketClient(URI endpoint, String domain, boolean offerDeflate, Duration timeout) throws IOException {
        super(domain, timeout);
        socket = new WebSocketConnection(endpoint, "xmpp", offerDeflate, timeout, new WebSocketConnection.Handler() {
            @Override
            public void text(String message) {
                inbound(message);
            }

            @Override
            public void ended(String reason) {
                failed(reason);
            }
        });
    }

    /** Whether the server accepted permessage-deflate on this socket. */
    @Override
    boolean compressed() {
        return socket.compressed();
    }

    private String open() {
        return "<open xmlns='" + FRAMING + "' to='" + domain + "' version='1.0'/>";
    }

    @Override
    protected void startStream() throws IOException {
        send(open());
    }

    @Override
    protected void restartStream() throws IOException {
        send(open());
    }

    @Override
    void send(String stanza) throws IOException {
        socket.sendText(stanza);
    }

    @Override
    public void close() {
        try {
            send("<close xmlns='" + FRAMING + "'/>");
        } catch (IOException e) {
            // already gone: closing the socket is all that is left
        }
        socket.close();
    }
}
