package org.portico.demo;

import java.io.Serial;
import java.net.URI;
import java.net.URL;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Future;
import org.htmlunit.Page;
import org.htmlunit.WebClient;
import org.htmlunit.WebWindow;
import org.htmlunit.jetty.websocket.api.Session;
import org.htmlunit.jetty.websocket.api.WriteCallback;
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
 * {@code Origin} of the page, as a browser does (RFC 6455 §4.1). It runs HtmlUnit's shaded Jetty client on the
 * WebClient's executor and passes events to HtmlUnit's listener, which calls the page's handlers.
 *
 * <p>Where HtmlUnit's own adapter does not behave as a browser's WebSocket (the HTML standard's WebSocket interface),
 * which made the demo tests flaky, this one does:
 * <ul>
 *   <li>Events wait for their turn on the tab's {@link PageEventLoop}, and for the page's monitor, which HtmlUnit
 *       holds while it runs a script the test gave it. HtmlUnit's listener reads the page's handler
 *       ({@code onopen}, {@code onmessage}…) the moment the network thread calls it, while a browser queues the event
 *       until the running script has finished. On loopback the handshake can complete before the script that called
 *       {@code new WebSocket()} has assigned {@code onopen} on the next line, and the open event was lost: the page
 *       never sent {@code <open/>} and the login hung at "connecting". And an event run beside a promise reaction
 *       hung a test (see {@link PageEventLoop}).</li>
 *   <li>{@code send()} on a socket that is closing or closed discards the message instead of failing: the server's
 *       {@code <close/>} and the page's last sends cross, and HtmlUnit logged each as an error with its stack
 *       trace.</li>
 *   <li>{@code send()} queues the message and returns, as a browser's does, so it never fails because another
 *       script is sending. HtmlUnit runs what follows an asynchronous XHR (its callbacks' promise reactions, e.g.
 *       the demo's upload, which then sends the link and an {@code <r/>}) on its JavaScript executor without the
 *       page's monitor, so such a send can cross one from a script that runs off the tab's turn
 *       ({@link HtmlUnitTab#evaluateOffTheLoop}, or a page's own scripts while it loads). The shaded Jetty client
 *       refuses a second blocking send while one is pending ({@code IllegalStateException: Blocking message
 *       pending}), which stopped the page's script halfway (a logout that never sent its {@code <close/>}); and
 *       blocking sends that took turns under a lock could wait for each other's threads and hung a logout. Its
 *       asynchronous sends may overlap.</li>
 * </ul>
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
        Page page = webClient.getCurrentWindow().getEnclosedPage();
        return new Adapter(webClient, listener, subprotocols, page, originOf(page), PageEventLoop.of(webClient));
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
        /** The page whose script opened the socket: HtmlUnit runs its scripts holding its monitor. */
        private final Object page;
        /** That page, when there is one: its events are dropped once its tab is closed or shows another page. */
        private final Page scripted;
        private final String origin;
        private final PageEventLoop loop;
        private WebSocketClient client;
        private volatile Session incoming;
        private volatile Session outgoing;

        Adapter(WebClient webClient, WebSocketListener listener, List<String> subprotocols, Page page, String origin,
                PageEventLoop loop) {
            this.listener = listener;
            this.subprotocols = subprotocols;
            this.page = page == null ? new Object() : page;
            this.scripted = page;
            this.origin = origin;
            this.loop = loop;
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
                // Called by the page's script: CONNECTING before the handshake can complete and report OPEN.
                listener.onWebSocketConnecting();
                Future<Session> connected = client.connect(new Endpoint(), url, request);
                client.getExecutor().execute(() -> {
                    try {
                        incoming = connected.get();
                    } catch (Exception e) {
                        dispatch(() -> listener.onWebSocketConnectError(e));
                    }
                });
            }
        }

        /**
         * Queues the message and returns, or discards it once the socket is closing or closed, as a browser does
         * (see the class comment).
         */
        @Override
        public void send(Object content) {
            Session session = outgoing;
            if (session == null || !session.isOpen()) {
                return;
            }
            if (content instanceof String text) {
                session.getRemote().sendString(text, QUEUED);
            } else if (content instanceof ByteBuffer bytes) {
                session.getRemote().sendBytes(bytes, QUEUED);
            } else {
                throw new IllegalArgumentException("cannot send " + content.getClass().getName());
            }
        }

        /**
         * Hands an event to HtmlUnit in its turn on the tab's event loop, and once the script the test may be running
         * on the page has finished: HtmlUnit runs that one holding the page's monitor (see the class comment).
         */
        private void dispatch(Runnable event) {
            loop.run(() -> {
                synchronized (page) {
                    WebWindow window = scripted == null ? null : scripted.getEnclosingWindow();
                    if (window != null && (window.isClosed() || window.getEnclosedPage() != scripted)) {
                        return; // the tab was closed or moved on: a browser runs no more script of this page
                    }
                    event.run();
                }
            });
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

        /**
         * A queued send that fails is the socket failing under it: a browser tells the page through the close (and
         * error) event, which Jetty reports to {@link Endpoint}, not through {@code send()}.
         */
        private static final WriteCallback QUEUED = new WriteCallback() {
            @Override
            public void writeFailed(Throwable cause) {
            }

            @Override
            public void writeSuccess() {
            }
        };

        /** The Jetty side: keeps the session for sending and hands every event to HtmlUnit. */
        private final class Endpoint extends org.htmlunit.jetty.websocket.api.WebSocketAdapter {

            @Override
            public void onWebSocketConnect(Session session) {
                super.onWebSocketConnect(session);
                outgoing = session;
                dispatch(listener::onWebSocketConnect);
            }

            @Override
            public void onWebSocketClose(int statusCode, String reason) {
                super.onWebSocketClose(statusCode, reason);
                outgoing = null;
                dispatch(() -> listener.onWebSocketClose(statusCode, reason));
            }

            @Override
            public void onWebSocketText(String message) {
                super.onWebSocketText(message);
                dispatch(() -> listener.onWebSocketText(message));
            }

            @Override
            public void onWebSocketBinary(byte[] payload, int offset, int length) {
                super.onWebSocketBinary(payload, offset, length);
                dispatch(() -> listener.onWebSocketBinary(payload, offset, length));
            }

            @Override
            public void onWebSocketError(Throwable cause) {
                super.onWebSocketError(cause);
                outgoing = null;
                dispatch(() -> listener.onWebSocketError(cause));
            }
        }
    }
}
