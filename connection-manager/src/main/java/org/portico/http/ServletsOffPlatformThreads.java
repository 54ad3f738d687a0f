package org.portico.http;

import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the servlets (host-meta, the demo's files) on virtual threads only. A connection that
 * carried a BOSH request has its HTTP/1.1 requests read on Jetty's selector ({@link SelectorReadEndPoint}), and a
 * servlet reads and writes with blocking streams: one that reached the selector would stop every other socket. So a
 * request that arrives here on a platform thread moves to a virtual thread of its own first, which is where Jetty
 * would have run it on any other connection. For the same reason it tells Jetty it does not block
 * ({@link #getInvocationType()}): whatever thread Jetty calls it on, no servlet runs there unless it is virtual.
 */
public final class ServletsOffPlatformThreads extends Handler.Wrapper {

    private static final Logger log = LoggerFactory.getLogger(ServletsOffPlatformThreads.class);

    public ServletsOffPlatformThreads(Handler servlets) {
        super(false, servlets);
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (Thread.currentThread().isVirtual()) {
            return super.handle(request, response, callback);
        }
        Thread.ofVirtual().name("portico-http-servlet").start(() -> handleHere(request, response, callback));
        return true;
    }

    private void handleHere(Request request, Response response, Callback callback) {
        try {
            if (!super.handle(request, response, callback)) {
                Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
            }
        } catch (Throwable failure) {
            log.debug("request failed in its servlet: {}", failure.toString());
            Response.writeError(request, response, callback, failure);
        }
    }
}
