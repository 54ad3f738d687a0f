package org.portico.bosh;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.portico.metrics.Metrics;
import org.portico.session.AfterLock;
import org.portico.session.ClientSession;
import org.portico.session.SessionEnd;
import org.portico.session.LeaseDecisions;
import org.portico.session.SessionLease;
import org.portico.session.SessionLog;
import org.portico.session.XmppSession;
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
 * {@link XmppSession#open}. Nothing after the lock waits either: answers are handed to Jetty without waiting
 * ({@link BoshExchange#respond}), and a request's payloads are written to the upstream as far as its socket takes
 * them at once, the rest by the stream's writer ({@link XmppSession#send(List, AfterLock)}); a server that stops
 * reading fills the write queue and is dropped. So every event, the upstream's too (on the upstream poller's
 * thread), is decided and carried out on the thread that brought it, and the writes of
 * two answers may overlap: the client processes answers in the order of its requests (§14), and the decisions
 * hand payloads to requests in rid order (§8).
 *
 * <p>How requests are answered (held and deferred requests, pending payloads, the end) is {@link BoshResponder};
 * the rid window, limits, keys, streams, response shapes and the lifecycle are classes of their own; this class
 * orders them. Each event of §7–§17 (a request, a wait running out, a gap given up, a closed connection, a written
 * answer, an upstream header, stanza or end, expiry, shutdown, redirect) is one locked method here, the one place
 * where the lock is taken; that is why the class runs past 400 lines: splitting the events would split the lock.
 */
public final class BoshSession implements ClientSession {

    private final String sid;
    private final BoshParams params;
    private final BoshConfig config;
    private final LeaseDecisions lease;
    /** The joined payload octets of a script-syntax session (XEP-0252), null for every other session. */
    private final ScriptStream script;
    private final SessionLog log;
    private final BoshReloads reloads;
    private final ReentrantLock lock = new ReentrantLock();

    private final BoshLifecycle lifecycle = new BoshLifecycle();
    private final RequestLimits limits;
    private final KeySequence keys;
    private final BoshStreams streams;
    /** The held and deferred requests, what waits for them, and how they are answered. */
    private final BoshResponder responder;
    private final HeldRequests<BoshResponder.Request> requests;
    private final PendingPayloads pending;
    private final BoshIdleAllowance idle;

    BoshSession(String sid, BoshParams params, BoshConfig config, Ticker clock, SessionLease lease, KeySequence keys,
            UpstreamConnector connector, ScriptStream script, BoshExchange creation, Metrics metrics) {
        this.sid = sid;
        this.reloads = new BoshReloads(metrics);
        this.params = params;
        this.config = config;
        this.lease = new LeaseDecisions(lease);
        this.keys = keys;
        this.script = script;
        this.log = new SessionLog(LoggerFactory.getLogger(BoshSession.class), sid, creation.clientAddress());
        this.streams = new BoshStreams((name, header, route) -> XmppSession.open(sid, log,
                new BoshStreamSink(this, name), connector, header, route));
        this.limits = new RequestLimits(params.requests(), params.hold(), params.polling()
                ? config.polling() : Duration.ZERO, config.maxRidRepeats());
        this.responder = new BoshResponder(sid, params, config, keys != null, clock, lifecycle, streams, limits,
                creation, this::written);
        this.requests = responder.requests();
        this.pending = responder.pending();
        this.idle = new BoshIdleAllowance(config.inactivity());
    }

    @Override
    public String id() {
        return sid;
    }

    /** Opens the upstream stream and holds the creation request until the features arrive or wait ends (R76). */
    void start() {
        event(after -> {
            hold(requests.oldest().orElseThrow().getValue().exchange());
            limits.requestArrived(responder.nowMillis());
            streams.openPrimary(params.header(), params.route());
            after.busy();
        });
        log.info("BOSH session created for {} (wait={}s hold={} acks={})", params.header().to(),
                params.waitDuration().toSeconds(), params.hold(), params.acks());
    }

    /** Holds a request for the session's wait; the transport reports its expiry or its client's leaving here. */
    private void hold(BoshExchange exchange) {
        hold(exchange, params.waitDuration());
    }

    private void hold(BoshExchange exchange, Duration wait) {
        exchange.holdFor(wait,
                BoshExchange.Listener.of(() -> waitExpired(exchange), () -> connectionLost(exchange)));
    }

    /** A request for this session arrived (any rid). */
    public void handle(BoshRequest request, BoshExchange exchange) {
        event(after -> receive(new BoshResponder.Request(request, exchange, responder.nowMillis()), after));
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
                processReady(after);
            }
            case DEFER -> awaitTurn(arrived, after);
            case LATE -> late(arrived, after);
            case REPLAY -> {
                reloads.repeated(rid, decision.kind(), lifecycle.state());
                responder.respond(arrived.exchange(), decision.response(), after);
            }
            case HELD_REPEAT, DUPLICATE_DEFERRED -> {
                // R44: the older connection for a repeated rid gets a recoverable error; the new one waits
                reloads.repeated(rid, decision.kind(), lifecycle.state());
                if (decision.kind() == RidWindow.Kind.DUPLICATE_DEFERRED) {
                    awaitTurn(arrived, after);
                } else {
                    hold(arrived.exchange());
                }
                if (arrival.displaced() != null) {
                    responder.respond(arrival.displaced().exchange(), BoshResponses.recoverableError(), after);
                }
            }
            case REJECT -> terminate(BoshCondition.ITEM_NOT_FOUND, "rid " + rid + " outside the window "
                    + requests.window(), arrived.exchange(), after);
        }
    }

    /** Processes the deferred requests now in rid order (§14.2), then answers what can be answered. */
    private void processReady(AfterLock after) {
        Optional<BoshResponder.Request> next;
        while (!lifecycle.isEnded() && (next = requests.nextReady()).isPresent()) {
            process(next.get(), after);
        }
        settle(after);
    }

    /**
     * An early request waits for its turn (§14.2) on its connection; a pause without its connection
     * ({@link BoshResponder}). Unless keys are in use, the missing rid is then given up ({@link #gapOverdue}) after
     * {@link BoshConfig#ridGapGrace} once the client's every open request is here, since then it cannot be on its
     * way, or else after the early request's wait: one overtaken on the network or delayed through another cluster
     * node comes seconds late under load, and giving it up would relay it out of order.
     */
    private void awaitTurn(BoshResponder.Request early, AfterLock after) {
        BoshExchange exchange = early.exchange();
        Duration grace = config.ridGapGrace();
        Optional<Duration> pause = early.body().wellFormedPause();
        if (pause.isPresent()) {
            responder.answerEarlyPause(early, after);
            if (config.allowsPause(pause.get())) {
                idle.pauseArrivedEarly(pause.get());
            }
        } else if (keys == null && !grace.isZero()) {
            Duration wait = params.waitDuration();
            exchange.holdFor(responder.clientWindowFull() && grace.compareTo(wait) < 0 ? grace : wait,
                    BoshExchange.Listener.of(() -> gapOverdue(exchange), () -> connectionLost(exchange)));
        } else {
            hold(exchange);
        }
    }

    /** The rid an early request waits for did not come in time: given up as lost ({@link RidWindow#giveUpGap}). */
    private void gapOverdue(BoshExchange exchange) {
        event(after -> {
            if (!lifecycle.isEnded() && requests.defers(waiting -> waiting.exchange() == exchange)) {
                String why = responder.clientWindowFull() ? "every request the client may have open waited "
                        + config.ridGapGrace() + " behind them" : "a later one waited its whole wait";
                long[] lost = requests.window().giveUpGap();
                log.info("rids {}..{} given up as lost: {}", lost[0], lost[1], why);
                processReady(after);
            }
        });
    }

    /**
     * A rid given up as lost came after all ({@link RidWindow.Kind#LATE}): what it carries goes up late, not lost. A
     * restart too: the server waits for it after SASL success (RFC 6120 §6.4.6), and the new features go out on the
     * next held request.
     */
    private void late(BoshResponder.Request arrived, AfterLock after) {
        BoshRequest request = arrived.body();
        try {
            List<BoshStreams.Stream> targets = streams.targets(request);
            if (request.isRestart()) {
                BoshStreams.restart(targets.get(0), request.restartHeader(params.header()), after);
            } else {
                targets.forEach(stream -> BoshStreams.send(stream, request.payloads(), after));
            }
        } catch (BoshException e) {
            terminate(e.condition(), e.getMessage(), arrived.exchange(), after);
            return;
        }
        log.info("rid {} came after it was given up: its payloads forwarded late", request.rid());
        if (request.isTerminate()) {
            terminate(null, "terminated by the client", arrived.exchange(), after);
        } else {
            responder.respond(arrived.exchange(), BoshResponses.empty(), after);
        }
    }

    /** Handles one request in rid order (§8); any spec violation in it ends the session with its condition. */
    private void process(BoshResponder.Request inHand, AfterLock after) {
        try {
            processInOrder(inHand.body(), inHand.exchange(), inHand.arrivedMillis(), after);
        } catch (BoshException e) {
            terminate(e.condition(), e.getMessage(), inHand.exchange(), after);
        }
    }

    /** Key, limits, then pause, terminate, restart, a new stream or payloads; the request is then held. */
    private void processInOrder(BoshRequest request, BoshExchange exchange, long arrivedMillis, AfterLock after)
            throws BoshException {
        long now = responder.nowMillis();
        Optional<Duration> pause = request.pause();
        if (keys != null && !keys.verify(request.attribute(BoshNames.KEY).orElse(null),
                request.attribute(BoshNames.NEWKEY).orElse(null)).accepted()) {
            throw new BoshException(BoshCondition.ITEM_NOT_FOUND, "key sequence broken (§15)");
        }
        int open = responder.openRequests();
        // §11's one extra request to pause or terminate may have overtaken this one and wait for its turn: then it is
        // the last of the client's sequence, and this one is judged as part of it
        RequestLimits.Verdict verdict = limits.check(open, request.endsOrPauses() || responder.extraRequestEarly(),
                request.isEmpty(), now);
        if (!verdict.allowed()) {
            throw new BoshException(BoshCondition.POLICY_VIOLATION,
                    "overactivity: " + verdict + " with " + open + " requests open");
        }
        boolean fromPause = lifecycle.requestArrived();
        if (fromPause) {
            idle.resumed();
            streams.clientActive(true, after);
        }
        reloads.inOrder(request.rid(), fromPause);
        List<XmlElement> payloads = request.isScript() && script != null ? script.append(request.scriptContent())
                : request.payloads();
        List<BoshStreams.Stream> targets = streams.targets(request);
        if (request.isTerminate() && (request.stream().isEmpty() || streams.size() == 1)) {
            targets.forEach(stream -> BoshStreams.send(stream, payloads, after));
            terminate(null, "terminated by the client", exchange, after);
            return;
        }
        hold(exchange, waitLeft(arrivedMillis, now));
        if (pause.isPresent()) {
            pause(pause.get(), exchange, after);
        } else if (request.isTerminate()) {
            streams.close(targets.get(0), payloads, pending, after);
        } else if (request.isRestart()) {
            BoshStreams.restart(targets.get(0), request.restartHeader(params.header()), after);
        } else if (BoshStreams.asksForStream(request, config.maxStreams())) {
            addStream(request);
        } else {
            targets.forEach(stream -> BoshStreams.send(stream, payloads, after));
        }
        if (params.acks()) {
            // §9.1: once acks are in use, a request without one acknowledges everything before it
            responder.clientAcked(request.ack().orElse(request.rid() - 1), now, after);
        }
    }

    /** What is left of a request's wait (R25) when it is processed: all of it, unless it waited for its turn. */
    private Duration waitLeft(long arrivedMillis, long now) {
        long waited = now - arrivedMillis;
        return waited <= 0 ? params.waitDuration()
                : Duration.ofMillis(Math.max(1, params.waitDuration().toMillis() - waited));
    }

    /** §16.3: the new stream's name goes out with this request's answer. */
    private void addStream(BoshRequest request) {
        if (streams.size() >= config.maxStreams()) {
            log.info("not adding a stream: {} already open", streams.size());
            return;
        }
        String name = streams.add(request.addedStreamHeader(params.header()),
                request.attribute(BoshNames.ROUTE).orElse(null));
        responder.addedStream(request.rid(), name);
        log.info("stream {} added", name);
    }

    /**
     * §10, R31–R32: a legal pause answers every held request now, in rid order, the pause request last and without
     * payloads; the session may then idle for the pause.
     */
    private void pause(Duration requested, BoshExchange exchange, AfterLock after) throws BoshException {
        if (!config.allowsPause(requested)) {
            throw new BoshException(BoshCondition.POLICY_VIOLATION, "pause of " + requested + " above maxpause");
        }
        responder.answerForPause(exchange, after);
        lifecycle.paused();
        idle.paused(requested);
        streams.clientActive(false, after);
        log.info("paused for {}", requested);
    }

    /** After an event: answers what can be answered and sets the lease (§8, §10). */
    private void settle(AfterLock after) {
        responder.settle(idle.idle(), after);
    }

    /**
     * Ends the session (§13, §17.2): the request that caused it gets the terminal body, the oldest other held
     * request gets it too (R38), any others an empty terminal body; pending data goes back to the server
     * (XEP-0206 §7).
     *
     * @param condition the terminal condition, or null for a clean client terminate
     */
    private void terminate(BoshCondition condition, String detail, BoshExchange cause, AfterLock after) {
        responder.end(condition, List.of(), cause, after);
        streams.endAll(pending, condition == null ? SessionEnd.Cause.CLIENT_CLOSED : SessionEnd.Cause.EXPIRED, after);
        log.info(condition == null ? "terminated ({})" : "terminated: " + condition.wireName() + " ({})", detail);
    }

    /** The wait of a request ran out (R25): {@link BoshResponder#waitExpired}. */
    private void waitExpired(BoshExchange exchange) {
        event(after -> {
            responder.waitExpired(exchange, after);
            settle(after);
        });
    }

    /** The client closed the connection of a held or deferred request: {@link BoshResponder#connectionLost}. */
    private void connectionLost(BoshExchange exchange) {
        event(after -> {
            if (!lifecycle.isEnded()) {
                OptionalLong held = requests.heldRid(request -> request.exchange() == exchange);
                responder.connectionLost(exchange, after);
                if (held.isPresent()) {
                    reloads.connectionLost(held.getAsLong(), requests.heldCount() == 0);
                }
                settle(after);
            }
        });
        log.debug("client closed the connection of a held request");
    }

    /**
     * An answer carrying payloads was written, or did not reach its client: then they go back in front of what is
     * pending, for the next request, and a resend of that rid (R43) no longer carries them. Either way what
     * arrived meanwhile may now go out.
     */
    private void written(BoshResponder.Carried carried, boolean delivered) {
        event(after -> {
            responder.written(carried, delivered, after);
            if (!lifecycle.isEnded()) {
                settle(after);
            }
        });
        if (!delivered) {
            log.debug("a response was not delivered: its payloads wait for the next request");
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
        event(after -> {
            if (!lifecycle.isEnded()) {
                responder.end(condition, payloads, null, after);
                streams.endAll(pending, cause, after);
                log.info("ended: {}", detail);
            }
        });
    }

    // --- one stream's upstream events: on its reader thread, or on the poller's (the session never waits) ---

    void opened(String stream, XmlElement header) {
        event(after -> streams.opened(stream, header));
    }

    /**
     * The elements of one read from the stream's server: a held request is answered with all of them (R26), so a
     * burst (presences after the initial one, an archive page, a roster) takes one response, not one and then the
     * rest in the next.
     */
    void deliver(String stream, List<XmlElement> elements) {
        event(after -> {
            BoshStreams.Stream open = streams.get(stream);
            if (lifecycle.isEnded() || open == null) {
                streams.bounce(open, elements, after);
                return;
            }
            for (int i = 0; i < elements.size(); i++) {
                if (pending.add(stream, elements.get(i)) > config.maxPendingBytes()) {
                    terminate(BoshCondition.POLICY_VIOLATION, "more than " + config.maxPendingBytes()
                            + " bytes pending for a client that does not poll", null, after);
                    // the rest of the read goes back to the server, as the pending payloads just did
                    streams.bounce(open, elements.subList(i + 1, elements.size()), after);
                    return;
                }
            }
            settle(after);
        });
    }

    void streamEnded(String stream, SessionEnd ended) {
        event(after -> {
            if (lifecycle.isEnded() || streams.get(stream) == null) {
                return;
            }
            responder.streamEnded(stream, ended, after);
            if (!lifecycle.isEnded()) {
                settle(after);
            }
        });
    }

    /** One event: decided under the lock, what it decided done after it ({@link AfterLock}). */
    private void event(Consumer<AfterLock> decide) {
        decided(decide).run();
    }

    private AfterLock decided(Consumer<AfterLock> decide) {
        AfterLock after = new AfterLock();
        lock.lock();
        try {
            decide.accept(after);
            after.decideLease(lease);
        } finally {
            lock.unlock();
        }
        return after;
    }

    @Override
    public Standing standing() {
        return read(lifecycle::standing);
    }

    /** How many of the client's requests are held now (§8): for operators and tests. */
    public int heldRequests() {
        return read(requests::heldCount);
    }

    @Override
    public String toString() {
        return read(() -> "BoshSession[" + sid + " " + lifecycle + " " + streams + " " + responder
                + idle + "]");
    }

    private <T> T read(Supplier<T> state) {
        lock.lock();
        try {
            return state.get();
        } finally {
            lock.unlock();
        }
    }
}
