package org.portico.bosh;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.locks.ReentrantLock;
import org.portico.metrics.Metrics;
import org.portico.session.AfterLock;
import org.portico.session.ClientSession;
import org.portico.session.ClientSink;
import org.portico.session.SessionEnd;
import org.portico.session.SessionLease;
import org.portico.session.SessionLog;
import org.portico.session.XmppSession;
import org.portico.upstream.StreamHeader;
import org.portico.upstream.UpstreamConnector;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlText;
import org.slf4j.LoggerFactory;

/**
 * One BOSH session (XEP-0124): it turns a series of HTTP requests into one ordered, lossless exchange with its
 * {@link XmppSession} (or, rarely, several: §16), and back.
 *
 * <p>All fields below {@link #lock} are owned by it. Every event has one shape: under the lock it decides and
 * records what must happen in an {@link AfterLock}, which runs after the lock is released (answering HTTP requests,
 * the session's lease in the store, ending upstreams). Calls made under the lock only enqueue and must keep rid
 * order (R22, R40): {@link XmppSession#send}, {@link XmppSession#restart}, {@link XmppSession#clientActive} and
 * {@link XmppSession#open}; the upstream's callbacks take this lock and so wait.
 *
 * <p>How requests are answered (held and deferred requests, pending payloads, the end) is {@link BoshResponder};
 * the rid window, limits, keys, streams, response shapes and the lifecycle are classes of their own; this class
 * orders them. It is longer than the 400 lines we aim for because each of the eleven events of §7–§17 (a request,
 * a wait running out, a closed connection, an undelivered answer, an upstream header, stanza or end, expiry,
 * shutdown, redirect) is one locked method here, the one place where the lock is taken.
 */
public final class BoshSession implements ClientSession {

    private final String sid;
    private final BoshParams params;
    private final BoshConfig config;
    private final SessionLease lease;
    private final UpstreamConnector connector;
    /** The joined payload octets of a script-syntax session (XEP-0252), null for every other session. */
    private final ScriptStream script;
    private final SessionLog log;
    private final Metrics metrics;
    private final ReentrantLock lock = new ReentrantLock();

    private final BoshLifecycle lifecycle = new BoshLifecycle();
    private final RequestLimits limits;
    private final KeySequence keys;
    private final BoshStreams streams = new BoshStreams();
    /** The held and deferred requests, what waits for them, and how they are answered. */
    private final BoshResponder responder;
    private final HeldRequests<BoshResponder.Request> requests;
    private final PendingPayloads pending;
    /** While {@link BoshLifecycle.State#PAUSED}: how long the client may stay away. */
    private Duration pausedFor;
    /**
     * The client lost its last held request's connection, or sent a rid again whose answer it lost or that is still
     * held (§14.3): its next request in order continues the session, as a reloaded page does with the sid and rid
     * it kept (counted as a restore).
     */
    private boolean restoring;

    BoshSession(String sid, BoshParams params, BoshConfig config, Ticker clock, SessionLease lease, KeySequence keys,
            UpstreamConnector connector, ScriptStream script, BoshExchange creation, Metrics metrics) {
        this.sid = sid;
        this.metrics = metrics;
        this.params = params;
        this.config = config;
        this.lease = lease;
        this.keys = keys;
        this.connector = connector;
        this.script = script;
        this.log = new SessionLog(LoggerFactory.getLogger(BoshSession.class), sid, creation.clientAddress());
        this.limits = new RequestLimits(params.requests(), params.hold(), params.polling()
                ? config.polling() : Duration.ZERO, config.maxRidRepeats());
        this.responder = new BoshResponder(sid, params, config, keys != null, clock, lifecycle, streams, limits,
                creation, this::undelivered);
        this.requests = responder.requests();
        this.pending = responder.pending();
    }

    @Override
    public String id() {
        return sid;
    }

    /** Opens the upstream stream and holds the creation request until the features arrive or wait ends (R76). */
    void start() {
        AfterLock after = new AfterLock();
        lock.lock();
        try {
            hold(requests.oldest().orElseThrow().getValue().exchange());
            limits.requestArrived(responder.nowMillis());
            open(streams.primary(), params.header(), params.route());
            after.busy();
        } finally {
            lock.unlock();
        }
        log.info("BOSH session created for {} (wait={}s hold={} acks={})", params.header().to(),
                params.waitDuration().toSeconds(), params.hold(), params.acks());
        after.run(lease);
    }

