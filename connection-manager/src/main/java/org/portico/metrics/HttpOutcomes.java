package org.portico.metrics;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.EventsHandler;

/**
 * Counts every HTTP exchange of the public listener by how it ended, around all its handlers: a status class
 * ({@code 2xx}, {@code 4xx}, {@code 101} upgrades as {@code 1xx}…) or {@code failed} when the exchange broke (the
 * client went away, a write failed). Jetty reports the completion; nothing in the servlets changes.
 */
public final class HttpOutcomes extends EventsHandler {

    private final Metrics metrics;

    public HttpOutcomes(Handler handler, Metrics metrics) {
        super(handler);
        this.metrics = metrics;
    }

    @Override
    protected void onComplete(Request request, int status, HttpFields headers, Throwable failure) {
        metrics.httpRequest(status, failure != null);
    }

    @Override
    public String toString() {
        return "HttpOutcomes[" + metrics + "]";
    }
}
