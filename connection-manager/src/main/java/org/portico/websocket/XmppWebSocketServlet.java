package org.portico.websocket;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import org.eclipse.jetty.ee10.websocket.server.JettyServerUpgradeRequest;
import org.eclipse.jetty.ee10.websocket.server.JettyServerUpgradeResponse;
import org.eclipse.jetty.ee10.websocket.server.JettyWebSocketServlet;
import org.eclipse.jetty.ee10.websocket.server.JettyWebSocketServletFactory;
import org.portico.http.SelectorReadEndPoint;
import org.portico.session.SessionLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket handshake (RFC 6455 §4, RFC 7395 §3.1): the {@code xmpp} subprotocol is required and echoed (R83),
 * the page's {@code Origin} must be allowed ({@link OriginPolicy}), and Jetty is configured with the transport's
 * size limits, idle timeout and whether permessage-deflate (RFC 7692) is offered.
 */
public final class XmppWebSocketServlet extends JettyWebSocketServlet {

    /** RFC 7395 §3.1 and the IANA WebSocket Subprotocol Name Registry. */
    static final String SUBPROTOCOL = "xmpp";
    static final String PERMESSAGE_DEFLATE = "permessage-deflate";

    private static final Logger log = LoggerFactory.getLogger(XmppWebSocketServlet.class);

    private final transient WebSocketTransport transport;

    XmppWebSocketServlet(WebSocketTransport transport) {
        this.transport = transport;
    }

    @Override
    protected void configure(JettyWebSocketServletFactory factory) {
        WebSocketConfig config = transport.config();
        // No Jetty idle timeout: the transport's beat owns liveness (Heartbeat), and Jetty's check per connection
        // would wake its scheduler once per idle timeout for every socket only to find the pings kept it busy.
        factory.setIdleTimeout(Duration.ZERO);
        factory.setMaxTextMessageSize(config.maxMessageBytes());
        factory.setMaxBinaryMessageSize(config.maxMessageBytes());
        factory.setMaxFrameSize(config.maxFrameBytes());
        factory.setMaxOutgoingFrames(config.maxQueuedFrames());
        factory.setInputBufferSize(config.inputBufferBytes());
        if (!config.permessageDeflate()) {
            factory.getAvailableExtensionNames().remove(PERMESSAGE_DEFLATE);
        }
        factory.setCreator(this::handshake);
    }

    private Object handshake(JettyServerUpgradeRequest request, JettyServerUpgradeResponse response)
            throws IOException {
        // no session yet: the client's address is all these lines can name
        SessionLog refusal = new SessionLog(log, null, request.getHttpServletRequest().getRemoteAddr());
        if (!request.hasSubProtocol(SUBPROTOCOL)) {
            refusal.info("WebSocket handshake refused: no '{}' subprotocol offered ({})", SUBPROTOCOL,
                    request.getSubProtocols());
            response.sendError(HttpServletResponse.SC_BAD_REQUEST, "This endpoint speaks XMPP (RFC 7395): the "
                    + "WebSocket subprotocol " + SUBPROTOCOL + " is required (Sec-WebSocket-Protocol: xmpp)");
            return null;
        }
        String origin = request.getOrigin();
        if (!transport.origins().allows(origin, authority(request))) {
            refusal.info("WebSocket handshake refused: origin {} is not allowed (http.allowedOrigins)", origin);
            response.sendForbidden("Origin " + origin + " is not allowed to open a WebSocket here");
            return null;
        }
        response.setAcceptedSubProtocol(SUBPROTOCOL);
        XmppWebSocketEndpoint endpoint = transport.newEndpoint(request.getHttpServletRequest());
        SelectorReadEndPoint socket = SelectorReadEndPoint.of(request.getHttpServletRequest());
        if (socket != null && transport.config().framesOnSelector()) {
            socket.readFramesOnSelectorWhile(endpoint::framesNeverWait);
        }
        return endpoint;
    }

    /**
     * The host (and port) the handshake was sent to: the {@code Host} header of an HTTP/1.1 upgrade, or the
     * {@code :authority} of a WebSocket over HTTP/2 (RFC 8441 §4), which has no {@code Host} header.
     */
    private static String authority(JettyServerUpgradeRequest request) {
        String host = request.getHeader("Host");
        return host != null ? host : request.getRequestURI().getRawAuthority();
    }
}