    private void open(BoshStreams.Stream stream, StreamHeader header, String route) {
        stream.xmpp = XmppSession.open(sid, log, new StreamSink(stream.name), connector, header, route);
    }

    /** Holds a request for the session's wait; the transport reports its expiry or its client's leaving here. */
    private void hold(BoshExchange exchange) {
        exchange.holdFor(params.waitDuration(), new BoshExchange.Listener() {
            @Override
            public void waitExpired() {
                BoshSession.this.waitExpired(exchange);
            }

            @Override
            public void connectionLost() {
                BoshSession.this.connectionLost(exchange);
            }
        });
    }

    /** A request for this session arrived (any rid). */
    public void handle(BoshRequest request, BoshExchange exchange) {
        AfterLock after = new AfterLock();
        lock.lock();
        try {
            receive(new BoshResponder.Request(request, exchange), after);
        } finally {
            lock.unlock();
        }
        after.run(lease);
    }

    private void receive(BoshResponder.Request arrived, AfterLock after) {
        if (lifecycle.isEnded()) {
            responder.answerEnded(arrived.exchange(), after);
            return;
        }
        long rid = arrived.body().rid();
        HeldRequests.Arrival<BoshResponder.Request> arrival = requests.arrive(rid, arrived);
        RidWindow.Decision decision = arrival.decision();
        if (decision.kind().isRepeat() && !limits.checkRepeat(decision.repeats()).allowed()) {
            if (arrival.displaced() != null) {
                responder.respond(arrival.displaced().exchange(), BoshResponses.recoverableError(), after);
            }
            terminate(BoshCondition.POLICY_VIOLATION, "rid " + rid + " repeated too often", arrived.exchange(), after);
            return;
        }
        switch (decision.kind()) {
            case PROCESS -> {
                process(arrived, after);
                while (!lifecycle.isEnded()) {
                    Optional<BoshResponder.Request> next = requests.nextReady();
                    if (next.isEmpty()) {
                        break;
                    }
                    process(next.get(), after);
                }
                settle(after);
            }
            case DEFER -> hold(arrived.exchange());
            case REPLAY -> {
                restoring |= lifecycle.state() != BoshLifecycle.State.PAUSED;
                responder.respond(arrived.exchange(), decision.response(), after);
            }
            case HELD_REPEAT, DUPLICATE_DEFERRED -> {
                // R44: the older connection for a repeated rid gets a recoverable error; the new one waits
                restoring |= decision.kind() == RidWindow.Kind.HELD_REPEAT
                        && lifecycle.state() != BoshLifecycle.State.PAUSED;
                hold(arrived.exchange());
                if (arrival.displaced() != null) {
                    responder.respond(arrival.displaced().exchange(), BoshResponses.recoverableError(), after);
                }
            }
            case REJECT -> terminate(BoshCondition.ITEM_NOT_FOUND, "rid " + rid + " outside the window "
                    + requests.window(), arrived.exchange(), after);
        }
    }

    /** Handles one request in rid order (§8); any spec violation in it ends the session with its condition. */
    private void process(BoshResponder.Request inHand, AfterLock after) {
        try {
            processInOrder(inHand.body(), inHand.exchange(), after);
        } catch (BoshException e) {
            terminate(e.condition(), e.getMessage(), inHand.exchange(), after);
        }
    }

