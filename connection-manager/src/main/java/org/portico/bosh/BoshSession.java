package org.portico.bosh;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.portico.session.ClientSession;
import org.portico.session.ClientSink;
import org.portico.session.SessionEnd;
import org.portico.session.XmppSession;
import org.portico.upstream.StreamHeader;
import org.portico.upstream.UpstreamConnector;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One BOSH session (XEP-0124): it turns a series of HTTP requests into one ordered, lossless exchange with its
 * {@link XmppSession} (or, rarely, several: §16), and back.
 *
 * <p>All fields below {@link #lock} are owned by it. Every event method has one shape: under the lock it decides and
 * records what must happen in an {@link Effects}; after releasing the lock it carries the effects out (answering
 * HTTP requests, changing the session's lifetime in the store, closing upstreams). Four calls are made under the
 * lock because they only enqueue or start a thread and must keep rid order (R22, R40): {@link XmppSession#send},
 * {@link XmppSession#restart}, {@link XmppSession#clientActive} and {@link XmppSession#open}; the upstream's
 * callbacks take this lock and so wait.
 *
 * <p>Longer than most classes here because §7–§16 meet in it: the rid window, limits, keys and streams are their
 * own classes, and what remains is the one place that orders them.
 */
public final class BoshSession implements ClientSession {

    private static final Logger log = LoggerFactory.getLogger(BoshSession.class);

    /** Where the session's expiry lives: the session store, seen through the session's own key. */
    public interface Lifetime {
        /** A request is held: the session cannot expire. */
        void busy();

        /** No request is held: the session ends after this long without a new one (§10). */
        void idleFor(Duration duration);
    }

    enum State { CREATING, OPEN, TERMINATED }

    private record Held(long rid, BoshExchange exchange) {
    }

    private record Deferred(BoshRequest request, BoshExchange exchange) {
    }

    private final String sid;
    private final BoshParams params;
    private final BoshConfig config;
    /** Portico's monotonic clock (nanoseconds); the rid window and limits count in milliseconds of it. */
    private final Ticker clock;
    private final Lifetime lifetime;
    private final UpstreamConnector connector;
    /** The joined payload octets of a script-syntax session (XEP-0252), null for every other session. */
    private final ScriptStream script;
    private final ReentrantLock lock = new ReentrantLock();

    private State state = State.CREATING;
    private final RidWindow window;
    private final RequestLimits limits;
    private final KeySequence keys;
    private final BoshStreams streams = new BoshStreams();
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private final TreeMap<Long, Deferred> deferred = new TreeMap<>();
    private final PendingPayloads pending = new PendingPayloads();
    /** Requests that added a stream (§16.3), answered with that stream's name. */
    private final Map<Long, String> addedStreams = new HashMap<>();
    private Duration pausedFor;
    private String terminalBody;
    /** HTTP status of terminal answers: 200, or the legacy code of the condition for clients without ver (R54). */
    private int terminalStatus = 200;
    /**
     * Whether some request got {@link #terminalBody}. Until then the next request gets it (a server's stream error
     * and its last stanzas reach the client that way); after it, the session is gone: {@code item-not-found}.
     */
    private boolean terminalSent;

    BoshSession(String sid, BoshParams params, BoshConfig config, Ticker clock, Lifetime lifetime,
            KeySequence keys, UpstreamConnector connector, ScriptStream script) {
        this.sid = sid;
        this.script = script;
        this.connector = connector;
        this.params = params;
        this.config = config;
        this.clock = clock;
        this.lifetime = lifetime;
        this.keys = keys;
        // one more than requests: a pause or terminate may come on top of a full set of requests (§11)
        this.window = new RidWindow(params.creationRid(), params.requests() + 1, params.acks(),
                config.maxBufferedResponses(), config.reportAfter().toMillis());
        this.limits = new RequestLimits(params.requests(), params.hold(), params.polling()
                ? config.polling() : Duration.ZERO, config.maxRidRepeats());
    }

    @Override
    public String id() {
        return sid;
    }

    /** Opens the upstream stream and holds the creation request until the features arrive or wait ends (R76). */
    void start(BoshExchange creation) {
        lock.lock();
        try {
            held.add(new Held(params.creationRid(), creation));
            hold(creation);
            limits.requestArrived(nowMillis());
            open(streams.primary(), params.header(), params.route());
        } finally {
            lock.unlock();
        }
        lifetime.busy();
    }

    private void open(BoshStreams.Stream stream, StreamHeader header, String route) {
        stream.xmpp = XmppSession.open(sid, new StreamSink(stream.name), connector, header, route);
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
        Effects effects = new Effects();
        lock.lock();
        try {
            receive(request, exchange, effects);
        } finally {
            lock.unlock();
        }
        effects.run();
    }

    private void receive(BoshRequest request, BoshExchange exchange, Effects effects) {
        if (state == State.TERMINATED) {
            if (terminalSent) {
                effects.respondGone(exchange);
            } else {
                effects.respondTerminal(exchange);
            }
            return;
        }
        RidWindow.Decision decision = window.onRequest(request.rid());
        if (decision.kind().isRepeat() && !limits.checkRepeat(decision.repeats()).allowed()) {
            terminate(BoshCondition.POLICY_VIOLATION, "rid " + request.rid() + " repeated too often", exchange,
                    effects);
            return;
        }
        switch (decision.kind()) {
            case PROCESS -> {
                process(request, exchange, effects);
                for (OptionalLong next = window.nextDeferredReady(); next.isPresent() && state != State.TERMINATED;
                        next = window.nextDeferredReady()) {
                    Deferred ready = deferred.remove(next.getAsLong());
                    process(ready.request(), ready.exchange(), effects);
                }
                settle(effects);
            }
            case DEFER -> {
                deferred.put(request.rid(), new Deferred(request, exchange));
                hold(exchange);
            }
            case REPLAY -> effects.respond(exchange, decision.response());
            case HELD_REPEAT -> replaceHeld(request.rid(), exchange, effects);
            case DUPLICATE_DEFERRED -> {
                Deferred previous = deferred.put(request.rid(), new Deferred(request, exchange));
                hold(exchange);
                if (previous != null) {
                    effects.respond(previous.exchange(), recoverableError());
                }
            }
            case REJECT -> terminate(BoshCondition.ITEM_NOT_FOUND, "rid " + request.rid() + " outside the window "
                    + window, exchange, effects);
        }
    }

    /** R44: the older connection for a repeated, still-held rid gets a recoverable error; the new one waits. */
    private void replaceHeld(long rid, BoshExchange exchange, Effects effects) {
        ArrayDeque<Held> rebuilt = new ArrayDeque<>(held.size());
        for (Held h : held) {
            if (h.rid() == rid) {
                effects.respond(h.exchange(), recoverableError());
                rebuilt.add(new Held(rid, exchange));
                hold(exchange);
            } else {
                rebuilt.add(h);
            }
        }
        held.clear();
        held.addAll(rebuilt);
    }

    /**
     * Handles one request in rid order (§8): key, limits, acks, then pause, terminate, restart, a new stream or
     * payloads; the request is then held like any other.
     */
    private void process(BoshRequest request, BoshExchange exchange, Effects effects) {
        long now = nowMillis();
        OptionalLong pause;
        OptionalLong clientAck;
        try {
            pause = request.pause();
            clientAck = request.ack();
        } catch (BoshException e) {
            terminate(e.condition(), e.getMessage(), exchange, effects);
            return;
        }
        if (keys != null && !keys.verify(request.attribute(BoshNames.KEY).orElse(null),
                request.attribute(BoshNames.NEWKEY).orElse(null)).accepted()) {
            terminate(BoshCondition.ITEM_NOT_FOUND, "key sequence broken (§15)", exchange, effects);
            return;
        }
        RequestLimits.Verdict verdict = limits.check(window.unansweredCount(), pause.isPresent()
                || request.isTerminate(), request.isEmpty(), now);
        if (!verdict.allowed()) {
            terminate(BoshCondition.POLICY_VIOLATION, "overactivity: " + verdict, exchange, effects);
            return;
        }
        if (pausedFor != null) {
            pausedFor = null;
            effects.clientActive(streams, true);
        }
        List<XmlElement> payloads;
        try {
            payloads = request.isScript() && script != null ? script.append(request.scriptContent())
                    : request.payloads();
        } catch (BoshException e) {
            terminate(e.condition(), e.getMessage(), exchange, effects);
            return;
        }
        List<BoshStreams.Stream> targets;
        try {
            targets = targets(request);
        } catch (BoshException e) {
            terminate(e.condition(), e.getMessage(), exchange, effects);
            return;
        }
        if (request.isTerminate() && (request.stream().isEmpty() || streams.size() == 1)) {
            targets.forEach(stream -> stream.xmpp.send(payloads));
            terminate(null, "terminated by the client", exchange, effects);
            return;
        }
        held.add(new Held(request.rid(), exchange));
        hold(exchange);
        if (pause.isPresent()) {
            pause(Duration.ofSeconds(pause.getAsLong()), exchange, effects);
        } else if (request.isTerminate()) {
            closeStream(targets.get(0), payloads, effects);
        } else if (request.isRestart()) {
            targets.get(0).xmpp.restart(restartHeader(request));
        } else if (isAddStream(request)) {
            addStream(request);
        } else {
            targets.forEach(stream -> stream.xmpp.send(payloads));
        }
        if (params.acks()) {
            // §9.1: once acks are in use, a request without one acknowledges everything before it
            long ack = clientAck.orElse(request.rid() - 1);
            // the report rides on the oldest held response; a pause has just answered them all, so then it waits
            window.onClientAck(ack, now).filter(report -> !held.isEmpty())
                    .ifPresent(report -> answerOldest(effects, report));
        }
    }

    /** §16.4: the named stream, or every open stream for a body without a name; an unknown name is an error. */
    private List<BoshStreams.Stream> targets(BoshRequest request) throws BoshException {
        if (request.stream().isEmpty()) {
            return request.isRestart() ? List.of(streams.primary()) : streams.all();
        }
        BoshStreams.Stream stream = streams.get(request.stream().get());
        if (stream != null) {
            return List.of(stream);
        }
        if (streams.recentlyClosed(request.stream().get())) {
            return List.of();
        }
        throw new BoshException(BoshCondition.ITEM_NOT_FOUND, "no stream named " + request.stream().get());
    }

    private StreamHeader restartHeader(BoshRequest request) {
        return new StreamHeader(request.attribute(BoshNames.TO).orElse(params.header().to()),
                request.attribute(BoshNames.FROM).orElse(null),
                request.attribute(BoshNames.XML_LANG).orElse(params.header().lang()),
                request.attribute(BoshNames.XMPP_VERSION).orElse(params.header().version()));
    }

    /** §16.3: an empty body with {@code to} asks for another stream, when multi-streams were offered. */
    private boolean isAddStream(BoshRequest request) {
        return config.maxStreams() > 1 && request.isEmpty() && request.attribute(BoshNames.TO).isPresent();
    }

    private void addStream(BoshRequest request) {
        if (streams.size() >= config.maxStreams()) {
            log("not adding a stream: {} already open", streams.size());
            return;
        }
        BoshStreams.Stream stream = streams.add();
        addedStreams.put(request.rid(), stream.name);
        open(stream, new StreamHeader(request.attribute(BoshNames.TO).orElseThrow(),
                request.attribute(BoshNames.FROM).orElse(null), request.attribute(BoshNames.XML_LANG).orElse(null),
                request.attribute(BoshNames.XMPP_VERSION).orElse(params.header().version())),
                request.attribute(BoshNames.ROUTE).orElse(null));
        log("stream {} added", stream.name);
    }

    /** §16.5: a terminate naming one of several streams closes just that stream. */
    private void closeStream(BoshStreams.Stream stream, List<XmlElement> payloads, Effects effects) {
        if (streams.remove(stream.name) == null) {
            return;
        }
        stream.xmpp.send(payloads);
        List<XmlElement> undelivered = pending.takeAll(stream.name);
        effects.later(() -> stream.xmpp.close(undelivered));
    }

    /**
     * §10, R31–R32: a legal pause answers every held request now, in rid order, the pause request last and without
     * payloads; the session may then idle for the pause.
     */
    private void pause(Duration requested, BoshExchange exchange, Effects effects) {
        if (config.maxPause().isZero() || requested.compareTo(config.maxPause()) > 0) {
            terminate(BoshCondition.POLICY_VIOLATION, "pause of " + requested + " above maxpause", exchange,
                    effects);
            return;
        }
        while (held.size() > 1) {
            answerOldest(effects, null);
        }
        Held pauseRequest = held.poll();
        window.answeredUnbuffered(pauseRequest.rid());
        limits.responded(false);
        effects.respond(exchange, new BoshBody().text());
        pausedFor = requested;
        effects.clientActive(streams, false);
        log("paused for {}", requested);
    }

    /** After requests were processed: keep within hold (§8), flush pending data, and set the lifetime. */
    private void settle(Effects effects) {
        while (held.size() > params.hold() || (!held.isEmpty() && !pending.isEmpty())) {
            answerOldest(effects, null);
        }
        if (state == State.TERMINATED) {
            return;
        }
        if (held.isEmpty() && deferred.isEmpty()) {
            effects.lifetime = pausedFor != null ? pausedFor : config.inactivity();
        } else {
            effects.lifetime = Duration.ZERO;
        }
    }

    /**
     * Answers the oldest held request (R24: responses go out in rid order) with the pending payloads of one stream
     * (§16.4: a body carries one stream's payloads), or with the end of one stream of several (§16.6).
     */
    private void answerOldest(Effects effects, RidWindow.Report report) {
        Held oldest = held.poll();
        BoshBody body = new BoshBody();
        if (report != null) {
            body.attribute(BoshNames.REPORT, report.reportRid()).attribute(BoshNames.TIME, report.timeMillis());
        }
        String added = addedStreams.remove(oldest.rid());
        String stream = added != null ? added : pending.isEmpty() ? null : pending.peek().stream();
        List<XmlElement> run = List.of();
        if (pending.nextIsStreamEnd() && added == null) {
            PendingPayloads.Item end = pending.pollStreamEnd();
            body.attribute(BoshNames.TYPE, BoshNames.TYPE_TERMINATE)
                    .attribute(BoshNames.CONDITION, end.streamEnd().wireName());
            if (end.element() != null) {
                body.payload(end.element());
            }
        } else {
            run = stream == null ? List.of() : pending.takeRun(stream);
            limits.responded(!run.isEmpty());
            body.payloads(run);
        }
        if (stream != null && (added != null || streams.mustName(stream))) {
            body.attribute(BoshNames.STREAM, stream);
        }
        String text = answer(oldest.rid(), body);
        if (run.isEmpty()) {
            effects.respond(oldest.exchange(), text);
        } else {
            effects.respondCarrying(oldest.exchange(), text, new Carried(oldest.rid(), stream, run));
        }
    }

    /** Completes a response to the oldest held rid and records it in the window; returns its text. */
    private String answer(long rid, BoshBody body) {
        window.ackAttributeFor(rid).ifPresent(ack -> body.attribute(BoshNames.ACK, ack));
        if (rid == params.creationRid()) {
            state = state == State.CREATING ? State.OPEN : state;
            BoshResponses.creationAttributes(body, sid, params, config, streams, keys != null);
        }
        String text = body.text();
        window.answered(rid, text, nowMillis());
        return text;
    }

    /** The payloads a response carried, kept until the transport says whether it was delivered. */
    private record Carried(long rid, String stream, List<XmlElement> payloads) {
    }

    /**
     * Ends the session (§13, §17.2): the request that caused it gets the terminal body, the oldest held request
     * gets it too (R38), any others an empty body; pending data goes back to the server (XEP-0206 §7).
     *
     * @param condition the terminal condition, or null for a clean client terminate
     */
    private void terminate(BoshCondition condition, String detail, BoshExchange cause, Effects effects) {
        endLocked(condition, List.of(), effects);
        effects.respondTerminal(cause);
        effects.closeAll(this, condition == null ? SessionEnd.Cause.CLIENT_CLOSED : SessionEnd.Cause.EXPIRED);
        log(condition == null ? "terminated ({})" : "terminated: " + condition.wireName() + " ({})", detail);
    }

    /** Moves to TERMINATED: answers everything still open, keeps undelivered data for the upstreams' bounces. */
    private void endLocked(BoshCondition condition, List<XmlElement> payloads, Effects effects) {
        state = State.TERMINATED;
        terminalStatus = condition == null ? 200 : condition.httpStatus(params.legacy());
        terminalBody = BoshResponses.terminal(condition, payloads);
        boolean first = true;
        for (Held h : held) {
            if (first) {
                effects.respondTerminal(h.exchange());
            } else {
                effects.respond(h.exchange(), BoshResponses.terminal(null, List.of()));
            }
            first = false;
        }
        held.clear();
        for (Deferred d : deferred.values()) {
            effects.respondTerminal(d.exchange());
        }
        deferred.clear();
        effects.ended = true;
    }

    /**
     * The wait of a request ran out (R25): it and every older held request are answered, in rid order, with what is
     * pending or empty. A deferred request still waiting for its gap gets a recoverable error and is forgotten, so
     * the client's resend (R58) is judged afresh.
     */
    public void waitExpired(BoshExchange exchange) {
        Effects effects = new Effects();
        lock.lock();
        try {
            if (held.stream().anyMatch(h -> h.exchange() == exchange)) {
                boolean reached = false;
                while (!reached) {
                    reached = held.peek().exchange() == exchange;
                    answerOldest(effects, null);
                }
            }
            deferred.values().removeIf(d -> {
                if (d.exchange() != exchange) {
                    return false;
                }
                window.dropDeferred(d.request().rid());
                effects.respond(exchange, recoverableError());
                return true;
            });
            settle(effects);
        } finally {
            lock.unlock();
        }
        effects.run();
    }

    /**
     * The client closed the connection of a held or deferred request. A held one counts as answered with an empty
     * body that went nowhere (older held requests are answered first, keeping rid order, R24), so whatever arrives
     * next waits for the client's next request; a deferred one is forgotten, so its resend is judged afresh.
     */
    void connectionLost(BoshExchange exchange) {
        Effects effects = new Effects();
        lock.lock();
        try {
            if (state == State.TERMINATED) {
                return;
            }
            if (held.stream().anyMatch(h -> h.exchange() == exchange)) {
                while (held.peek().exchange() != exchange) {
                    answerOldest(effects, null);
                }
                answer(held.poll().rid(), new BoshBody());
                limits.responded(false);
            }
            deferred.values().removeIf(d -> d.exchange() == exchange && window.dropDeferred(d.request().rid()));
            settle(effects);
        } finally {
            lock.unlock();
        }
        debug("client closed the connection of a held request");
        effects.run();
    }

    /**
     * A response carrying payloads did not reach its client: they go back in front of what is pending, for the
     * next request, and a resend of that rid (R43) no longer carries them.
     */
    private void undelivered(Carried carried) {
        Effects effects = new Effects();
        lock.lock();
        try {
            BoshStreams.Stream stream = streams.get(carried.stream());
            if (state == State.TERMINATED || stream == null) {
                effects.undelivered(stream, carried.payloads());
            } else {
                BoshBody empty = new BoshBody();
                window.ackAttributeFor(carried.rid()).ifPresent(ack -> empty.attribute(BoshNames.ACK, ack));
                window.replaceBuffered(carried.rid(), empty.text());
                pending.putBack(carried.stream(), carried.payloads());
                settle(effects);
            }
        } finally {
            lock.unlock();
        }
        debug("a response was not delivered: its payloads wait for the next request");
        effects.run();
    }

    /** The store expired the session (inactivity or pause ran out, §10): hand back what the client never got. */
    @Override
    public void expired() {
        endBy(null, SessionEnd.Cause.EXPIRED, "expired after inactivity");
    }

    /** Portico is stopping: every client is told {@code system-shutdown}. */
    @Override
    public void shutdown() {
        endBy(BoshCondition.SYSTEM_SHUTDOWN, SessionEnd.Cause.SYSTEM_SHUTDOWN, "system shutdown");
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

    private void endBy(BoshCondition condition, SessionEnd.Cause cause, String detail) {
        endBy(condition, List.of(), cause, detail);
    }

    private void endBy(BoshCondition condition, List<XmlElement> payloads, SessionEnd.Cause cause, String detail) {
        Effects effects = new Effects();
        lock.lock();
        try {
            if (state == State.TERMINATED) {
                return;
            }
            endLocked(condition, payloads, effects);
            effects.closeAll(this, cause);
        } finally {
            lock.unlock();
        }
        log("ended: {}", detail);
        effects.run();
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
        Effects effects = new Effects();
        lock.lock();
        try {
            if (state == State.TERMINATED || streams.get(stream) == null) {
                effects.undelivered(streams.get(stream), List.of(element));
            } else {
                int pendingBytes = pending.add(stream, element);
                if (pendingBytes > config.maxPendingBytes()) {
                    endLocked(BoshCondition.POLICY_VIOLATION, List.of(), effects);
                    effects.closeAll(this, SessionEnd.Cause.EXPIRED);
                    log("terminated: {} bytes pending for a client that does not poll", pendingBytes);
                } else {
                    settle(effects);
                }
            }
        } finally {
            lock.unlock();
        }
        effects.run();
    }

    private void streamEnded(String stream, SessionEnd end) {
        Effects effects = new Effects();
        lock.lock();
        try {
            if (state == State.TERMINATED || streams.get(stream) == null) {
                return;
            }
            BoshCondition condition = BoshResponses.conditionFor(end.cause());
            if (streams.size() > 1) {
                streams.remove(stream);
                pending.addStreamEnd(stream, end.streamError(), condition != null ? condition : BoshCondition.HOST_GONE);
                settle(effects);
            } else {
                List<XmlElement> stanzas = pending.takeAll(null);
                if (end.streamError() != null) {
                    stanzas.add(end.streamError());
                }
                endLocked(condition, stanzas, effects);
            }
        } finally {
            lock.unlock();
        }
        effects.run();
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

    private static String recoverableError() {
        return new BoshBody().attribute(BoshNames.TYPE, BoshNames.TYPE_ERROR).text();
    }

    private void debug(String message) {
        if (log.isDebugEnabled()) {
            MDC.put("sid", sid);
            try {
                log.debug(message);
            } finally {
                MDC.remove("sid");
            }
        }
    }

    private void log(String message, Object argument) {
        MDC.put("sid", sid);
        try {
            log.info(message, argument);
        } finally {
            MDC.remove("sid");
        }
    }

    private long nowMillis() {
        return TimeUnit.NANOSECONDS.toMillis(clock.read());
    }

    /** How many of the client's requests are held now (§8): for operators and tests. */
    public int heldRequests() {
        lock.lock();
        try {
            return held.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            return "BoshSession[" + sid + " " + state + " " + streams + " held=" + held.size() + " deferred="
                    + deferred.size() + " " + pending + (pausedFor != null ? " paused=" + pausedFor : "")
                    + " " + window + "]";
        } finally {
            lock.unlock();
        }
    }

    /** What an event decided, carried out after the lock is released, responses first. */
    private final class Effects {
        private final List<Runnable> responses = new ArrayList<>();
        private final List<Runnable> later = new ArrayList<>();
        private Duration lifetime;
        private boolean ended;

        void respond(BoshExchange exchange, String body) {
            responses.add(() -> exchange.respond(200, params.contentType(), body));
        }

        /** A response with payloads: if it does not reach the client, they are queued again. */
        void respondCarrying(BoshExchange exchange, String body, Carried carried) {
            responses.add(() -> {
                if (!exchange.respond(200, params.contentType(), body)) {
                    BoshSession.this.undelivered(carried);
                }
            });
        }

        void respondTerminal(BoshExchange exchange) {
            String body = terminalStatus == 200 ? terminalBody : "";
            int status = terminalStatus;
            terminalSent = true;
            responses.add(() -> exchange.respond(status, params.contentType(), body));
        }

        /** A request for a session that has ended and told its client so: XEP-0124 §17.2 {@code item-not-found}. */
        void respondGone(BoshExchange exchange) {
            int status = BoshCondition.ITEM_NOT_FOUND.httpStatus(params.legacy());
            String body = status == 200 ? BoshResponses.terminal(BoshCondition.ITEM_NOT_FOUND, List.of()) : "";
            responses.add(() -> exchange.respond(status, params.contentType(), body));
        }

        void later(Runnable action) {
            later.add(action);
        }

        /**
         * XEP-0352, at once (under the lock, like send): it only enqueues, and a pause and the request after it,
         * handled on two threads, must reach the server as {@code <inactive/>} then {@code <active/>}; run later,
         * the two could swap and leave the server holding the client's traffic.
         */
        void clientActive(BoshStreams all, boolean active) {
            for (BoshStreams.Stream stream : all.all()) {
                stream.xmpp.clientActive(active);
            }
        }

        /** Ends every stream's XMPP session; each gets back what its client never received (XEP-0206 §7). */
        void closeAll(BoshSession session, SessionEnd.Cause cause) {
            for (BoshStreams.Stream stream : session.streams.all()) {
                XmppSession xmpp = stream.xmpp;
                List<XmlElement> undelivered = session.pending.takeAll(stream.name);
                later.add(switch (cause) {
                    case CLIENT_CLOSED -> () -> xmpp.close(undelivered);
                    case SYSTEM_SHUTDOWN -> xmpp::shutdown;
                    default -> () -> xmpp.expire(undelivered);
                });
            }
            session.pending.takeAll(null);
        }

        /** Payloads for a stream that is gone go back to its server (XEP-0206 §7). */
        void undelivered(BoshStreams.Stream stream, List<XmlElement> payloads) {
            if (stream != null) {
                XmppSession xmpp = stream.xmpp;
                later.add(() -> xmpp.expire(payloads));
            }
        }

        void run() {
            responses.forEach(Runnable::run);
            if (ended) {
                // the ended session stays as a tombstone for a while, so that requests still on their way get its
                // terminal answer (with the right legacy status) rather than item-not-found for an unknown sid
                BoshSession.this.lifetime.idleFor(config.inactivity());
            } else if (lifetime != null) {
                if (lifetime.isZero()) {
                    BoshSession.this.lifetime.busy();
                } else {
                    BoshSession.this.lifetime.idleFor(lifetime);
                }
            }
            later.forEach(Runnable::run);
        }
    }
}
