package org.portico.bosh;

import java.nio.ByteBuffer;
import java.util.List;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.portico.cluster.RequestForwarder;
import org.portico.http.GzipCoding;
import org.portico.session.SessionLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP edge of BOSH, on Jetty's core API: POST bodies (XEP-0124 §5) and, when enabled, XEP-0252 script-syntax
 * GETs. It reads the request body as it arrives, without waiting for it ({@link RequestBody}: size-bounded, gzip or
 * deflate as advertised in {@code accept}, R17), and hands it to {@link BoshSessions} as a {@link BoshHttpExchange},
 * whose answer is written without waiting too. So a request for an open session is handled on whichever thread Jetty
 * delivers it, and answered on whichever thread decided the answer, with no thread of its own; what may wait
 * (opening a session, forwarding to another node) {@link BoshSessions} moves off platform threads. So it tells Jetty
 * it does not block, and Jetty handles its requests on the thread that read them ({@code bosh.requestsOnSelector}).
 *
 * <p>Why not a servlet: a servlet reads and writes with blocking streams, so every request and every answer needed
 * a thread of its own (the request's, and one per answer decided on the upstream poller), and Jetty's servlet layer
 * cost more per request than the relay (docs/benchmarks.md).
 */
public final class BoshHandler extends Handler.Abstract.NonBlocking {

    private static final Logger log = LoggerFactory.getLogger(BoshHandler.class);
    /** How much of a refused body, in multiples of the body limit, is read and dropped after the answer. */
    private static final int LINGER_FACTOR = 2;
    private static final String ALLOWED = "GET, POST, OPTIONS";

    private final BoshSessions sessions;
    private final int maxBodyBytes;
    private final GzipCoding gzip;

    /** @param gzip the coding of large answers (R4), or null for none */
    public BoshHandler(BoshSessions sessions, int maxBodyBytes, GzipCoding gzip) {
        this.sessions = sessions;
        this.maxBodyBytes = maxBodyBytes;
        this.gzip = gzip;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String method = request.getMethod();
        if (HttpMethod.POST.is(method)) {
            post(request, response, callback);
        } else if (HttpMethod.GET.is(method)) {
            get(request, response, callback);
        } else if (HttpMethod.OPTIONS.is(method)) {
            response.getHeaders().put(HttpHeader.ALLOW, ALLOWED);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
            callback.succeeded();
        } else {
            response.getHeaders().put(HttpHeader.ALLOW, ALLOWED);
            Response.writeError(request, response, callback, HttpStatus.METHOD_NOT_ALLOWED_405);
        }
        return true;
    }

    private void post(Request request, Response response, Callback callback) {
        boolean forwarded = forwarded(request);
        new RequestBody(request, maxBodyBytes, new RequestBody.Receiver() {
            @Override
            public void received(byte[] body) {
                sessions.handle(body, new BoshHttpExchange(request, response, callback, false, gzip, sessions.waits()),
                        forwarded);
            }

            @Override
            public void unreadable(String detail) {
                refuse(request, response, callback, detail);
            }

            @Override
            public void failed(Throwable failure) {
                log.debug("BOSH request body not received: {}", failure.toString());
                callback.failed(failure);
            }
        }).read();
    }

    /**
     * A body that cannot be read within the limits: {@code bad-request}, one log line, and the connection closed
     * after the answer, since the rest of the body is not decoded (RFC 9112 §9.6). What the client still sends is
     * read and dropped, up to {@link #LINGER_FACTOR} times the body limit: a socket closed with unread input answers
     * the client's next segment with a TCP reset, and a client still uploading (a gzip bomb is refused after a few
     * hundred of its octets) then fails its write and never reads the answer it was sent. A body larger still gets
     * the reset: no client is read from without bound.
     */
    private void refuse(Request request, Response response, Callback callback, String detail) {
        new SessionLog(log, null, Request.getRemoteAddr(request)).info("BOSH request rejected: bad-request ({})",
                BoshException.printable(detail));
        response.setStatus(HttpStatus.OK_200);
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        ByteBuffer body = BoshHttpExchange.content(response, BoshHttpExchange.XML_CONTENT_TYPE, badRequest());
        long budget = (long) maxBodyBytes * LINGER_FACTOR;
        response.write(true, body, Callback.from(() -> new Discard(request, callback, budget).run(),
                callback::failed));
    }

    /**
     * XEP-0252: {@code GET <url>?<escaped body>}; the whole session then speaks script syntax (R67–R70). When script
     * syntax is off, XEP-0252 §2.1 and §5 ask for an empty HTTP 404, which tells the client it is unsupported.
     */
    private void get(Request request, Response response, Callback callback) {
        if (!sessions.config().scriptSyntax()) {
            response.setStatus(HttpStatus.NOT_FOUND_404);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
            callback.succeeded();
            return;
        }
        String query = request.getHttpURI().getQuery() == null ? "" : request.getHttpURI().getQuery();
        if (query.length() > maxBodyBytes * 3L) {
            rejectScript(request, response, callback, "query of " + query.length() + " characters, above "
                    + maxBodyBytes + " escaped octets");
            return;
        }
        ScriptSyntax.Request script;
        try {
            script = ScriptSyntax.decodeRequest(query);
        } catch (IllegalArgumentException e) {
            rejectScript(request, response, callback, e.getMessage());
            return;
        }
        sessions.handleScript(script, new BoshHttpExchange(request, response, callback, true, gzip, sessions.waits()),
                forwarded(request));
    }

    /** A GET that is no script-syntax body: one log line, {@code bad-request} in script form (R69, R70). */
    private static void rejectScript(Request request, Response response, Callback callback, String detail) {
        new SessionLog(log, null, Request.getRemoteAddr(request)).info("BOSH request rejected: bad-request ({})",
                BoshException.printable(detail));
        ScriptSyntax.NO_CACHE_HEADERS.forEach(response.getHeaders()::put);
        response.write(true, BoshHttpExchange.content(response, ScriptSyntax.CONTENT_TYPE,
                ScriptSyntax.encodeResponse(badRequest())), callback);
    }

    private static String badRequest() {
        return BoshResponses.terminal(BoshCondition.BAD_REQUEST, List.of());
    }

    /** Whether another cluster node forwarded this request here, so it is not forwarded again. */
    private static boolean forwarded(Request request) {
        return request.getHeaders().get(RequestForwarder.FORWARDED_BY) != null;
    }

    /** Reads and drops the rest of a refused body, up to a budget, then completes the request. */
    private static final class Discard implements Runnable {
        private final Request request;
        private final Callback callback;
        private long budget;

        Discard(Request request, Callback callback, long budget) {
            this.request = request;
            this.callback = callback;
            this.budget = budget;
        }

        @Override
        public void run() {
            while (budget > 0) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    break;
                }
                budget -= BufferUtil.length(chunk.getByteBuffer());
                boolean last = chunk.isLast();
                chunk.release();
                if (last) {
                    break;
                }
            }
            callback.succeeded();
        }
    }
}