    /** Key, limits, then pause, terminate, restart, a new stream or payloads; the request is then held. */
    private void processInOrder(BoshRequest request, BoshExchange exchange, AfterLock after) throws BoshException {
        long now = responder.nowMillis();
        OptionalLong pause = request.pause();
        OptionalLong clientAck = request.ack();
        if (keys != null && !keys.verify(request.attribute(BoshNames.KEY).orElse(null),
                request.attribute(BoshNames.NEWKEY).orElse(null)).accepted()) {
            throw new BoshException(BoshCondition.ITEM_NOT_FOUND, "key sequence broken (§15)");
        }
        RequestLimits.Verdict verdict = limits.check(requests.window().unansweredCount(),
                pause.isPresent() || request.isTerminate(), request.isEmpty(), now);
        if (!verdict.allowed()) {
            throw new BoshException(BoshCondition.POLICY_VIOLATION, "overactivity: " + verdict);
        }
        if (lifecycle.requestArrived()) {
            pausedFor = null;
            clientActive(true, after);
            metrics.reloadResumed(Metrics.Reload.BOSH_PAUSE);
        } else if (restoring) {
            metrics.reloadResumed(Metrics.Reload.BOSH_RESTORE);
        }
        restoring = false;
        List<XmlElement> payloads = request.isScript() && script != null ? script.append(request.scriptContent())
                : request.payloads();
        List<BoshStreams.Stream> targets = streams.targets(request);
        if (request.isTerminate() && (request.stream().isEmpty() || streams.size() == 1)) {
            targets.forEach(stream -> send(stream, payloads, after));
            terminate(null, "terminated by the client", exchange, after);
            return;
        }
        hold(exchange);
        if (pause.isPresent()) {
            pause(Duration.ofSeconds(pause.getAsLong()), exchange, after);
        } else if (request.isTerminate()) {
            closeStream(targets.get(0), payloads, after);
        } else if (request.isRestart()) {
            BoshStreams.Stream stream = targets.get(0);
            if (!stream.xmpp.restart(request.restartHeader(params.header()))) {
                after.abortUpstream(stream.xmpp);
            }
        } else if (BoshStreams.asksForStream(request, config.maxStreams())) {
            addStream(request);
        } else {
            targets.forEach(stream -> send(stream, payloads, after));
        }
        if (params.acks()) {
            // §9.1: once acks are in use, a request without one acknowledges everything before it
            long ack = clientAck.orElse(request.rid() - 1);
            // the report rides on the oldest held response; a pause has just answered them all, so then it waits
            requests.window().onClientAck(ack, now).filter(report -> requests.heldCount() > 0)
                    .ifPresent(report -> responder.answerOldest(report, after));
        }
    }

    private void addStream(BoshRequest request) {
        if (streams.size() >= config.maxStreams()) {
            log.info("not adding a stream: {} already open", streams.size());
            return;
        }
        BoshStreams.Stream stream = streams.add();
        responder.addedStream(request.rid(), stream.name);
        open(stream, request.addedStreamHeader(params.header()),
                request.attribute(BoshNames.ROUTE).orElse(null));
        log.info("stream {} added", stream.name);
    }

    /** §16.5: a terminate naming one of several streams closes just that stream. */
    private void closeStream(BoshStreams.Stream stream, List<XmlElement> payloads, AfterLock after) {
        if (streams.remove(stream.name) == null) {
            return;
        }
        send(stream, payloads, after);
        after.endUpstream(stream.xmpp, SessionEnd.Cause.CLIENT_CLOSED, pending.takeAll(stream.name));
    }

    /**
     * §10, R31–R32: a legal pause answers every held request now, in rid order, the pause request last and without
     * payloads; the session may then idle for the pause.
     */
    private void pause(Duration requested, BoshExchange exchange, AfterLock after) throws BoshException {
        if (config.maxPause().isZero() || requested.compareTo(config.maxPause()) > 0) {
            throw new BoshException(BoshCondition.POLICY_VIOLATION, "pause of " + requested + " above maxpause");
        }
        while (requests.heldCount() > 1) {
            responder.answerOldest(null, after);
        }
        requests.answerOldestUnbuffered();
        limits.responded(false);
        responder.respond(exchange, new BoshBody().text(), after);
        lifecycle.paused();
        pausedFor = requested;
        clientActive(false, after);
        log.info("paused for {}", requested);
    }

    /** After an event: answers what can be answered and sets the lease (§8, §10). */
    private void settle(AfterLock after) {
        responder.settle(pausedFor != null ? pausedFor : config.inactivity(), after);
    }

    /**
     * Ends the session (§13, §17.2): the request that caused it gets the terminal body, the oldest other held
     * request gets it too (R38), any others an empty terminal body; pending data goes back to the server
     * (XEP-0206 §7).
     *
     * @param condition the terminal condition, or null for a clean client terminate
     */
    private void terminate(BoshCondition condition, String detail, BoshExchange cause, AfterLock after) {
        end(condition, List.of(), cause, after);
        endUpstreams(condition == null ? SessionEnd.Cause.CLIENT_CLOSED : SessionEnd.Cause.EXPIRED, after);
        log.info(condition == null ? "terminated ({})" : "terminated: " + condition.wireName() + " ({})", detail);
    }

