package org.portico.bosh;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.portico.session.ClientSession;
import org.portico.session.ClientSink;
import org.portico.session.SessionEnd;
import org.portico.session.XmppSession;
import org.portico.upstream.StreamHeader;
import org.portico.upstream.UpstreamConnector;
import org.portico.xml.XmlElement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One BOSH session (XEP-0124): it turns a series of HTTP requests into one ordered, lossless exchange with an
 * {@link XmppSession}, and back.
 *
 * <p>All fields below {@link #lock} are owned by it. Every event method follows one shape: under the lock it
 * decides and records what must happen in an {@link Effects}, and after releasing the lock it carries the effects
 * out (answering HTTP requests, changing the session's lifetime in the store, closing the upstream). The only calls
 * made under the lock are {@link XmppSession#send}, {@link XmppSession#restart} and
 * {@link XmppSession#clientActive}, which merely enqueue on the upstream writer: they must stay in rid order (R22,
 * R40), which the lock guarantees; a pause and the request after it on two threads must not reach the server as
 * {@code <active/>} then {@code <inactive/>}.
 */
public final class BoshSession implements ClientSink, ClientSession {

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

    private record Pending(XmlElement element, int bytes) {
    }

    private final String sid;
    private final BoshParams params;
    private final BoshConfig config;
    private final LongSupplier clock;
    private final Lifetime lifetime;
    private final ReentrantLock lock = new ReentrantLock();

    private State state = State.CREATING;
    private final RidWindow window;
    private final RequestLimits limits;
    private KeySequence keys;
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private final TreeMap<Long, Deferred> deferred = new TreeMap<>();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private int pendingBytes;
    private XmlElement streamHeader;
    private Duration pausedFor;
    private String terminalBody;
    /** HTTP status of terminal answers: 200, or the legacy code of the condition for clients without ver (R54). */
    private int terminalStatus = 200;
    private XmppSession xmpp;

    BoshSession(String sid, BoshParams params, BoshConfig config, LongSupplier clock, Lifetime lifetime,
            KeySequence keys) {
        this.sid = sid;
        this.params = params;
        this.config = config;
        this.clock = clock;
        this.lifetime = lifetime;
        this.keys = keys;
        // one more than requests: a pause or terminate may come on top of a full set of requests (§11)
        this.window = new RidWindow(params.creationRid(), params.requests() + 1, params.acks(),
                config.maxBufferedResponses());
        this.limits = new RequestLimits(params.requests(), params.hold(), params.polling()
                ? config.polling() : Duration.ZERO, config.maxRidRepeats());
    }

    @Override
    public String id() {
        return sid;
    }

    /** Opens the upstream stream and holds the creation request until the features arrive or wait ends (R76). */
    void start(BoshExchange creation, UpstreamConnector connector) {
        lock.lock();
        try {
            held.add(new Held(params.creationRid(), creation));
            creation.holdFor(params.waitDuration(), () -> waitExpired(creation));
            limits.requestArrived(clock.getAsLong());
        } finally {
            lock.unlock();
        }
        XmppSession opened = XmppSession.open(sid, this, connector, params.header(), params.route());
        lock.lock();
        try {
            xmpp = opened;
        } finally {
            lock.unlock();
        }
        lifetime.busy();
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
            effects.respondTerminal(exchange);
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
                exchange.holdFor(params.waitDuration(), () -> waitExpired(exchange));
            }
            case REPLAY -> effects.respond(exchange, decision.response());
            case HELD_REPEAT -> replaceHeld(request.rid(), exchange, effects);
            case DUPLICATE_DEFERRED -> {
                Deferred previous = deferred.put(request.rid(), new Deferred(request, exchange));
                exchange.holdFor(params.waitDuration(), () -> waitExpired(exchange));
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
                exchange.holdFor(params.waitDuration(), () -> waitExpired(exchange));
            } else {
                rebuilt.add(h);
            }
        }
        held.clear();
        held.addAll(rebuilt);
    }

    /**
     * Handles one request in rid order (§8): key, limits, acks, then pause, terminate, restart or payloads; the
     * request is then held like any other.
     */
    private void process(BoshRequest request, BoshExchange exchange, Effects effects) {
        long now = clock.getAsLong();
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
            xmpp.clientActive(true);
        }
        if (request.isTerminate()) {
            xmpp.send(request.payloads());
            terminate(null, "terminated by the client", exchange, effects);
            return;
        }
        held.add(new Held(request.rid(), exchange));
        exchange.holdFor(params.waitDuration(), () -> waitExpired(exchange));
        if (pause.isPresent()) {
            pause(Duration.ofSeconds(pause.getAsLong()), exchange, effects);
            return;
        }
        if (request.isRestart()) {
            xmpp.restart(new StreamHeader(request.attribute(BoshNames.TO).orElse(params.header().to()),
                    request.attribute(BoshNames.FROM).orElse(null),
                    request.attribute(BoshNames.XML_LANG).orElse(params.header().lang()),
                    request.attribute(BoshNames.XMPP_VERSION).orElse(params.header().version())));
        } else {
            xmpp.send(request.payloads());
        }
        if (params.acks()) {
            // §9.1: once acks are in use, a request without one acknowledges everything before it
            long ack = clientAck.orElse(request.rid() - 1);
            window.onClientAck(ack, now).ifPresent(report -> {
                answerOldest(effects, report);
            });
        }
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
        xmpp.clientActive(false);
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

    /** Answers the oldest held request with everything pending (R24: responses go out in rid order). */
    private void answerOldest(Effects effects, RidWindow.Report report) {
        Held oldest = held.poll();
        BoshBody body = new BoshBody();
        if (report != null) {
            body.attribute(BoshNames.REPORT, report.reportRid()).attribute(BoshNames.TIME, report.timeMillis());
        }
        limits.responded(!pending.isEmpty());
        while (!pending.isEmpty()) {
            Pending next = pending.poll();
            pendingBytes -= next.bytes();
            body.payload(next.element());
        }
        answer(oldest.rid(), oldest.exchange(), body, effects);
    }

    private void answer(long rid, BoshExchange exchange, BoshBody body, Effects effects) {
        window.ackAttributeFor(rid).ifPresent(ack -> body.attribute(BoshNames.ACK, ack));
        if (rid == params.creationRid()) {
            creationAttributes(body);
        }
        String text = body.text();
        window.answered(rid, text, clock.getAsLong());
        effects.respond(exchange, text);
    }

    /** R15–R19, R77: the session attributes, on the creation response only. */
    private void creationAttributes(BoshBody body) {
        state = state == State.CREATING ? State.OPEN : state;
        body.attribute(BoshNames.SID, sid)
                .attribute(BoshNames.WAIT, params.waitDuration().toSeconds())
                .attribute(BoshNames.REQUESTS, params.requests())
                .attribute(BoshNames.HOLD, params.hold())
                .attribute(BoshNames.POLLING, config.polling().toSeconds())
                .attribute(BoshNames.INACTIVITY, config.inactivity().toSeconds())
                .attribute(BoshNames.ACCEPT, "gzip,deflate")
                .attribute(BoshNames.CHARSETS, config.charsets().isEmpty() ? null : String.join(" ",
                        config.charsets()))
                .attribute(BoshNames.XMPP_RESTARTLOGIC, "true");
        if (!config.maxPause().isZero()) {
            body.attribute(BoshNames.MAXPAUSE, config.maxPause().toSeconds());
        }
        if (params.version() != null) {
            body.attribute(BoshNames.VER, params.version());
        }
        if (params.acks()) {
            body.attribute(BoshNames.ACK, params.creationRid());
        }
        if (keys != null) {
            body.attribute(BoshNames.KEY, null);
        }
        if (streamHeader != null) {
            streamHeader.attribute("from").ifPresent(from -> body.attribute(BoshNames.FROM, from));
            streamHeader.attribute("id").ifPresent(id -> body.attribute(BoshNames.AUTHID, id));
            body.attribute(BoshNames.XMPP_VERSION, streamHeader.attribute("version").orElse(null));
        }
    }

    /**
     * Ends the session (§13, §17.2): the request that caused it gets the terminal body, the oldest held request
     * gets it too (R38), any others an empty body; pending data goes back to the server (XEP-0206 §7).
     *
     * @param condition the terminal condition, or null for a clean client terminate
     */
    private void terminate(BoshCondition condition, String detail, BoshExchange cause, Effects effects) {
        terminalBody = terminalBody(condition, List.of());
        endLocked(effects);
        effects.respondTerminal(cause);
        effects.close = condition == null ? Close.CLIENT : Close.EXPIRE;
        log(condition == null ? "terminated ({})" : "terminated: " + condition.wireName() + " ({})", detail);
    }

    private String terminalBody(BoshCondition condition, List<XmlElement> payloads) {
        terminalStatus = condition == null ? 200 : condition.httpStatus(params.legacy());
        BoshBody body = new BoshBody().attribute(BoshNames.TYPE, BoshNames.TYPE_TERMINATE);
        if (condition != null) {
            body.attribute(BoshNames.CONDITION, condition.wireName());
        }
        return body.payloads(payloads).text();
    }

    /** Moves to TERMINATED: answers everything still open, hands undelivered data to the effects. */
    private void endLocked(Effects effects) {
        state = State.TERMINATED;
        boolean first = true;
        for (Held h : held) {
            if (first) {
                effects.respondTerminal(h.exchange());
            } else {
                effects.respond(h.exchange(), new BoshBody().attribute(BoshNames.TYPE, BoshNames.TYPE_TERMINATE)
                        .text());
            }
            first = false;
        }
        held.clear();
        for (Deferred d : deferred.values()) {
            effects.respondTerminal(d.exchange());
        }
        deferred.clear();
        for (Pending p : pending) {
            effects.undelivered.add(p.element());
        }
        pending.clear();
        pendingBytes = 0;
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
                settle(effects);
            }
            deferred.values().removeIf(d -> {
                if (d.exchange() != exchange) {
                    return false;
                }
                window.dropDeferred(d.request().rid());
                effects.respond(exchange, recoverableError());
                return true;
            });
        } finally {
            lock.unlock();
        }
        effects.run();
    }

    /** The store expired the session (inactivity or pause ran out, §10): hand back what the client never got. */
    @Override
    public void expired() {
        Effects effects = new Effects();
        lock.lock();
        try {
            if (state == State.TERMINATED) {
                return;
            }
            terminalBody = terminalBody(null, List.of());
            endLocked(effects);
            effects.close = Close.EXPIRE;
        } finally {
            lock.unlock();
        }
        log("expired after inactivity", null);
        effects.run();
    }

    /** Portico is stopping: every client is told {@code system-shutdown}. */
    @Override
    public void shutdown() {
        Effects effects = new Effects();
        lock.lock();
        try {
            if (state == State.TERMINATED) {
                return;
            }
            terminalBody = terminalBody(BoshCondition.SYSTEM_SHUTDOWN, List.of());
            endLocked(effects);
            effects.close = Close.SHUTDOWN;
        } finally {
            lock.unlock();
        }
        effects.run();
    }

    /**
     * Portico is stopping and the client should continue at another Portico: terminal {@code see-other-uri} with
     * a {@code <uri/>} naming the BOSH endpoint there (XEP-0124 §17.2, R56).
     */
    @Override
    public void redirect(String baseUrl) {
        Effects effects = new Effects();
        lock.lock();
        try {
            if (state == State.TERMINATED) {
                return;
            }
            XmlElement uri = XmlElement.of(org.portico.xml.Namespaces.HTTPBIND, "uri")
                    .withChild(new org.portico.xml.XmlText(baseUrl + config.path()));
            terminalBody = terminalBody(BoshCondition.SEE_OTHER_URI, List.of(uri));
            endLocked(effects);
            effects.close = Close.SHUTDOWN;
        } finally {
            lock.unlock();
        }
        effects.run();
    }

    // --- ClientSink: the upstream reader thread ---

    @Override
    public void opened(XmlElement header) {
        lock.lock();
        try {
            streamHeader = header;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void deliver(XmlElement element) {
        Effects effects = new Effects();
        lock.lock();
        try {
            if (state == State.TERMINATED) {
                effects.undelivered.add(element);
            } else {
                int bytes = element.toString().length();
                pending.add(new Pending(element, bytes));
                pendingBytes += bytes;
                if (pendingBytes > config.maxPendingBytes()) {
                    terminalBody = terminalBody(BoshCondition.POLICY_VIOLATION, List.of());
                    endLocked(effects);
                    effects.close = Close.EXPIRE;
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

    @Override
    public void ended(SessionEnd end) {
        Effects effects = new Effects();
        lock.lock();
        try {
            if (state == State.TERMINATED) {
                return;
            }
            List<XmlElement> stanzas = new ArrayList<>();
            for (Pending p : pending) {
                stanzas.add(p.element());
            }
            pending.clear();
            if (end.streamError() != null) {
                stanzas.add(end.streamError());
            }
            terminalBody = terminalBody(conditionFor(end.cause()), stanzas);
            endLocked(effects);
        } finally {
            lock.unlock();
        }
        effects.run();
    }

    /** XEP-0124 §17.2 and XEP-0206 §6: how each way a session can end reads on the wire. */
    static BoshCondition conditionFor(SessionEnd.Cause cause) {
        return switch (cause) {
            case CLIENT_CLOSED, SERVER_CLOSED, EXPIRED -> null;
            case REMOTE_STREAM_ERROR -> BoshCondition.REMOTE_STREAM_ERROR;
            case HOST_UNKNOWN -> BoshCondition.HOST_UNKNOWN;
            case REMOTE_CONNECTION_FAILED -> BoshCondition.REMOTE_CONNECTION_FAILED;
            case PROTOCOL_ERROR -> BoshCondition.UNDEFINED_CONDITION;
            case SYSTEM_SHUTDOWN -> BoshCondition.SYSTEM_SHUTDOWN;
        };
    }

    private static String recoverableError() {
        return new BoshBody().attribute(BoshNames.TYPE, BoshNames.TYPE_ERROR).text();
    }

    private void log(String message, Object argument) {
        MDC.put("sid", sid);
        try {
            log.info(message, argument);
        } finally {
            MDC.remove("sid");
        }
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            return "BoshSession[" + sid + " " + state + " held=" + held.size() + " deferred=" + deferred.size()
                    + " pending=" + pending.size() + (pausedFor != null ? " paused=" + pausedFor : "") + " "
                    + window + "]";
        } finally {
            lock.unlock();
        }
    }

    private enum Close { CLIENT, EXPIRE, SHUTDOWN }

    /** What an event decided, carried out after the lock is released. */
    private final class Effects {
        private final List<Runnable> responses = new ArrayList<>();
        private final List<XmlElement> undelivered = new ArrayList<>();
        private Duration lifetime;
        private boolean ended;
        private Close close;

        void respond(BoshExchange exchange, String body) {
            responses.add(() -> exchange.respond(200, params.contentType(), body));
        }

        void respondTerminal(BoshExchange exchange) {
            String body = terminalStatus == 200 ? terminalBody : "";
            int status = terminalStatus;
            responses.add(() -> exchange.respond(status, params.contentType(), body));
        }

        void run() {
            responses.forEach(Runnable::run);
            if (ended) {
                // the ended session stays as a tombstone for a while, so that requests still on their way get its
                // terminal answer (with the right legacy status) rather than item-not-found for an unknown sid
                lifetime().idleFor(config.inactivity());
            } else if (lifetime != null) {
                if (lifetime.isZero()) {
                    lifetime().busy();
                } else {
                    lifetime().idleFor(lifetime);
                }
            }
            XmppSession session = xmppSession();
            if (session == null) {
                return;
            }
            if (close != null) {
                switch (close) {
                    case CLIENT -> session.close(undelivered);
                    case EXPIRE -> session.expire(undelivered);
                    case SHUTDOWN -> session.shutdown();
                }
            }
        }
    }

    private Lifetime lifetime() {
        return lifetime;
    }

    private XmppSession xmppSession() {
        lock.lock();
        try {
            return xmpp;
        } finally {
            lock.unlock();
        }
    }
}
