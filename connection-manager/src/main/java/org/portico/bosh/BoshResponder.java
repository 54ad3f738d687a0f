package org.portico.bosh;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.portico.session.AfterLock;
import org.portico.session.SessionEnd;
import org.portico.xml.XmlElement;

/**
 * The answering side of one BOSH session: what the server sent waits here until a held request can carry it, and
 * held requests are answered in rid order (XEP-0124 §8, R24) with it, with acks and reports (§9), the creation
 * attributes (§7.2), or the session's end (§13, §17.2). It decides the answers; the {@link AfterLock} sends them.
 *
 * <p>No lock of its own and no I/O: owned by the lock of the {@link BoshSession} it belongs to, which calls it
 * only while holding that lock.
 */
final class BoshResponder {

    /**
     * A request in hand: its body (null for the creation request, processed at once), its HTTP exchange, and when
     * it arrived, so that one processed late (§14.2) is held only for what is left of its wait.
     */
    record Request(BoshRequest body, BoshExchange exchange, long arrivedMillis) {
        /** Whether a client waits on the request's connection: not for an early pause answered at once. */
        boolean onConnection() {
            return exchange != BoshExchange.DEPARTED;
        }

        /**
         * What answering needs of a processed request: not its body, which would otherwise live as long as the
         * request is held, through the young collections of a whole wait.
         */
        Request withoutBody() {
            return body == null ? this : new Request(null, exchange, arrivedMillis);
        }
    }

    /** The payloads an answer carried, kept until the transport says whether it was delivered. */
    record Carried(long rid, String stream, List<XmlElement> payloads) {
    }

    private final String sid;
    private final BoshParams params;
    private final BoshConfig config;
    private final boolean keysInUse;
    private final Ticker clock;
    private final BoshLifecycle lifecycle;
    private final BoshStreams streams;
    private final RequestLimits limits;
    /** Where the outcome of writing an answer that carries payloads is reported, after the lock. */
    private final BiConsumer<Carried, Boolean> written;

    private final HeldRequests<Request> requests;
    private final PendingPayloads pending = new PendingPayloads();
    /**
     * The answer with payloads being written, until its outcome is known; meanwhile no other answer carries
     * payloads, so that if it fails, its payloads go back in front without anything after them having gone out
     * (R24: in order, whichever request carries them).
     */
    private Carried inFlight;
    /** Requests that added a stream (§16.3), answered with that stream's name. */
    private final Map<Long, String> addedStreams = new HashMap<>();
    private String terminalBody;
    /** HTTP status of terminal answers: 200, or the legacy code of the condition for clients without ver (R54). */
    private int terminalStatus = 200;

    BoshResponder(String sid, BoshParams params, BoshConfig config, boolean keysInUse, Ticker clock,
            BoshLifecycle lifecycle, BoshStreams streams, RequestLimits limits, BoshExchange creation,
            BiConsumer<Carried, Boolean> written) {
        this.sid = sid;
        this.params = params;
        this.config = config;
        this.keysInUse = keysInUse;
        this.clock = clock;
        this.lifecycle = lifecycle;
        this.streams = streams;
        this.limits = limits;
        this.written = written;
        // one more than requests: a pause or terminate may come on top of a full set of requests (§11)
        RidWindow window = new RidWindow(params.creationRid(), params.requests() + 1, params.acks(),
                config.maxBufferedResponses(), config.reportAfter().toMillis());
        this.requests = new HeldRequests<>(window, params.creationRid(), new Request(null, creation, nowMillis()),
                Request::withoutBody);
    }

    HeldRequests<Request> requests() {
        return requests;
    }

    PendingPayloads pending() {
        return pending;
    }

    long nowMillis() {
        return TimeUnit.NANOSECONDS.toMillis(clock.read());
    }

    /** The request {@code rid} added a stream (§16.3): its answer names it. */
    void addedStream(long rid, String stream) {
        addedStreams.put(rid, stream);
    }

    /**
     * The requests the client waits on: held, or early (§14.2), on their connection; an early pause answered at once
     * is not one. §11 counts these against {@code requests}.
     */
    int openRequests() {
        return requests.window().unansweredCount() - requests.count(inHand -> !inHand.onConnection());
    }

    /**
     * Whether an early request on its connection is §11's one request more than {@code requests}: it pauses or
     * terminates. An early pause answered at once is not: it no longer counts among {@link #openRequests}.
     */
    boolean extraRequestEarly() {
        return requests.defers(inHand -> inHand.onConnection() && inHand.body().endsOrPauses());
    }

    /**
     * Whether every request the client may have open (§11) is here, early or held, so a missing lower rid cannot be
     * on its way: a client that obeys {@code requests} sent it and counts it as answered (a page that reloaded and
     * cut it off). Otherwise the missing rid may still be travelling, overtaken on the network or through another
     * cluster node.
     */
    boolean clientWindowFull() {
        return openRequests() >= params.requests() + (extraRequestEarly() ? 1 : 0);
    }