    /** Moves to ENDED: answers everything still open; the session stays as a tombstone for late requests. */
    private void end(BoshCondition condition, List<XmlElement> payloads, BoshExchange cause, AfterLock after) {
        lifecycle.ended();
        responder.endAll(condition, payloads, cause, after);
        // late requests get the terminal answer (with the right legacy status) rather than an unknown sid's
        after.idleFor(config.inactivity());
    }

    /** Ends every stream's XMPP session; each gets back what its client never received (XEP-0206 §7). */
    private void endUpstreams(SessionEnd.Cause cause, AfterLock after) {
        for (BoshStreams.Stream stream : streams.all()) {
            after.endUpstream(stream.xmpp, cause, pending.takeAll(stream.name));
        }
        pending.takeAll(null);
    }

    private void send(BoshStreams.Stream stream, List<XmlElement> payloads, AfterLock after) {
        if (!stream.xmpp.send(payloads)) {
            after.abortUpstream(stream.xmpp);
        }
    }

    /**
     * XEP-0352, at once (under the lock, like send): it only enqueues, and a pause and the request after it,
     * handled on two threads, must reach the server as {@code <inactive/>} then {@code <active/>}.
     */
    private void clientActive(boolean active, AfterLock after) {
        for (BoshStreams.Stream stream : streams.all()) {
            if (!stream.xmpp.clientActive(active)) {
                after.abortUpstream(stream.xmpp);
            }
        }
    }

    /**
     * The wait of a request ran out (R25): it and every older held request are answered, in rid order, with what is
     * pending or empty. A deferred request still waiting for its gap gets a recoverable error and is forgotten, so
     * the client's resend (R58) is judged afresh.
     */
    private void waitExpired(BoshExchange exchange) {
        AfterLock after = new AfterLock();
        lock.lock();
        try {
            if (requests.holds(held -> held.exchange() == exchange)) {
                boolean reached = false;
                while (!reached) {
                    reached = requests.oldest().orElseThrow().getValue().exchange() == exchange;
                    responder.answerOldest(null, after);
                }
            }
            if (requests.dropDeferred(deferred -> deferred.exchange() == exchange)) {
                responder.respond(exchange, BoshResponses.recoverableError(), after);
            }
            settle(after);
        } finally {
            lock.unlock();
        }
        after.run(lease);
    }

    /**
     * The client closed the connection of a held or deferred request. A held one counts as answered with an empty
     * body that went nowhere (older held requests are answered first, keeping rid order, R24), so whatever arrives
     * next waits for the client's next request; a deferred one is forgotten, so its resend is judged afresh.
     */
    private void connectionLost(BoshExchange exchange) {
        AfterLock after = new AfterLock();
        lock.lock();
        try {
            if (lifecycle.isEnded()) {
                return;
            }
            if (requests.holds(held -> held.exchange() == exchange)) {
                responder.answerNowhere(exchange, after);
                restoring = requests.heldCount() == 0;
            }
            requests.dropDeferred(deferred -> deferred.exchange() == exchange);
            settle(after);
        } finally {
            lock.unlock();
        }
        log.debug("client closed the connection of a held request");
        after.run(lease);
    }

    /**
     * A response carrying payloads did not reach its client: they go back in front of what is pending, for the
     * next request, and a resend of that rid (R43) no longer carries them.
     */
    private void undelivered(BoshResponder.Carried carried) {
        AfterLock after = new AfterLock();
        lock.lock();
        try {
            BoshStreams.Stream stream = streams.get(carried.stream());
            if (lifecycle.isEnded() || stream == null) {
                bounce(stream, carried.payloads(), after);
            } else {
                responder.putBack(carried);
                settle(after);
            }
        } finally {
            lock.unlock();
        }
        log.debug("a response was not delivered: its payloads wait for the next request");
        after.run(lease);
    }

    /** Payloads for a stream that is gone go back to its server (XEP-0206 §7). */
    private static void bounce(BoshStreams.Stream stream, List<XmlElement> payloads, AfterLock after) {
        if (stream != null) {
            after.endUpstream(stream.xmpp, SessionEnd.Cause.EXPIRED, payloads);
        }
    }

    /** The store expired the session (inactivity or pause ran out, §10): hand back what the client never got. */
    @Override
    public void expired() {
        endBy(null, List.of(), SessionEnd.Cause.EXPIRED, "expired after inactivity");
    }

