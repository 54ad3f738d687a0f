package org.portico.bosh;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.portico.http.GzipCoding;
import org.portico.session.SessionLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One BOSH request over Jetty's core API, answered at most once from whichever thread decided the answer, and never
 * waiting: the answer is handed to Jetty with its Content-Length (R3) and the outcome reported when the socket took
 * it. While the session holds it, the {@link HeldRequestWaits} beat (or, for a wait shorter than a beat, Jetty's
 * scheduler) tells when its wait ends, and a {@link ClosedConnectionWatch} (HTTP/1.x) or the request's failure
 * listener (HTTP/2 stream resets) when its client went away; the session then hears of it instead of answering into a
 * closed connection.
 *
 * <p>Threads: {@link #answered} decides, once, which of the answer, the expiry and the lost connection happens; the
 * other fields are written by the thread that delivered the request before it returns and read by the others.
 */
final class BoshHttpExchange implements BoshExchange, HeldRequestWaits.Waiting {

    private static final Logger log = LoggerFactory.getLogger(BoshHttpExchange.class);
    private static final Logger wire = LoggerFactory.getLogger("portico.wire");
    static final String XML_CONTENT_TYPE = "text/xml; charset=utf-8";
    /**
     * Responses carry other users' stanzas, so a page that makes a browser navigate to one (a cross-site form POST to
     * a session it knows) must not get it rendered as an active document: text/xml renders XHTML and its scripts,
     * and the client chooses the type ({@code content}, R13). This policy (no script, no plugin, no fetch, a unique
     * origin) keeps such a document inert; XHR, fetch and script-syntax {@code <script>} loads ignore it.
     */
    private static final String INERT_DOCUMENT = "default-src 'none'; sandbox";
    /**
     * {@link #INERT_DOCUMENT} as one field for every answer. Jetty has no constant for its name, so HPACK would
     * lower-case the name anew for each HTTP/2 answer (RFC 9113 §8.2); this field hands it over lower-cased.
     */
    private static final HttpField INERT_DOCUMENT_POLICY = new HttpField("Content-Security-Policy", INERT_DOCUMENT) {
        @Override
        public String getLowerCaseName() {
            return "content-security-policy";
        }
    };

    /** {@link BoshBody#EMPTY} encoded once; each answer wraps it read-only, so no write can change it for another. */
    private static final byte[] EMPTY_BODY_OCTETS = BoshBody.EMPTY.getBytes(StandardCharsets.UTF_8);

    private final Request request;
    private final Response response;
    private final Callback callback;
    private final boolean script;
    /** Compresses large answers for requests that accept gzip (R4); null when {@code http.gzip} is off. */
    private final GzipCoding gzip;
    private final HeldRequestWaits waits;
    private final AtomicBoolean answered = new AtomicBoolean();
    private volatile Listener listener;
    private volatile ClosedConnectionWatch watch;
    private volatile Scheduler.Task shortWait;
    private volatile long deadline;
    /** The session's id once known, for the wire log's MDC. */
    private volatile String sid;

    /**
     * @param script whether this is an XEP-0252 GET, whose answers are scripts
     * @param gzip   the coding of large answers, or null for none
     */
    BoshHttpExchange(Request request, Response response, Callback callback, boolean script, GzipCoding gzip,
            HeldRequestWaits waits) {
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.script = script;
        this.gzip = gzip;
        this.waits = waits;
    }

    @Override
    public String clientAddress() {
        return Request.getRemoteAddr(request);
    }

    @Override
    public void forSession(String sid) {
        this.sid = sid;
    }

    /** A line on the wire log (DEBUG), with the session's id and the client's address in the MDC. */
    private void onWire(String format, Object... arguments) {
        if (wire.isDebugEnabled()) {
            new SessionLog(wire, sid, clientAddress()).debug(format, arguments);
        }
    }

    @Override
    public void holdFor(Duration wait, Listener listener) {
        if (this.listener != null) {
            release(); // held again (an early request once processed, §14.2): the new wait replaces the old
        } else {
            request.addFailureListener(this::failed);
        }
        this.listener = listener;
        if (wait.compareTo(HeldRequestWaits.BEAT) < 0) {
            // shorter than a beat: the beat could answer it only late, so Jetty's scheduler times it exactly
            shortWait = request.getComponents().getScheduler().schedule(this::expired,
                    Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS);
        } else {
            deadline = waits.now() + wait.toNanos();
            waits.hold(this);
        }
        if (answered.get()) {
            release(); // answered meanwhile by a thread that released it before it was held
            return;
        }
        if (watch == null) {
            watch = ClosedConnectionWatch.start(request, this::connectionLost);
        }
    }

    @Override
    public long deadline() {
        return deadline;
    }

    @Override
    public void expired() {
        Listener told = listener;
        if (told != null && !answered.get()) {
            told.waitExpired();
        }
    }

    @Override
    public void respond(int status, String contentType, String body, Outcome outcome) {
        answer(status, contentType, script ? ScriptSyntax.encodeResponse(body) : body, outcome);
    }

    @Override
    public void relay(int status, String contentType, String body) {
        answer(status, contentType, body, Outcome.IGNORED);
    }

    /** Writes the answer, encoded already, unless another answer, an expiry or the client's leaving came first. */
    private void answer(int status, String contentType, String body, Outcome outcome) {
        if (!answered.compareAndSet(false, true)) {
            outcome.delivered(false);
            return;
        }
        release();
        ClosedConnectionWatch watching = watch;
        if (watching != null && !watching.stop(outcome != Outcome.IGNORED)) {
            log.debug("BOSH client closed the connection before its answer was written");
            onWire("bosh -> not delivered (connection closed): {}", body);
            callback.failed(new EofException("client closed the connection"));
            outcome.delivered(false);
            return;
        }
        response.setStatus(status);
        ByteBuffer bytes = BufferUtil.EMPTY_BUFFER;
        if (script) {
            ScriptSyntax.NO_CACHE_HEADERS.forEach(response.getHeaders()::put);
            bytes = coded(contentType != null ? contentType : ScriptSyntax.CONTENT_TYPE, body);
        } else if (!body.isEmpty()) {
            bytes = coded(contentType != null ? contentType : XML_CONTENT_TYPE, body);
        } else {
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
        }
        response.write(true, bytes, Callback.from(() -> {
            // logged once written: the wire log tells answers that reached the connection from those that did not
            onWire("bosh -> {}", body);
            callback.succeeded();
            outcome.delivered(true);
        }, failure -> {
            log.debug("BOSH response not delivered: {}", failure.toString());
            onWire("bosh -> not delivered ({}): {}", failure, body);
            callback.failed(failure);
            outcome.delivered(false);
        }));
    }

    /** {@link #content} for an answer, gzipped when it is large enough and the request accepts it (R4). */
    private ByteBuffer coded(String contentType, String body) {
        byte[] octets = BoshBody.EMPTY.equals(body) ? EMPTY_BODY_OCTETS : body.getBytes(StandardCharsets.UTF_8);
        return content(response, contentType,
                gzip == null ? octets : gzip.encode(request.getHeaders(), response.getHeaders(), octets));
    }

    /**
     * Sets the headers of a whole BOSH response with a body (its type, its Content-Length, R3, and
     * {@link #INERT_DOCUMENT}) and returns the body's octets; {@link BoshHandler}'s refusals use it too.
     */
    static ByteBuffer content(Response response, String contentType, String body) {
        return content(response, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    private static ByteBuffer content(Response response, String contentType, byte[] octets) {
        response.getHeaders().put(INERT_DOCUMENT_POLICY);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, octets.length);
        return octets == EMPTY_BODY_OCTETS ? ByteBuffer.wrap(octets).asReadOnlyBuffer() : ByteBuffer.wrap(octets);
    }

    private void release() {
        waits.release(this);
        Scheduler.Task timer = shortWait;
        if (timer != null) {
            timer.cancel();
        }
    }

    /** The client went away while the request was held: nothing is written; the session is told. */
    private void connectionLost() {
        if (!answered.compareAndSet(false, true)) {
            return;
        }
        release();
        log.debug("BOSH client closed the connection of a held request");
        Listener told = listener;
        if (told != null) {
            told.connectionLost();
        }
        callback.failed(new EofException("client closed the connection"));
    }

    /** HTTP/2 stream resets and other failures Jetty notices itself arrive here. */
    private void failed(Throwable failure) {
        log.debug("BOSH connection failed while held: {}", String.valueOf(failure));
        connectionLost();
    }
}
