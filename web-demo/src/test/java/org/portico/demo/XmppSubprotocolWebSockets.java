package org.portico.demo;

import java.io.IOException;
import java.io.Serial;
import java.net.URI;
import java.net.URL;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Future;
import org.htmlunit.Page;
import org.htmlunit.WebClient;
import org.htmlunit.jetty.websocket.api.Session;
import org.htmlunit.jetty.websocket.client.ClientUpgradeRequest;
import org.htmlunit.jetty.websocket.client.WebSocketClient;
import org.htmlunit.websocket.WebSocketAdapter;
import org.htmlunit.websocket.WebSocketAdapterFactory;
import org.htmlunit.websocket.WebSocketListener;

/**
 * HtmlUnit's WebSocket, offering the subprotocols a browser would. HtmlUnit 4.21's JavaScript {@code WebSocket}
 * drops the constructor's second argument before its adapter is built, so its handshake carries no
 * {@code Sec-WebSocket-Protocol}, and Portico rightly refuses that (RFC 7395 §3.1). This factory is told what the page
 * asks for ({@code new WebSocket(url, 'xmpp')} in {@code js/websocket.js}) and sends it, together with the
 * {@code Origin} of the page, as a browser does (RFC 6455 §4.1). Everything else works as HtmlUnit's own adapter:
 * HtmlUnit's shaded Jetty client on the WebClient's executor, events passed to HtmlUnit's listener, which runs the
 * page's handlers as JavaScript jobs.
 */
final class XmppSubprotocolWebSockets implements WebSocketAdapterFactory {

    @Serial
    private static final long serialVersionUID = 1L;
    private final List<String> subprotocols;

    XmppSubprotocolWebSockets(String... subprotocols) {
        this.subprotocols = List.of(subprotocols);
    }

    @Override
    public WebSocketAdapter buildWebSocketAdapter(WebClient webClient, WebSocketListener listener) {
        return new Adapter(webClient, listener, subprotocols, originOf(webClient.getCurrentWindow().getEnclosedPage()));
    }

    private static String originOf(Page page) {
        if (page == null) {
            return null;
        }
        URL url = page.getUrl();
        if (url == null || !url.getProtocol().startsWith("http")) {
            return null;
        }
        return url.getProtocol() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort());
    }

    /** One socket: HtmlUnit calls start, connect, send…, then the close methods. */
    private static final class Adapter implements WebSocketAdapter {

        private final Object clientLock = new Object();
        private final WebSocketListener listener;
        private final List<String> subprotocols;
        private final String origin;
        private WebSocketClient client;
        private volatile Session incoming;
        private volatile Session outgoing;

        Adapter(WebClient webClient, WebSocketListener listener, List<String> subprotocols, String origin) {
            this.listener = listener;
            this.subprotocols = subprotocols;
            this.origin = origin;
            this.client = new WebSocketClient();
            this.client.setExecutor(webClient.getExecutor());
        }

        @Override
        public void start() throws Exception {
            synchronized (clientLock) {
                client.start();
            }
        }

        @Override
        public void connect(URI url) throws Exception {
            synchronized (clientLock) {
                ClientUpgradeRequest request = new ClientUpgradeRequest();
                request.setSubProtocols(subprotocols);
                if (origin != null) {
                    request.setHeader("Origin", origin);
                }
                Future<Session> connected = client.connect(new Endpoint(), url, request);
                client.getExecutor().execute(() -> {
                    listener.onWebSocketConnecting();
                    try {
                        incoming = connected.get();
                    } catch (Exception e) {
                        listener.onWebSocketConnectError(e);
                    }
                });
            }
        }

        @Override
        public void send(Object content) throws IOException {
            Session session = outgoing;
            if (session == null) {
                throw new IOException("the WebSocket is not open");
            }
            if (content instanceof String text) {
                session.getRemote().sendString(text);
            } else if (content instanceof ByteBuffer bytes) {
                session.getRemote().sendBytes(bytes);
            } else {
                throw new IllegalArgumentException("cannot send " + content.getClass().getName());
            }
        }

        @Override
        public void closeIncommingSession() {
            Session session = incoming;
            if (session != null) {
                session.close();
            }
        }

        @Override
        public void closeOutgoingSession() {
            Session session = outgoing;
            if (session != null) {
                session.close();
            }
        }

        @Override
        public void closeClient() throws Exception {
            synchronized (clientLock) {
                if (client != null) {
                    client.stop();
                    client.destroy();
                    client = null;
                }
            }
        }

        /** The Jetty side: keeps the session for sending and hands every event to HtmlUnit. */
        private final class Endpoint extends org.htmlunit.jetty.websocket.api.WebSocketAdapter {

            @Override
            public void onWebSocketConnect(Session session) {
                super.onWebSocketConnect(session);
                outgoing = session;
                listener.onWebSocketConnect();
            }

            @Override
            public void onWebSocketClose(int statusCode, String reason) {
                super.onWebSocketClose(statusCode, reason);
                outgoing = null;
                listener.onWebSocketClose(statusCode, reason);
            }

            @Override
            public void onWebSocketText(String message) {
                super.onWebSocketText(message);
                listener.onWebSocketText(message);
            }

            @Override
            public void onWebSocketBinary(byte[] payload, int offset, int length) {
                super.onWebSocketBinary(payload, offset, length);
                listener.onWebSocketBinary(payload, offset, length);
            }

            @Override
            public void onWebSocketError(Throwable cause) {
                super.onWebSocketError(cause);
                outgoing = null;
                listener.onWebSocketError(cause);
            }
        }
    }
}
