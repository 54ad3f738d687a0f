package org.portico.metrics;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Counts every HTTP exchange of the public listener by how it ended, around all its handlers: a status class
 * ({@code 2xx}, {@code 4xx}, {@code 101} upgrades as {@code 1xx}…) or {@code failed} when the exchange broke (the
 * client went away, a write failed). Jetty reports the completion to a listener on the request; nothing in the
 * handlers changes.
 *
 * <p>Why a completion listener and not Jetty's {@code EventsHandler}: that one wraps every request and response,
 * copies each chunk read and each response's headers to report them, and so cost every BOSH long-poll several
 * objects and a header copy for a count (docs/benchmarks.md).
 */
public final class HttpOutcomes extends Handler.Wrapper {

    private final Metrics metrics;

    public HttpOutcomes(Handler handler, Metrics metrics) {
        super(false, handler); // static, so Jetty takes the handlers' invocation type (PorticoServer)
        this.metrics = metrics;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Request.addCompletionListener(request, failure -> metrics.httpRequest(response.getStatus(), failure != null));
        return super.handle(request, response, callback);
    }

    @Override
    public String toString() {
        return "HttpOutcomes[" + metrics + "]";
    }
}