    /** After an event: keep within hold (§8), flush what is pending, and set the lease (§10). */
    void settle(Duration idle, AfterLock after) {
        while (requests.heldCount() > params.hold()
                || (requests.heldCount() > 0 && !pending.isEmpty() && inFlight == null)) {
            answerOldest(null, after);
        }
        if (lifecycle.isEnded()) {
            return;
        }
        if (requests.heldCount() == 0 && !requests.defers(Request::onConnection)) {
            after.idleFor(idle);
        } else {
            after.busy();
        }
    }

    /** Answers the oldest held request (R24) with what the next answer carries, and a report if one is due. */
    void answerOldest(RidWindow.Report report, AfterLock after) {
        long rid = requests.oldest().orElseThrow().getKey();
        BoshResponses.Assembled next = BoshResponses.next(pending, inFlight == null, streams,
                addedStreams.remove(rid), report);
        limits.responded(next.carries());
        BoshExchange exchange = requests.oldest().orElseThrow().getValue().exchange();
        String text = complete(next.body());
        if (next.payloads().isEmpty()) {
            respond(exchange, text, after);
        } else {
            Carried carried = new Carried(rid, next.stream(), next.payloads());
            inFlight = carried;
            after.toClient(() -> exchange.respond(200, params.contentType(), text,
                    delivered -> written.accept(carried, delivered)));
        }
    }

    /** §10, R31–R32: every held request is answered now, in rid order, the pause request last and without payloads. */
    void answerForPause(BoshExchange exchange, AfterLock after) {
        while (requests.heldCount() > 1) {
            answerOldest(null, after);
        }
        requests.answerOldestUnbuffered();
        limits.responded(false);
        respond(exchange, BoshResponses.empty(), after);
    }

    /**
     * A pause request that came before a rid it follows (§14.2) is answered now, with nothing, as every pause is
     * (§10), and waits for its turn without its connection: its client is leaving (a page unloading, whose other
     * requests the browser may have cut off) and will never send it again, so if it waited for the gap and got a
     * recoverable error, the next page, which resends what the old one had in flight, would wait for a rid nobody
     * sends. The pause takes effect when the gap is filled.
     */
    void answerEarlyPause(Request early, AfterLock after) {
        requests.replaceDeferred(early.body().rid(),
                new Request(early.body(), BoshExchange.DEPARTED, early.arrivedMillis()));
        respond(early.exchange(), BoshResponses.empty(), after);
    }

    /**
     * The wait of a request ran out (R25): it and every older held request are answered, in rid order, with what is
     * pending or empty. A deferred request still waiting for its gap gets a recoverable error and is forgotten, so
     * the client's resend (R58) is judged afresh.
     */
    void waitExpired(BoshExchange exchange, AfterLock after) {
        if (requests.holds(held -> held.exchange() == exchange)) {
            boolean reached = false;
            while (!reached) {
                reached = requests.oldest().orElseThrow().getValue().exchange() == exchange;
                answerOldest(null, after);
            }
        }
        if (requests.dropDeferred(deferred -> deferred.exchange() == exchange)) {
            respond(exchange, BoshResponses.recoverableError(), after);
        }
    }

    /**
     * The client closed the connection of a held or deferred request. A held one counts as answered with an empty
     * body that went nowhere (older held requests are answered first, keeping rid order, R24), so whatever arrives
     * next waits for the client's next request; a deferred one is forgotten, so its resend is judged afresh.
     */
    void connectionLost(BoshExchange exchange, AfterLock after) {
        if (requests.holds(held -> held.exchange() == exchange)) {
            while (requests.oldest().orElseThrow().getValue().exchange() != exchange) {
                answerOldest(null, after);
            }
            complete(new BoshBody());
            limits.responded(false);
        }
        requests.dropDeferred(deferred -> deferred.exchange() == exchange);
    }

    /** Adds the rid-dependent attributes to the answer for the oldest held rid, and records it as answered. */
    private String complete(BoshBody body) {
        long rid = requests.oldest().orElseThrow().getKey();
        requests.window().ackAttributeFor(rid).ifPresent(ack -> body.attribute(BoshNames.ACK, ack));
        if (rid == params.creationRid()) {
            lifecycle.creationAnswered();
            BoshResponses.creationAttributes(body, sid, params, config, streams, keysInUse);
        }
        String text = body.text();
        requests.answerOldest(text, nowMillis());
        return text;
    }

