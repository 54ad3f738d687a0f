package org.portico.bosh;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;
import org.portico.cluster.RequestForwarder;
import org.portico.session.SessionLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP edge of BOSH: POST bodies (XEP-0124 §5) and, when enabled, XEP-0252 script-syntax GETs. It decodes the
 * request (size-bounded, gzip or deflate as advertised in {@code accept}, R17), hands it to {@link BoshSessions} as an
 * {@link AsyncContext}-backed {@link BoshExchange}, and returns without parking a thread.
 */
public final class BoshServlet extends HttpServlet {

    private static final Logger log = LoggerFactory.getLogger(BoshServlet.class);
    private static final Logger wire = LoggerFactory.getLogger("portico.wire");
    private static final String XML_CONTENT_TYPE = "text/xml; charset=utf-8";
    /** No script, no plugin, no fetch, a unique origin: see {@link #writeNow}. */
    private static final String INERT_DOCUMENT = "default-src 'none'; sandbox";
    /** How long a timing-out request waits for an answer another thread is writing: one small body's write. */
    private static final Duration COMPLETION_WAIT = Duration.ofSeconds(5);
    /** How much of a refused body, in multiples of the body limit, is read and dropped after the answer. */
    private static final int LINGER_FACTOR = 2;

    private final transient BoshSessions sessions;
    private final int maxBodyBytes;

    public BoshServlet(BoshSessions sessions, int maxBodyBytes) {
        this.sessions = sessions;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        byte[] body;
        try {
            body = readBody(request);
        } catch (UnreadableBody e) {
            new SessionLog(log, null, request.getRemoteAddr()).info("BOSH request rejected: bad-request ({})",
                    BoshException.printable(e.getMessage()));
            response.setStatus(HttpServletResponse.SC_OK);
            // the rest of the body is not decoded, so this connection cannot carry another request (RFC 9112 §9.6)
            response.setHeader("Connection", "close");
            writeNow(response, XML_CONTENT_TYPE, new BoshBody().attribute(BoshNames.TYPE, BoshNames.TYPE_TERMINATE)
                    .attribute(BoshNames.CONDITION, BoshCondition.BAD_REQUEST.wireName()).text());
            response.flushBuffer();
            discardRest(request);
            return;
        }
        sessions.handle(body, startAsync(request, false),
                request.getHeader(RequestForwarder.FORWARDED_BY) != null);
    }

