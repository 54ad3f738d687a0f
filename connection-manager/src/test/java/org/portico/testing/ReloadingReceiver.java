package org.portico.testing;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * A browser page that receives messages and reloads, over one of the four ways a session survives a reload: BOSH
 * pause, BOSH restore, Portico's WebSocket resume token, and XEP-0198 resumption over WebSocket. Used by the reload
 * end-to-end tests (which assert exact message sequences) and the reload benchmark (which times {@link #reload}
 * followed by {@link #ping}). Each implementation keeps every message it received, in order, across reloads.
 */
public interface ReloadingReceiver extends AutoCloseable {

    /** The four ways, by name. */
    enum Kind {
        BOSH_PAUSE, BOSH_RESTORE, WEBSOCKET_TOKEN, WEBSOCKET_XEP0198;

        public ReloadingReceiver create(PorticoHarness portico) throws Exception {
            return create(portico.boshUri(), portico.websocketUri());
        }

        /** A page that reaches Portico at these addresses (through a reverse proxy, say). */
        public ReloadingReceiver create(URI bosh, URI websocket) throws Exception {
            return switch (this) {
                case BOSH_PAUSE -> new BoshReloadingReceiver(new BoshTestClient(bosh, LocalProsody.DOMAIN), bosh, true);
                case BOSH_RESTORE -> new BoshReloadingReceiver(new BoshTestClient(bosh, LocalProsody.DOMAIN), bosh,
                        false);
                case WEBSOCKET_TOKEN -> new WebSocketReloadingReceiver(WebSocketTestClient.connect(websocket,
                        LocalProsody.DOMAIN), false);
                case WEBSOCKET_XEP0198 -> new WebSocketReloadingReceiver(WebSocketTestClient.connect(websocket,
                        LocalProsody.DOMAIN), true);
            };
        }
    }

    /** Logs in with the test account's password; returns the full JID to send to. */
    String login(String user, String resource) throws Exception;

    /**
     * The page reloads: the transport is lost the way a reload loses it, the new page takes the session over, and
     * returns once a {@link #ping} the new page sent was answered in order; what the benchmark times. Nothing
     * received is lost or duplicated.
     */
    void reload() throws Exception;

    /** An XEP-0199 ping to the server, answered in order after everything that was on its way before it. */
    void ping() throws Exception;

    /** The bodies of the chat messages received so far, in order, once there are at least {@code count}. */
    List<String> bodies(int count, Duration timeout) throws Exception;

    /** The bodies received so far. */
    List<String> bodies();

    @Override
    void close();
}
