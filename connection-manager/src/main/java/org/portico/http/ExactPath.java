package org.portico.http;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Hands a request to its handler only when its path is exactly the one given ({@code bosh.path},
 * {@code websocket.path}), and declines every other, so that the endpoints sit in a {@code Handler.Sequence} before
 * the servlets. Why not Jetty's {@code PathMappingsHandler}: it wraps every request in one of its own with a context
 * object and an attribute map, which a held BOSH long-poll kept for its whole wait and an open WebSocket for its life
 * (docs/benchmarks.md). This passes the request on as it is.
 */
public final class ExactPath extends Handler.Wrapper {

    private final String path;

    public ExactPath(String path, Handler handler) {
        super(false, handler); // static, so Jetty takes the handler's invocation type (PorticoServer)
        this.path = path;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        return path.equals(Request.getPathInContext(request)) && super.handle(request, response, callback);
    }
}
