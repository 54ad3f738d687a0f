package org.portico.websocket;

import java.time.Duration;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.Configuration;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.WebSocketConstants;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.core.server.WebSocketMappings;
import org.eclipse.jetty.websocket.core.server.WebSocketNegotiator;
import org.eclipse.jetty.websocket.core.server.WebSocketServerComponents;
import org.portico.http.SelectorReadEndPoint;
import org.portico.session.SessionLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket handshake (RFC 6455 §4, RFC 7395 §3.1) on Jetty's core API: the {@code xmpp} subprotocol is
 * required and echoed (R83), the page's {@code Origin} must be allowed ({@link OriginPolicy}), and each socket gets
 * the transport's frame size limit and outbound queue limit, no Jetty idle timeout, and permessage-deflate
 * (RFC 7692) only when it is offered by configuration.
 *
 * <p>Why Jetty's core API and not its WebSocket API: the API calls an endpoint's methods through a
 * {@code MethodHandle} bound to each socket's endpoint, and the JVM compiles such a handle into a class of its own
 * after its 127th call. At 1,000 messages a second over 200 sockets every socket reached that call within the same
 * second, and Jetty's selector spent it generating classes: every WebSocket message through Portico waited 100 to
 * 450 ms (docs/benchmarks.md). {@link XmppWebSocketEndpoint} is a core {@link FrameHandler}: Jetty calls it directly.
 *
 * <p>Jetty's session keeps its upgrade request's context for the socket's life, so nothing in front of this handler
 * may wrap the request in a context of its own ({@link org.portico.http.ExactPath}): the one Jetty's
 * {@code PathMappingsHandler} gave held the request itself, and every open socket kept its whole upgrade request,
 * connection, parser and headers (docs/benchmarks.md).
 *
 * <p>Threads: the handshake runs on the request's thread and never waits.
 */
public final class XmppWebSocketHandler extends Handler.Abstract.NonBlocking {

    /** RFC 7395 §3.1 and the IANA WebSocket Subprotocol Name Registry. */
    static final String SUBPROTOCOL = "xmpp";
    static final String PERMESSAGE_DEFLATE = "permessage-deflate";

    private static final Logger log = LoggerFactory.getLogger(XmppWebSocketHandler.class);
    private static final String NOT_AN_UPGRADE = "This endpoint speaks XMPP over WebSocket (RFC 7395): open a "
            + "WebSocket here with the subprotocol " + SUBPROTOCOL + "\n";

    private final WebSocketTransport transport;
    private final WebSocketMappings mappings;
    private final WebSocketNegotiator negotiator;

    XmppWebSocketHandler(WebSocketTransport transport, Server server) {
        this.transport = transport;
        this.mappings = new WebSocketMappings(WebSocketServerComponents.ensureWebSocketComponents(server));
        WebSocketConfig config = transport.config();
        Configuration.ConfigurationCustomizer limits = new Configuration.ConfigurationCustomizer();
        // No Jetty idle timeout: the transport's beat owns liveness (Heartbeat), and Jetty's check per connection
        // would wake its scheduler once per idle timeout for every socket only to find the pings kept it busy.
        limits.setIdleTimeout(Duration.ZERO);
        limits.setMaxFrameSize(config.maxFrameBytes());
        limits.setMaxOutgoingFrames(config.maxQueuedFrames());
        limits.setInputBufferSize(config.inputBufferBytes());
        this.negotiator = WebSocketNegotiator.from(this::handshake, (endpoint, request, response) ->
                (FrameHandler) endpoint, limits);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        if (mappings.upgrade(negotiator, request, response, callback, null)) {
            return true;
        }
        // RFC 6455 §4.2.2 and RFC 9110 §15.5.22: not a WebSocket handshake this server can take
        response.getHeaders().put(HttpHeader.UPGRADE, "websocket");
        response.getHeaders().put(HttpHeader.SEC_WEBSOCKET_VERSION, WebSocketConstants.SPEC_VERSION_STRING);
        refuse(response, callback, HttpStatus.UPGRADE_REQUIRED_426, NOT_AN_UPGRADE);
        return true;
    }

    private Object handshake(ServerUpgradeRequest request, ServerUpgradeResponse response, Callback callback) {
        String client = Request.getRemoteAddr(request);
        // no session yet: the client's address is all these lines can name
        SessionLog refusal = new SessionLog(log, null, client);
        if (!request.hasSubProtocol(SUBPROTOCOL)) {
            refusal.info("WebSocket handshake refused: no '{}' subprotocol offered ({})", SUBPROTOCOL,
                    request.getSubProtocols());
            refuse(response, callback, HttpStatus.BAD_REQUEST_400, "This endpoint speaks XMPP (RFC 7395): the "
                    + "WebSocket subprotocol " + SUBPROTOCOL + " is required (Sec-WebSocket-Protocol: xmpp)\n");
            return null;
        }
        String origin = request.getHeaders().get(HttpHeader.ORIGIN);
        if (!transport.origins().allows(origin, authority(request))) {
            refusal.info("WebSocket handshake refused: origin {} is not allowed (http.allowedOrigins)", origin);
            refuse(response, callback, HttpStatus.FORBIDDEN_403, "Origin " + origin
                    + " is not allowed to open a WebSocket here\n");
            return null;
        }
        response.setAcceptedSubProtocol(SUBPROTOCOL);
        if (!transport.config().permessageDeflate()) {
            response.setExtensions(response.getExtensions().stream()
                    .filter(extension -> !PERMESSAGE_DEFLATE.equals(extension.getName())).toList());
        }
        XmppWebSocketEndpoint endpoint = transport.newEndpoint(request, client, origin);
        SelectorReadEndPoint socket = SelectorReadEndPoint.of(request);
        if (socket != null && transport.config().framesOnSelector()) {
            socket.readFramesOnSelectorWhile(endpoint::framesNeverWait);
        }
        return endpoint;
    }

    private static void refuse(Response response, Callback callback, int status, String reason) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
        Content.Sink.write(response, true, reason, callback);
    }

    /**
     * The host (and port) the handshake was sent to: the {@code Host} header of an HTTP/1.1 upgrade, or the
     * {@code :authority} of a WebSocket over HTTP/2 (RFC 8441 §4), which has no {@code Host} header.
     */
    private static String authority(Request request) {
        String host = request.getHeaders().get(HttpHeader.HOST);
        return host != null ? host : request.getHttpURI().getAuthority();
    }
}
