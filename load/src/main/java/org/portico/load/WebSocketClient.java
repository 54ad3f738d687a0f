package org.portico.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * XMPP over WebSocket (RFC 7395) with the JDK's WebSocket client and the {@code xmpp} subprotocol: one element per
 * text frame, {@code <open/>} to start and restart. java.net.http allows one outstanding send per socket, so senders
 * take turns under the socket's monitor.
 */
final class WebSocketClient extends XmppClient {

    private static final String FRAMING = "urn:ietf:params:xml:ns:xmpp-framing";

    private final WebSocket socket;
    private final Duration timeout;

    WebSocketClient(HttpClient http, URI endpoint, String domain, Duration timeout) throws IOException,
            InterruptedException {
        super(domain, timeout);
        this.timeout = timeout;
        try {
            socket = http.newWebSocketBuilder().connectTimeout(timeout).subprotocols("xmpp")
                    .buildAsync(endpoint, new Listener()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("WebSocket handshake with " + endpoint + ": " + e, e);
        }
    }

    private final class Listener implements WebSocket.Listener {
        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            inbound(data);
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            failed("WebSocket closed: " + statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            failed("WebSocket error: " + error);
        }
    }

    private String open() {
        return "<open xmlns='" + FRAMING + "' to='" + domain + "' version='1.0'/>";
    }

    @Override
    protected void startStream() throws IOException, InterruptedException {
        send(open());
    }

    @Override
    protected void restartStream() throws IOException, InterruptedException {
        send(open());
    }

    @Override
    void send(String stanza) throws IOException, InterruptedException {
        synchronized (socket) {
            try {
                socket.sendText(stanza, true).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IOException("WebSocket send: " + e, e);
            }
        }
    }

    @Override
    public void close() {
        try {
            send("<close xmlns='" + FRAMING + "'/>");
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (IOException | ExecutionException | TimeoutException e) {
            // the socket is already gone
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            socket.abort();
        }
    }
}
