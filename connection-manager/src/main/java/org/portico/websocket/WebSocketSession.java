package org.portico.websocket;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import javax.xml.namespace.QName;
import org.portico.session.ClientSession;
import org.portico.session.ClientSink;
import org.portico.session.SessionEnd;
import org.portico.session.XmppSession;
import org.portico.upstream.StreamHeader;
import org.portico.upstream.UpstreamConnector;
import org.portico.websocket.FramingCodec.ClientFrame;
import org.portico.websocket.WebSocketLifecycle.State;
import org.portico.xml.XmlElement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One XMPP session over WebSocket (RFC 7395), relayed to an {@link XmppSession}. It outlives its socket: when the
 * socket drops without {@code <close/>} the session is DETACHED for {@code websocket.resumeGrace}, the upstream
 * stays open, the server is told the client is inactive (XEP-0352), and what arrives is buffered; a client that
 * opens a new socket with the session's {@code resume:token} gets what it missed and continues
 * ({@code urn:portico:resume:0}, see {@code docs/websocket-resume.md}).
 *
 * <p>All fields below {@link #lock} are owned by it. Every event decides under the lock and records what must
 * happen in an {@link Effects}; after the lock is released the effects run: frames are flushed to the socket, the
 * session's deadline in the store moves, and the upstream is closed. The only calls made under the lock are
 * {@link XmppSession#send} and {@link XmppSession#restart}, which only enqueue and must stay in the order the
 * client sent (as in BOSH), {@link XmppSession#clientActive}, which only enqueues and must follow the order of
 * drops and resumptions, and {@link ClientConnection#offer}, which only enqueues.
 */
public final class WebSocketSession implements ClientSink, ClientSession {

    private static final Logger log = LoggerFactory.getLogger(WebSocketSession.class);

    /** Where the session's deadline lives: the session store, seen through the session's own key. */
    public interface Lifetime {
        /** A socket is attached: the session cannot expire. */
        void busy();

        /** Detached: the session ends after this long unless a client resumes it. */
        void idleFor(Duration duration);

        /** The session is over; remove it. */
        void end();
    }

    private final String id;
    private final WebSocketConfig config;
    private final Lifetime lifetime;
    private final SecureRandom random;
    private final ReentrantLock lock = new ReentrantLock();

    private final WebSocketLifecycle lifecycle = new WebSocketLifecycle();
    private final ReplayBuffer replay;
    /** The attached socket; null while detached or after the end. */
    private ClientConnection connection;
    private StreamHeader requested;
    private XmlElement serverHeader;
    /** Null when resumption is off ({@code websocket.resumeGrace=0}). */
    private ResumeToken token;
    /** Top-level elements received from the client in this session, not counting open and close. */
    private long receivedFromClient;
    private XmppSession xmpp;

    WebSocketSession(String id, WebSocketConfig config, Lifetime lifetime, SecureRandom random) {
        this.id = id;
        this.config = config;
        this.lifetime = lifetime;
        this.random = random;
        this.replay = new ReplayBuffer(config.maxBufferedElements(), config.maxBufferedBytes());
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

    /** The client's first {@code <open/>}: opens the upstream stream; its header becomes our {@code <open/>}. */
    void start(ClientConnection socket, StreamHeader header, UpstreamConnector connector) {
        lock.lock();
        try {
            connection = socket;
            requested = header;
            token = config.resumable() ? ResumeToken.issue(id, random) : null;
        } finally {
            lock.unlock();
        }
        XmppSession opened = XmppSession.open(id, this, connector, header, null);
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
        Effects effects = new Effects();
        lock.lock();
        try {
            if (from != connection) {
                return;
            }
            switch (frame) {
                case FramingCodec.Element element -> {
                    if (lifecycle.clientElement()) {
                        receivedFromClient++;
                        xmpp.send(element.element());
                    }
                }
                case FramingCodec.Open open -> {
                    if (lifecycle.clientRestart()) {
                        xmpp.restart(open.header());
                    }
                }
                case FramingCodec.Close close -> {
                    if (lifecycle.clientEnded()) {
                        connection.offer(FramingCodec.close());
                        closeSocket(CloseCode.NORMAL, "stream closed", effects);
                        effects.end(End.CLOSE, List.of());
                        log("closed by the client");
                    }
                }
                case FramingCodec.Blank blank -> {
                    // nothing to relay
                }
            }
        } catch (IllegalStateException e) {
            failClient(StreamErrorCondition.BAD_FORMAT, e.getMessage(), effects);
        } catch (FramingCodec.FramingException e) {
            failClient(e.condition(), e.getMessage(), effects);
        } finally {
            lock.unlock();
        }
        effects.run();
    }

    /** The client sent something that ends its stream with this condition. */
    void clientError(ClientConnection from, StreamErrorCondition condition, String detail) {
        Effects effects = new Effects();
        lock.lock();
        try {
            if (from == connection) {
                failClient(condition, detail, effects);
            }
        } finally {
            lock.unlock();
        }
        effects.run();
    }

    private void failClient(StreamErrorCondition condition, String detail, Effects effects) {
        State before = lifecycle.state();
        if (!lifecycle.clientEnded()) {
            return;
        }
        if (before == State.CONNECTING) {
            connection.offer(FramingCodec.openBeforeError(requested.to()));
        }
        connection.offer(FramingCodec.element(condition.element(null), null));
        connection.offer(FramingCodec.close());
        closeSocket(CloseCode.NORMAL, condition.wireName(), effects);
        effects.end(End.CLOSE, List.of());
        log("stream error " + condition.wireName() + " (" + detail + ")");
    }

    /**
     * The socket is gone. Without {@code <close/>} and with resumption on, the session waits for its client
     * (RFC 7395 §3.6 lets a server keep a session whose socket broke; R91); otherwise it ends.
     *
     * @param clientFault the socket closed because the client broke the WebSocket rules (binary data, too big)
     */
    void socketClosed(ClientConnection from, boolean clientFault) {
        Effects effects = new Effects();
        lock.lock();
        try {
            if (from != connection) {
                return;
            }
            connection = null;
            State before = lifecycle.state();
            if (clientFault) {
                if (lifecycle.clientEnded()) {
                    effects.end(End.CLOSE, List.of());
                    log("socket closed for a protocol violation");
                }
                return;
            }
            State after = lifecycle.socketLost(config.resumable());
            if (after == State.DETACHED) {
                replay.pin();
                effects.lifetime = config.resumeGrace();
                clientActive(false);
                log("socket lost, resumable for " + config.resumeGrace());
            } else if (before != after) {
                effects.end(End.EXPIRE, List.of());
                log("socket lost without <close/>");
            }
        } finally {
            lock.unlock();
            effects.run();
        }
    }

    /**
     * A client on a new socket presented a token (Portico's resumption extension).
     *
     * @return whether the session continues on {@code to}; if not, the caller starts a fresh stream
     */
    boolean resume(ClientConnection to, ResumeToken presented, String h) {
        Effects effects = new Effects();
        boolean resumed = false;
        lock.lock();
        try {
            if (token == null || !token.matches(presented)
                    || !(lifecycle.state() == State.OPEN || lifecycle.state() == State.DETACHED)) {
                return false;
            }
            Optional<List<String>> missed = replay.framesAfter(parseCount(h));
            if (missed.isEmpty()) {
                log("resumption refused: h=" + h + " is not in " + replay);
                if (connection != null) {
                    connection.offer(FramingCodec.close());
                    closeSocket(CloseCode.GOING_AWAY, "session ended", effects);
                }
                lifecycle.ending();
                effects.end(End.EXPIRE, replay.unsent());
                return false;
            }
            boolean wasDetached = lifecycle.state() == State.DETACHED;
            if (connection != null) {
                closeSocket(CloseCode.GOING_AWAY, "session resumed on another socket", effects);
            }
            lifecycle.resumed();
            replay.unpin();
            connection = to;
            token = ResumeToken.issue(id, random);
            Map<QName, String> extra = new LinkedHashMap<>();
            extra.put(FramingCodec.RESUME_RESUMED, "true");
            extra.put(FramingCodec.RESUME_H, Long.toString(receivedFromClient));
            extra.put(FramingCodec.RESUME_TOKEN, token.text());
            to.offer(FramingCodec.open(serverHeader, extra));
            missed.get().forEach(to::offer);
            effects.flush.add(to);
            effects.lifetime = Duration.ZERO;
            if (wasDetached) {
                clientActive(true);
            }
            log("resumed: " + missed.get().size() + " elements replayed, client resends after " + receivedFromClient);
            resumed = true;
        } finally {
            lock.unlock();
            effects.run();
        }
        return resumed;
    }

    /**
     * XEP-0352 for a paused or resumed session. Under the lock, like {@link XmppSession#send}: a drop and a
     * resumption decided in that order must reach the server as {@code <inactive/>} then {@code <active/>}.
     */
    private void clientActive(boolean active) {
        if (xmpp != null) {
            xmpp.clientActive(active);
        }
    }

    private static long parseCount(String h) {
        try {
            return h == null ? -1 : Long.parseLong(h);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    // --- ClientSink: the upstream reader thread ---

    @Override
    public void opened(XmlElement header) {
        Effects effects = new Effects();
        lock.lock();
        try {
            serverHeader = header;
            if (lifecycle.serverOpened()) {
                Map<QName, String> extra = token == null ? Map.of() : Map.of(FramingCodec.RESUME_TOKEN, token.text());
                connection.offer(FramingCodec.open(header, extra));
                effects.flush.add(connection);
            }
        } finally {
            lock.unlock();
        }
        effects.run();
    }

    @Override
    public void deliver(XmlElement element) {
        Effects effects = new Effects();
        lock.lock();
        try {
            State state = lifecycle.state();
            if (state == State.CLOSING || state == State.CLOSED) {
                return;
            }
            String frame = FramingCodec.element(element, streamLang());
            boolean kept = replay.append(element, frame);
            if (lifecycle.serverElement()) {
                connection.offer(frame);
                effects.flush.add(connection);
            } else if (!kept) {
                List<XmlElement> undelivered = replay.unsent();
                undelivered.add(element);
                lifecycle.ending();
                effects.end(End.EXPIRE, undelivered);
                log("paused session ended: more than its buffer (" + replay + ") arrived");
            }
        } finally {
            lock.unlock();
        }
        effects.run();
    }

    private String streamLang() {
        return serverHeader == null ? null : serverHeader.attribute(FramingCodec.XML_LANG).orElse(null);
    }

    @Override
    public void ended(SessionEnd end) {
        Effects effects = new Effects();
        lock.lock();
        try {
            State before = lifecycle.ended();
            if (connection != null && (before == State.CONNECTING || before == State.OPEN)) {
                if (before == State.CONNECTING) {
                    connection.offer(FramingCodec.openBeforeError(requested.to()));
                }
                errorFor(end).ifPresent(error -> connection.offer(FramingCodec.element(error, null)));
                connection.offer(FramingCodec.close());
                closeSocket(CloseCode.NORMAL, "stream ended", effects);
            }
            connection = null;
            effects.endLifetime = true;
        } finally {
            lock.unlock();
        }
        effects.run();
    }

    /** How an upstream end reads on the client's stream (RFC 7395 §3.5, R89). */
    static Optional<XmlElement> errorFor(SessionEnd end) {
        return Optional.ofNullable(switch (end.cause()) {
            case REMOTE_STREAM_ERROR -> end.streamError();
            case HOST_UNKNOWN -> StreamErrorCondition.HOST_UNKNOWN.element(null);
            case REMOTE_CONNECTION_FAILED -> StreamErrorCondition.REMOTE_CONNECTION_FAILED.element(null);
            case PROTOCOL_ERROR -> StreamErrorCondition.UNDEFINED_CONDITION.element(null);
            case SYSTEM_SHUTDOWN -> StreamErrorCondition.SYSTEM_SHUTDOWN.element(null);
            case CLIENT_CLOSED, SERVER_CLOSED, EXPIRED -> null;
        });
    }

    // --- ClientSession: the session store ---

    /** The grace period ran out (or the store dropped the session): close the upstream, bounce what was missed. */
    @Override
    public void expired() {
        Effects effects = new Effects();
        lock.lock();
        try {
            if (!lifecycle.ending()) {
                return;
            }
            if (connection != null) {
                connection.offer(FramingCodec.close());
                closeSocket(CloseCode.GOING_AWAY, "session expired", effects);
            }
            effects.end(End.EXPIRE, replay.unsent());
            log("expired");
        } finally {
            lock.unlock();
        }
        effects.run();
    }

    /** Portico is stopping: {@code <system-shutdown/>}, then {@code <close/>} (RFC 6120 §4.9.3.22). */
    @Override
    public void shutdown() {
        endForShutdown(null);
    }

    /**
     * Portico is stopping and its clients continue at {@code baseUrl}: {@code <close see-other-uri/>} naming the
     * WebSocket endpoint there (RFC 7395 §3.6.1, R92).
     */
    @Override
    public void redirect(String baseUrl) {
        endForShutdown(websocketUrl(baseUrl, config.path()));
    }

    private void endForShutdown(String seeOtherUri) {
        Effects effects = new Effects();
        lock.lock();
        try {
            State before = lifecycle.state();
            if (!lifecycle.ending()) {
                return;
            }
            if (connection != null) {
                if (seeOtherUri != null) {
                    connection.offer(FramingCodec.close(seeOtherUri));
                } else {
                    if (before == State.CONNECTING) {
                        connection.offer(FramingCodec.openBeforeError(requested.to()));
                    }
                    connection.offer(FramingCodec.element(StreamErrorCondition.SYSTEM_SHUTDOWN.element(null), null));
                    connection.offer(FramingCodec.close());
                }
                closeSocket(CloseCode.GOING_AWAY, "shutting down", effects);
            }
            effects.end(End.SHUTDOWN, List.of());
        } finally {
            lock.unlock();
        }
        effects.run();
    }

    /** The WebSocket URL of an endpoint at {@code baseUrl}: http becomes ws, https becomes wss. */
    static String websocketUrl(String baseUrl, String path) {
        return baseUrl.replaceFirst("^http", "ws").replaceAll("/+$", "") + path;
    }

    private void closeSocket(CloseCode code, String reason, Effects effects) {
        connection.offerClose(code, reason);
        effects.flush.add(connection);
        connection = null;
    }

    private void log(String message) {
        MDC.put("sid", id);
        try {
            log.info("WebSocket session {}", message);
        } finally {
            MDC.remove("sid");
        }
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            return "WebSocketSession[" + id + " " + lifecycle + (connection == null ? "" : " attached")
                    + " received=" + receivedFromClient + " " + replay + "]";
        } finally {
            lock.unlock();
        }
    }

    private enum End { CLOSE, EXPIRE, SHUTDOWN }

    /** What an event decided, carried out after the lock is released. */
    private final class Effects {
        private final List<ClientConnection> flush = new ArrayList<>(2);
        /** Zero: attached (never expires); positive: detached for that long; null: unchanged. */
        private Duration lifetime;
        private boolean endLifetime;
        private End end;
        private List<XmlElement> undelivered = List.of();

        void end(End how, List<XmlElement> bounced) {
            end = how;
            undelivered = bounced;
        }

        void run() {
            for (ClientConnection socket : flush) {
                socket.flush();
            }
            if (endLifetime) {
                lifetime().end();
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
            if (end != null) {
                switch (end) {
                    case CLOSE -> session.close(undelivered);
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
