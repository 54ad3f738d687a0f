package org.portico.websocket;

import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import org.portico.session.AfterLock;
import org.portico.session.ClientSession;
import org.portico.session.ClientSink;
import org.portico.session.SessionEnd;
import org.portico.session.LeaseDecisions;
import org.portico.session.SessionLease;
import org.portico.session.SessionLog;
import org.portico.session.XmppSession;
import org.portico.upstream.StreamHeader;
import org.portico.upstream.UpstreamConnector;
import org.portico.websocket.FramingCodec.ClientFrame;
import org.portico.websocket.WebSocketLifecycle.State;
import org.portico.xml.XmlElement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One XMPP session over WebSocket (RFC 7395), relayed to an {@link XmppSession}. It outlives its socket: when the
 * socket drops without {@code <close/>} the session is DETACHED for {@code websocket.resumeGrace}, the upstream
 * stays open, the server is told the client is inactive (XEP-0352), and what arrives is buffered; a client that
 * opens a new socket with the session's {@code resume:token} gets what it missed and continues
 * ({@code urn:portico:resume:0}, see {@code docs/websocket-resume.md}; the decision is {@link Resumption}'s).
 *
 * <p>All fields below {@link #lock} are owned by it. Every event decides under the lock and records in an
 * {@link AfterLock} what must happen; after the lock is released that runs: frames are flushed to the socket, the
 * session's lease in the store moves, and the upstream is ended or, when its write queue overflowed, aborted. The
 * only calls made under the lock are {@link XmppSession#send} and {@link XmppSession#restart}, which only enqueue
 * and must stay in the order the client sent (as in BOSH), {@link XmppSession#clientActive}, which only enqueues
 * and must follow the order of drops and resumptions, and {@link ClientConnection#offer}, which only enqueues.
 * After the lock, a frame's stanza is written on the socket's thread as far as the upstream socket takes it at once,
 * and never waited for: that thread alone reads the client, so waiting on a server that stopped reading would stop
 * the frames that fill the write queue to its bound (see
 * {@link org.portico.upstream.Upstream#writeQueuedWithoutWaiting}).
 *
 * <p>What the upstream sends is delivered through {@link ClientSink}, which only queues frames for Jetty's
 * asynchronous sends and so {@linkplain #neverWaits never waits}: a plain-TCP upstream is read for it by the
 * upstream poller's thread, without a thread per session.
 */
public final class WebSocketSession implements ClientSink, ClientSession {

    private static final Logger logger = LoggerFactory.getLogger(WebSocketSession.class);

    private final String id;
    private final WebSocketConfig config;
    private final LeaseDecisions lease;
    /**
     * The socket the server's frames were queued on since the last {@link #flush}, or null. Not the lock's: only the
     * upstream's reader (or poller) thread, which makes every {@link ClientSink} call, writes and reads it.
     */
    private ClientConnection unflushed;
    private final ReentrantLock lock = new ReentrantLock();

    private final WebSocketLifecycle lifecycle = new WebSocketLifecycle();
    private final Resumption resumption;
    /** The attached socket; null while detached or after the end. */
    private ClientConnection connection;
    /** Names this session and the address of its latest socket on every line it logs. */
    private SessionLog log;
    private StreamHeader requested;
    private XmlElement serverHeader;
    private XmppSession xmpp;

    /** @param origin the {@code Origin} of the socket that opens the session, or null; its token works only there */
    WebSocketSession(String id, String origin, WebSocketConfig config, SessionLease lease, SecureRandom random) {
        this.id = id;
        this.config = config;
        this.lease = new LeaseDecisions(lease);
        this.log = new SessionLog(logger, id, null);
        this.resumption = new Resumption(id, origin, config.resumable(), config.maxBufferedElements(),
                config.maxBufferedBytes(), random);
    }

    @Override
    public String id() {
        return id;
    }

    /** Where the session stands; for diagnostics and tests. */
    public WebSocketLifecycle.State state() {
        lock.lock();
        try {
            return lifecycle.state();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Standing standing() {
        return switch (state()) {
            case CONNECTING, OPEN -> Standing.LIVE;
            case DETACHED -> Standing.PAUSED;
            case CLOSING, CLOSED -> Standing.ENDED;
        };
    }

    /** The client's first {@code <open/>}: opens the upstream stream; its header becomes our {@code <open/>}. */
    void start(ClientConnection socket, StreamHeader header, UpstreamConnector connector) {
        lock.lock();
        try {
            connection = socket;
            log = new SessionLog(logger, id, socket.client());
            requested = header;
        } finally {
            lock.unlock();
        }
        XmppSession opened = XmppSession.open(id, log, this, connector, header, null);
        lock.lock();
        try {
            xmpp = opened;
        } finally {
            lock.unlock();
        }
    }

    // --- the client's socket ---

    /** A message from the client, already parsed (RFC 7395 §3.3). */
    void clientFrame(ClientConnection from, ClientFrame frame) {
        event(after -> {
            if (from != connection) {
                return;
            }
            try {
                switch (frame) {
                    case FramingCodec.Element element -> {
                        if (lifecycle.clientElement()) {
                            resumption.receivedFromClient();
                            xmpp.send(element.element(), after);
                        }
                    }
                    case FramingCodec.Open open -> {
                        if (lifecycle.clientRestart()) {
                            xmpp.restart(open.header(), after);
                        }
                    }
                    case FramingCodec.Close close -> {
                        if (lifecycle.clientEnded()) {
                            endStream(null, null, FramingCodec.close(), CloseCode.NORMAL, "stream closed", after);
                            after.endUpstream(xmpp, SessionEnd.Cause.CLIENT_CLOSED, List.of());
                            log.info("WebSocket session closed by the client");
                        }
                    }
                    case FramingCodec.Blank blank -> {
                        // nothing to relay
                    }
                }
            } catch (IllegalStateException e) {
                failClient(StreamErrorCondition.BAD_FORMAT, e.getMessage(), after);
            } catch (FramingCodec.FramingException e) {
                failClient(e.condition(), e.getMessage(), after);
            }
        });
    }

    /** The client sent something that ends its stream with this condition. */
    void clientError(ClientConnection from, StreamErrorCondition condition, String detail) {
        event(after -> {
            if (from == connection) {
                failClient(condition, detail, after);
            }
        });
    }

    private void failClient(StreamErrorCondition condition, String detail, AfterLock after) {
        State before = lifecycle.state();
        if (lifecycle.clientEnded()) {
            endStream(openIfConnecting(before), condition.element(null), FramingCodec.close(), CloseCode.NORMAL,
                    condition.wireName(), after);
            after.endUpstream(xmpp, SessionEnd.Cause.CLIENT_CLOSED, List.of());
            log.info("WebSocket session stream error {} ({})", condition.wireName(), detail);
        }
    }

    /**
     * The socket is gone. Without {@code <close/>} and with resumption on, the session waits for its client
     * (RFC 7395 §3.6 lets a server keep a session whose socket broke; R91); otherwise it ends.
     *
     * @param clientFault the socket closed because the client broke the WebSocket rules (binary data, too big)
     */
    void socketClosed(ClientConnection from, boolean clientFault) {
        event(after -> {
            if (from != connection) {
                return;
            }
            connection = null;
            State before = lifecycle.state();
            if (clientFault) {
                if (lifecycle.clientEnded()) {
                    after.endUpstream(xmpp, SessionEnd.Cause.CLIENT_CLOSED, List.of());
                    log.info("WebSocket session socket closed for a protocol violation");
                }
            } else if (lifecycle.socketLost(config.resumable()) == State.DETACHED) {
                resumption.paused();
                after.idleFor(config.resumeGrace());
                clientActive(false, after);
                log.info("WebSocket session socket lost, resumable for {}", config.resumeGrace());
            } else if (before != lifecycle.state()) {
                after.endUpstream(xmpp, SessionEnd.Cause.EXPIRED, List.of());
                log.info("WebSocket session socket lost without <close/>");
            }
        });
    }

    /**
     * A client on a new socket presented a token (Portico's resumption extension).
     *
     * @return whether the session continues on {@code to}; if not, the caller starts a fresh stream
     */
    boolean resume(ClientConnection to, ResumeToken presented, String h) {
        return answer(after -> {
            State before = lifecycle.state();
            if (before != State.OPEN && before != State.DETACHED) {
                return false;
            }
            switch (resumption.resume(presented, h, to.origin())) {
                case Resumption.NotThisSession notOurs -> {
                    return false;
                }
                case Resumption.Unreplayable refused -> {
                    log.info("WebSocket session resumption refused: {}", refused.why());
                    endStream(null, null, FramingCodec.close(), CloseCode.GOING_AWAY, "session ended", after);
                    lifecycle.ending();
                    after.endUpstream(xmpp, SessionEnd.Cause.EXPIRED, resumption.unsent());
                    return false;
                }
                case Resumption.Resumed resumed -> {
                    endStream(null, null, null, CloseCode.GOING_AWAY, "session resumed on another socket", after);
                    lifecycle.resumed();
                    connection = to;
                    log = new SessionLog(logger, id, to.client());
                    to.offer(FramingCodec.open(serverHeader, resumed.openAttributes()));
                    resumed.missed().forEach(to::offer);
                    SessionLog resumedLog = log;
                    // the replay's lines on the wire log name the session: the thread is the new socket's
                    after.toClient(() -> resumedLog.withMdc(to::flush));
                    after.busy();
                    if (before == State.DETACHED) {
                        clientActive(true, after);
                    }
                    log.info("WebSocket session resumed: {} elements replayed, client resends after {}",
                            resumed.missed().size(), resumption.received());
                    return true;
                }
            }
        });
    }

    /**
     * XEP-0352 for a paused or resumed session. Under the lock, like {@link XmppSession#send}: a drop and a
     * resumption decided in that order must reach the server as {@code <inactive/>} then {@code <active/>}.
     */
    private void clientActive(boolean active, AfterLock after) {
        if (xmpp != null) {
            relayed(xmpp.clientActive(active), after);
        }
    }

    /**
     * What the upstream answered to something relayed under the lock: false means the server stopped reading and
     * the write queue overflowed, so the connection is dropped after the lock, and its end then ends this session.
     */
    private void relayed(boolean accepted, AfterLock after) {
        if (!accepted) {
            after.abortUpstream(xmpp);
        }
    }

    // --- ClientSink: the upstream's reader or poller thread ---

    @Override
    public void opened(XmlElement header) {
        event(after -> {
            serverHeader = header;
            if (lifecycle.serverOpened()) {
                connection.offer(FramingCodec.open(header, resumption.tokenAttribute()));
                unflushed = connection;
            }
        });
    }

    @Override
    public void deliver(XmlElement element) {
        event(after -> {
            State state = lifecycle.state();
            if (state == State.CLOSING || state == State.CLOSED) {
                return;
            }
            String frame = FramingCodec.element(element, streamLang());
            boolean kept = resumption.framed(element, frame);
            if (lifecycle.serverElement()) {
                connection.offer(frame);
                unflushed = connection;
            } else if (!kept) {
                List<XmlElement> undelivered = resumption.unsent();
                undelivered.add(element);
                lifecycle.ending();
                after.endUpstream(xmpp, SessionEnd.Cause.EXPIRED, undelivered);
                log.info("WebSocket session paused session ended: more than its buffer ({}) arrived", resumption);
            }
        });
    }

    /**
     * One read from the server is relayed: its frames go to the socket together, in one write where Jetty can. No
     * decision to take, so no lock: {@link #unflushed} is the calling thread's.
     */
    @Override
    public void flush() {
        ClientConnection offered = unflushed;
        if (offered != null) {
            unflushed = null;
            offered.flush();
        }
    }

    private String streamLang() {
        return serverHeader == null ? null : serverHeader.attribute(FramingCodec.XML_LANG).orElse(null);
    }

    @Override
    public boolean neverWaits() {
        return true;
    }

    @Override
    public void ended(SessionEnd end) {
        event(after -> {
            State before = lifecycle.ended();
            if (before == State.CONNECTING || before == State.OPEN) {
                endStream(openIfConnecting(before), StreamErrorCondition.forEnd(end).orElse(null),
                        FramingCodec.close(), CloseCode.NORMAL, "stream ended", after);
            }
            connection = null;
            after.endLease();
        });
    }

    // --- ClientSession: the session store ---

    /** The grace period ran out (or the store dropped the session): close the upstream, bounce what was missed. */
    @Override
    public void expired() {
        event(after -> {
            if (lifecycle.ending()) {
                endStream(null, null, FramingCodec.close(), CloseCode.GOING_AWAY, "session expired", after);
                after.endUpstream(xmpp, SessionEnd.Cause.EXPIRED, resumption.unsent());
                log.info("WebSocket session expired");
            }
        });
    }

    /** Portico is stopping: {@code <system-shutdown/>}, then {@code <close/>} (RFC 6120 §4.9.3.22). */
    @Override
    public void shutdown() {
        event(after -> {
            State before = lifecycle.state();
            if (lifecycle.ending()) {
                endStream(openIfConnecting(before), StreamErrorCondition.SYSTEM_SHUTDOWN.element(null),
                        FramingCodec.close(), CloseCode.GOING_AWAY, "shutting down", after);
                after.endUpstream(xmpp, SessionEnd.Cause.SYSTEM_SHUTDOWN, List.of());
            }
        });
    }

    /**
     * Portico is stopping and its clients continue at {@code baseUrl}: {@code <close see-other-uri/>} naming the
     * WebSocket endpoint there (RFC 7395 §3.6.1, R92).
     */
    @Override
    public void redirect(String baseUrl) {
        event(after -> {
            if (lifecycle.ending()) {
                endStream(null, null, FramingCodec.close(config.urlAt(baseUrl)), CloseCode.GOING_AWAY,
                        "shutting down", after);
                after.endUpstream(xmpp, SessionEnd.Cause.SYSTEM_SHUTDOWN, List.of());
            }
        });
    }

    /** The {@code <open/>} a stream that never opened needs before its error or close (RFC 7395 §3.5); else null. */
    private String openIfConnecting(State before) {
        return before == State.CONNECTING ? FramingCodec.openBeforeError(requested.to()) : null;
    }

    /**
     * Ends the client's side of the stream on the attached socket, if one is (see
     * {@link ClientConnection#offerEnd}); the socket is flushed after the lock and is no longer this session's.
     */
    private void endStream(String open, XmlElement error, String close, CloseCode code, String reason,
            AfterLock after) {
        if (connection != null) {
            connection.offerEnd(open, error, close, code, reason);
            after.toClient(connection::flush);
            connection = null;
        }
    }

    /** One event: decided under the lock, carried out after it (client, then lease, then upstream). */
    private void event(Consumer<AfterLock> decide) {
        answer(after -> {
            decide.accept(after);
            return null;
        });
    }

    /** As {@link #event}, for an event whose caller needs the decision. */
    private <T> T answer(Function<AfterLock, T> decide) {
        AfterLock after = new AfterLock();
        T decision;
        lock.lock();
        try {
            decision = decide.apply(after);
            after.decideLease(lease);
        } finally {
            lock.unlock();
        }
        after.run();
        return decision;
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            return "WebSocketSession[" + id + " " + lifecycle + (connection == null ? "" : " attached") + " "
                    + resumption + "]";
        } finally {
            lock.unlock();
        }
    }
}