    /**
     * XEP-0252: {@code GET <url>?<escaped body>}; the whole session then speaks script syntax (R67–R70). When script
     * syntax is off, XEP-0252 §2.1 and §5 ask for an empty HTTP 404, which tells the client it is unsupported.
     */
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!sessions.config().scriptSyntax()) {
            response.setStatus(HttpServletResponse.SC_NOT_FOUND);
            response.setContentLength(0);
            return;
        }
        String query = request.getQueryString() == null ? "" : request.getQueryString();
        if (query.length() > maxBodyBytes * 3L) {
            rejectScript(request, response, "query of " + query.length() + " characters, above " + maxBodyBytes
                    + " escaped octets");
            return;
        }
        ScriptSyntax.Request script;
        try {
            script = ScriptSyntax.decodeRequest(query);
        } catch (IllegalArgumentException e) {
            rejectScript(request, response, e.getMessage());
            return;
        }
        Exchange exchange = startAsync(request, true);
        sessions.handleScript(script, exchange, request.getHeader(RequestForwarder.FORWARDED_BY) != null);
    }

    /** A GET that is no script-syntax body: one log line, {@code bad-request} in script form (R69, R70). */
    private static void rejectScript(HttpServletRequest request, HttpServletResponse response, String detail)
            throws IOException {
        new SessionLog(log, null, request.getRemoteAddr()).info("BOSH request rejected: bad-request ({})",
                BoshException.printable(detail));
        ScriptSyntax.NO_CACHE_HEADERS.forEach(response::setHeader);
        writeNow(response, ScriptSyntax.CONTENT_TYPE, ScriptSyntax.encodeResponse(new BoshBody()
                .attribute(BoshNames.TYPE, BoshNames.TYPE_TERMINATE)
                .attribute(BoshNames.CONDITION, BoshCondition.BAD_REQUEST.wireName()).text()));
    }

    private Exchange startAsync(HttpServletRequest request, boolean script) {
        AsyncContext async = request.startAsync();
        async.setTimeout(sessions.config().maxWait().toMillis());
        Exchange exchange = new Exchange(async, script, sessions.waits());
        async.addListener(exchange);
        return exchange;
    }

    /**
     * The request body, decoded as its {@code Content-Encoding} says (R17) and never larger than the limit: the
     * declared length is checked first, then every decoded octet is counted, so a gzip bomb is refused after
     * {@code maxBodyBytes} of output, whatever its compressed size.
     */
    private byte[] readBody(HttpServletRequest request) throws IOException, UnreadableBody {
        long declared = request.getContentLengthLong();
        if (declared > maxBodyBytes) {
            throw new UnreadableBody("Content-Length " + declared + " above " + maxBodyBytes);
        }
        InputStream in = request.getInputStream();
        String encoding = request.getHeader("Content-Encoding");
        if (encoding == null) {
            return readBounded(in, declared);
        }
        String name = encoding.trim().toLowerCase(Locale.ROOT);
        try {
            in = switch (name) {
                case "gzip", "x-gzip" -> new GZIPInputStream(in);
                case "deflate" -> new InflaterInputStream(in);
                case "identity" -> in;
                default -> throw new UnreadableBody("unsupported Content-Encoding " + encoding);
            };
            return readBounded(in, declared);
        } catch (ZipException | EOFException e) {
            // corrupt or truncated compressed data: the client's fault, not an I/O failure of ours
            throw new UnreadableBody("undecodable " + name + " body: " + e.getMessage());
        }
    }

    /**
     * Reads into one array of the declared length when there is one (the usual BOSH POST), so a body costs its own
     * size and no staging buffers; without a length, or past it (a decoded body), it grows as needed.
     */
    private byte[] readBounded(InputStream in, long declared) throws IOException, UnreadableBody {
        byte[] body = new byte[declared > 0 ? (int) declared : 512];
        int total = 0;
        while (true) {
            if (total == body.length) {
                // full: one more octet tells the end of the body from a body longer than declared
                int next = in.read();
                if (next < 0) {
                    return body;
                }
                body = grow(body, total + 1);
                body[total++] = (byte) next;
            }
            int n = in.read(body, total, body.length - total);
            if (n < 0) {
                return Arrays.copyOf(body, total);
            }
            total += n;
        }
    }

    private byte[] grow(byte[] body, int needed) throws UnreadableBody {
        if (needed > maxBodyBytes) {
            throw new UnreadableBody("body above " + maxBodyBytes + " bytes");
        }
        return Arrays.copyOf(body, (int) Math.min(maxBodyBytes, Math.max(needed, body.length * 2L)));
    }

    /**
     * Reads and drops what the client is still sending after its refusal was answered, up to
     * {@link #LINGER_FACTOR} times the body limit. Jetty closes a connection whose request its handler left unread,
     * and a socket closed with unread input answers the client's next segment with a TCP reset: a client still
     * uploading (a gzip bomb is refused after a few hundred of its octets) then fails its write and never reads the
     * answer it was sent. A body larger still gets the reset: no client is read from without bound.
     */
    private void discardRest(HttpServletRequest request) throws IOException {
        InputStream raw = request.getInputStream();
        byte[] sink = new byte[8192];
        long budget = (long) maxBodyBytes * LINGER_FACTOR;
        int n;
        while (budget > 0 && (n = raw.read(sink, 0, (int) Math.min(sink.length, budget))) >= 0) {
            budget -= n;
        }
    }

    /**
     * Writes a whole response with its Content-Length (R3). Responses carry other users' stanzas, so a page that
     * makes a browser navigate to one (a cross-site form POST to a session it knows) must not get it rendered as an
     * active document: text/xml renders XHTML and its scripts, and the client chooses the type ({@code content},
     * R13). A sandboxing Content-Security-Policy keeps such a document inert; XHR, fetch and script-syntax
     * {@code <script>} loads ignore it.
     */
    private static void writeNow(HttpServletResponse response, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.setHeader("Content-Security-Policy", INERT_DOCUMENT);
        response.setContentType(contentType);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    /** A body that cannot be read within the limits: too large, or in an encoding that cannot be decoded. */
    private static final class UnreadableBody extends Exception {
        UnreadableBody(String message) {
            super(message);
        }
    }

    /**
     * One request; answered at most once, from whichever thread decided the answer. While the session holds it, the
     * {@link HeldRequestWaits} beat tells when its wait ends, and a {@link ClosedConnectionWatch} when its client goes
     * away, and the session hears of it instead of answering into a closed connection. The servlet container's
     * timeout stays armed a little after the wait, should the beat ever miss it.
     */
    private static final class Exchange implements BoshExchange, AsyncListener, HeldRequestWaits.Waiting {
        private final AsyncContext async;
        private final boolean script;
        private final HeldRequestWaits waits;
        private final AtomicBoolean answered = new AtomicBoolean();
        /** Counted down once the answer (or the closed connection) completed the request. */
        private final CountDownLatch completed = new CountDownLatch(1);
        private volatile Listener listener;
        private volatile ClosedConnectionWatch watch;
        private volatile long deadline;

        Exchange(AsyncContext async, boolean script, HeldRequestWaits waits) {
            this.async = async;
            this.script = script;
            this.waits = waits;
        }

        @Override
        public String clientAddress() {
            return async.getRequest().getRemoteAddr();
        }

        @Override
        public void holdFor(Duration wait, Listener listener) {
            this.listener = listener;
            if (wait.compareTo(HeldRequestWaits.BEAT) < 0) {
                // shorter than a beat: the beat could answer it only late, so the container times it exactly
                async.setTimeout(Math.max(1, wait.toMillis()));
            } else {
                deadline = waits.now() + wait.toNanos();
                async.setTimeout(wait.plus(HeldRequestWaits.BEAT.multipliedBy(2)).toMillis());
                waits.hold(this);
                if (answered.get()) {
                    waits.release(this); // answered meanwhile by a thread that released it before it was held
                }
            }
            if (watch == null && !answered.get()) {
                watch = ClosedConnectionWatch.start(async.getRequest(), this::connectionLost);
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
        public boolean respond(int status, String contentType, String body) {
            return answer(status, contentType, body, script);
        }

        @Override
        public boolean relay(int status, String contentType, String body) {
            return answer(status, contentType, body, false);
        }

        /** @param encode whether the body is XML that this script-syntax request must get as a script */
        private boolean answer(int status, String contentType, String body, boolean encode) {
            if (!answered.compareAndSet(false, true)) {
                return false;
            }
            waits.release(this);
            ClosedConnectionWatch watching = watch;
            if (watching != null && !watching.stop()) {
                log.debug("BOSH client closed the connection before its answer was written");
                wire.debug("bosh -> not delivered (connection closed): {}", body);
                complete();
                return false;
            }
            HttpServletResponse response = (HttpServletResponse) async.getResponse();
            try {
                response.setStatus(status);
                if (script) {
                    ScriptSyntax.NO_CACHE_HEADERS.forEach(response::setHeader);
                    writeNow(response, contentType != null ? contentType : ScriptSyntax.CONTENT_TYPE,
                            encode ? ScriptSyntax.encodeResponse(body) : body);
                } else if (!body.isEmpty()) {
                    writeNow(response, contentType != null ? contentType : XML_CONTENT_TYPE, body);
                }
                // logged once written: the wire log tells answers that reached the connection from those that did not
                wire.debug("bosh -> {}", body);
                return true;
            } catch (IOException | RuntimeException e) {
                log.debug("BOSH response not delivered: {}", e.toString());
                wire.debug("bosh -> not delivered ({}): {}", e, body);
                return false;
            } finally {
                complete();
            }
        }

        /** The client went away while the request was held: nothing is written; the session is told. */
        private void connectionLost() {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            waits.release(this);
            log.debug("BOSH client closed the connection of a held request");
            Listener told = listener;
            if (told != null) {
                told.connectionLost();
            }
            complete();
        }

        private void complete() {
            try {
                async.complete();
            } catch (IllegalStateException e) {
                log.debug("BOSH request already completed: {}", e.toString());
            } finally {
                completed.countDown();
            }
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            Listener told = listener;
            if (told != null) {
                // the session answers the request now, unless it already decided its answer on another thread
                told.waitExpired();
            } else {
                respond(200, null, new BoshBody().text());
            }
            awaitCompleted();
        }

        /**
         * The servlet container answers a timed-out request itself (an error) unless a timeout listener completed
         * it before returning. When the session decided this request's answer on another thread in the same
         * instant (the upstream's reader delivering the creation features or a stanza), that answer may not be
         * written yet: the timeout waits for it rather than answering first, which would send an empty body in
         * place of the session's answer (a creation response without its sid, seen under load) and fail its write.
         */
        private void awaitCompleted() {
            try {
                if (!completed.await(COMPLETION_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    log.debug("BOSH answer still being written after {}", COMPLETION_WAIT);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void onComplete(AsyncEvent event) {
            answered.set(true);
        }

        /** HTTP/2 stream resets and other failures Jetty notices itself arrive here. */
        @Override
        public void onError(AsyncEvent event) {
            log.debug("BOSH connection failed while held: {}", String.valueOf(event.getThrowable()));
            connectionLost();
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // one async cycle per request
        }
    }
}