    /** Portico is stopping: every client is told {@code system-shutdown}. */
    @Override
    public void shutdown() {
        endBy(BoshCondition.SYSTEM_SHUTDOWN, List.of(), SessionEnd.Cause.SYSTEM_SHUTDOWN, "system shutdown");
    }

    /**
     * Portico is stopping and the client should continue at another Portico: terminal {@code see-other-uri} with
     * a {@code <uri/>} naming the BOSH endpoint there (XEP-0124 §17.2, R56).
     */
    @Override
    public void redirect(String baseUrl) {
        XmlElement uri = XmlElement.of(Namespaces.HTTPBIND, "uri").withChild(new XmlText(baseUrl + config.path()));
        endBy(BoshCondition.SEE_OTHER_URI, List.of(uri), SessionEnd.Cause.SYSTEM_SHUTDOWN, "moved to " + baseUrl);
    }

    private void endBy(BoshCondition condition, List<XmlElement> payloads, SessionEnd.Cause cause, String detail) {
        AfterLock after = new AfterLock();
        lock.lock();
        try {
            if (lifecycle.isEnded()) {
                return;
            }
            end(condition, payloads, null, after);
            endUpstreams(cause, after);
        } finally {
            lock.unlock();
        }
        log.info("ended: {}", detail);
        after.run(lease);
    }

    // --- one stream's upstream events, on that upstream's reader thread ---

    private void opened(String stream, XmlElement header) {
        lock.lock();
        try {
            BoshStreams.Stream open = streams.get(stream);
            if (open != null) {
                open.header = header;
            }
        } finally {
            lock.unlock();
        }
    }

    private void deliver(String stream, XmlElement element) {
        AfterLock after = new AfterLock();
        lock.lock();
        try {
            BoshStreams.Stream open = streams.get(stream);
            if (lifecycle.isEnded() || open == null) {
                bounce(open, List.of(element), after);
            } else if (pending.add(stream, element) > config.maxPendingBytes()) {
                end(BoshCondition.POLICY_VIOLATION, List.of(), null, after);
                endUpstreams(SessionEnd.Cause.EXPIRED, after);
                log.info("terminated: more than {} bytes pending for a client that does not poll",
                        config.maxPendingBytes());
            } else {
                settle(after);
            }
        } finally {
            lock.unlock();
        }
        after.run(lease);
    }

    private void streamEnded(String stream, SessionEnd ended) {
        AfterLock after = new AfterLock();
        lock.lock();
        try {
            if (lifecycle.isEnded() || streams.get(stream) == null) {
                return;
            }
            BoshCondition condition = BoshResponses.conditionFor(ended.cause());
            if (streams.size() > 1) {
                streams.remove(stream);
                pending.addStreamEnd(stream, ended.streamError(),
                        condition != null ? condition : BoshCondition.HOST_GONE);
                settle(after);
            } else {
                List<XmlElement> stanzas = pending.takeAll(null);
                if (ended.streamError() != null) {
                    stanzas.add(ended.streamError());
                }
                end(condition, stanzas, null, after);
            }
        } finally {
            lock.unlock();
        }
        after.run(lease);
    }

    /** One stream's view of this session: the upstream reports to it, it reports here with the stream's name. */
    private final class StreamSink implements ClientSink {
        private final String stream;

        StreamSink(String stream) {
            this.stream = stream;
        }

        @Override
        public void opened(XmlElement header) {
            BoshSession.this.opened(stream, header);
        }

        @Override
        public void deliver(XmlElement element) {
            BoshSession.this.deliver(stream, element);
        }

        @Override
        public void ended(SessionEnd end) {
            streamEnded(stream, end);
        }
    }

    @Override
    public Standing standing() {
        lock.lock();
        try {
            return switch (lifecycle.state()) {
                case CREATING, OPEN -> Standing.LIVE;
                case PAUSED -> Standing.PAUSED;
                case ENDED -> Standing.ENDING;
                case GONE -> Standing.ENDED;
            };
        } finally {
            lock.unlock();
        }
    }

    /** How many of the client's requests are held now (§8): for operators and tests. */
    public int heldRequests() {
        lock.lock();
        try {
            return requests.heldCount();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            return "BoshSession[" + sid + " " + lifecycle + " " + streams + " " + responder
                    + (pausedFor != null ? " paused=" + pausedFor : "") + "]";
        } finally {
            lock.unlock();
        }
    }
}