    /**
     * How writing an answer with payloads went. One that never reached its client puts its payloads back in front,
     * and a resend of that rid carries none, unless a resend was already given them (R43); when its stream or the
     * session is gone they go back to the server (XEP-0206 §7). Either way, answers may carry payloads again: the
     * caller settles.
     */
    void written(Carried carried, boolean delivered, AfterLock after) {
        if (inFlight == carried) {
            inFlight = null;
        }
        if (delivered) {
            return;
        }
        BoshStreams.Stream stream = streams.get(carried.stream());
        if (lifecycle.isEnded() || stream == null) {
            streams.bounce(stream, carried.payloads(), after);
            return;
        }
        BoshBody empty = new BoshBody();
        requests.window().ackAttributeFor(carried.rid()).ifPresent(ack -> empty.attribute(BoshNames.ACK, ack));
        if (requests.window().replaceUndelivered(carried.rid(), empty.text())) {
            pending.putBack(carried.stream(), carried.payloads());
        }
    }

    /** §9.2: the client acknowledged up to {@code ack}; a missed response is reported on the oldest held answer. */
    void clientAcked(long ack, long nowMillis, AfterLock after) {
        // a pause has just answered every held request, so then the report waits
        requests.window().onClientAck(ack, nowMillis).filter(report -> requests.heldCount() > 0)
                .ifPresent(report -> answerOldest(report, after));
    }

    /**
     * One stream's server ended it: with several streams, the end goes to the client in turn (§16.6); the last
     * stream's end ends the session, its stanzas and stream error in the terminal answer (XEP-0206 §6).
     */
    void streamEnded(String stream, SessionEnd ended, AfterLock after) {
        BoshCondition condition = BoshResponses.conditionFor(ended.cause());
        if (streams.size() > 1) {
            streams.remove(stream);
            pending.addStreamEnd(stream, ended.streamError(), condition != null ? condition : BoshCondition.HOST_GONE);
            return;
        }
        List<XmlElement> stanzas = pending.takeAll(null);
        if (ended.streamError() != null) {
            stanzas.add(ended.streamError());
        }
        end(condition, stanzas, null, after);
    }

    /**
     * Moves the session to ENDED and answers everything still open ({@link #endAll}); the session stays as a
     * tombstone for late requests, which get the terminal answer (with the right legacy status) rather than an
     * unknown sid's.
     */
    void end(BoshCondition condition, List<XmlElement> payloads, BoshExchange cause, AfterLock after) {
        lifecycle.ended();
        endAll(condition, payloads, cause, after);
        after.idleFor(config.inactivity());
    }

    /**
     * The session ended (§13, §17.2): {@code cause} (the request that ended it, or null) gets the terminal body,
     * the oldest other held request too (R38), any others an empty terminal body. Late requests get the terminal
     * answer until one was told, then {@code item-not-found}.
     *
     * @param condition the terminal condition, or null for a clean end
     */
    private void endAll(BoshCondition condition, List<XmlElement> payloads, BoshExchange cause, AfterLock after) {
        terminalStatus = condition == null ? 200 : condition.httpStatus(params.legacy());
        terminalBody = BoshResponses.terminal(condition, payloads);
        HeldRequests.Remaining<Request> remaining = requests.takeAll();
        if (cause != null) {
            answerTerminal(cause, after);
        }
        for (Request held : remaining.held()) {
            if (held == remaining.held().get(0)) {
                answerTerminal(held.exchange(), after);
            } else {
                respond(held.exchange(), BoshResponses.terminal(null, List.of()), after);
            }
        }
        remaining.deferred().forEach(deferred -> answerTerminal(deferred.exchange(), after));
        boolean told = cause != null && cause != BoshExchange.DEPARTED || !remaining.held().isEmpty()
                || remaining.deferred().stream().anyMatch(Request::onConnection);
        if (told) {
            lifecycle.terminalSent();
        }
    }

    /**
     * A request after the end: until some request was told how the session ended (a server's stream error and its
     * last stanzas reach the client that way), it is told; after that the session is gone: {@code item-not-found}
     * (§17.2).
     */
    void answerEnded(BoshExchange exchange, AfterLock after) {
        if (lifecycle.state() == BoshLifecycle.State.ENDED) {
            answerTerminal(exchange, after);
            lifecycle.terminalSent();
            return;
        }
        int status = BoshCondition.ITEM_NOT_FOUND.httpStatus(params.legacy());
        String body = status == 200 ? BoshResponses.terminal(BoshCondition.ITEM_NOT_FOUND, List.of()) : "";
        after.toClient(() -> exchange.respond(status, params.contentType(), body));
    }

    /** The terminal body, or for a legacy client the condition's HTTP status (R54). */
    private void answerTerminal(BoshExchange exchange, AfterLock after) {
        int status = terminalStatus;
        String body = status == 200 ? terminalBody : "";
        after.toClient(() -> exchange.respond(status, params.contentType(), body));
    }

    void respond(BoshExchange exchange, String body, AfterLock after) {
        after.toClient(() -> exchange.respond(200, params.contentType(), body));
    }

    @Override
    public String toString() {
        return requests + " " + pending;
    }
}
