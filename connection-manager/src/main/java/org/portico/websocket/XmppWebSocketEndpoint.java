package org.portico.websocket;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.portico.metrics.Metrics;
import org.portico.session.SessionGate;
import org.portico.session.SessionLog;
import org.portico.websocket.FramingCodec.ClientFrame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client WebSocket (RFC 7395): it parses each text message, hands the first {@code <open/>} to
 * {@link WebSocketSessions} and everything after it to the bound {@link WebSocketSession}, and writes what the
 * session queues, in order, through Jetty's asynchronous sends. It pings the peer and drops it when nothing comes
 * back ({@link Heartbeat}); a binary message closes the socket with 1003 (R84).
 *
 * <p>Threads: Jetty delivers this socket's events one at a time; the transport's beat runs {@link #beat} on its
 * one thread; sessions queue frames from the upstream reader. The fields they share are volatile or concurrent, and
 * the outbound queue is flushed by one thread at a time, so Jetty receives frames in queue order. Public only
 * because Jetty looks up its listener methods through a public lookup.
 */
public final class XmppWebSocketEndpoint implements Session.Listener.AutoDemanding {

    private static final Logger logger = LoggerFactory.getLogger(XmppWebSocketEndpoint.class);
    private static final Logger wire = LoggerFactory.getLogger("portico.wire");
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final WebSocketTransport transport;
    private final FramingCodec codec;
    /** The BOSH URL every new stream is sent to, when {@code websocket.redirectToBosh} is on; else null. */
    private final String boshRedirect;
    /** The remote address of the upgrade request, on every line logged about this socket. */
    private final String client;
    /** The upgrade request's {@code Origin}, or null. */
    private final String origin;
    private final Outbound outbound = new Outbound();

    private volatile Session socket;
    private volatile WebSocketSession bound;
    private volatile Heartbeat heartbeat;
    /** When the transport's beat is to ask the heartbeat again: set before the beat's schedule holds this socket. */
    private volatile long beatAt;
    /** Portico closed the socket because the client broke the WebSocket rules. */
    private volatile boolean clientFault;

    XmppWebSocketEndpoint(WebSocketTransport transport, FramingCodec codec, String boshRedirect, String client,
            String origin) {
        this.transport = transport;
        this.codec = codec;
        this.boshRedirect = boshRedirect;
        this.client = client;
        this.origin = origin;
    }

    @Override
    public void onWebSocketOpen(Session session) {
        socket = session;
        Heartbeat beats = new Heartbeat(transport.config().pingInterval(), transport.config().idleTimeout(),
                transport.nanoTime());
        heartbeat = beats;
        beatAt = beats.nextDecision();
        transport.opened(this);
    }

    /**
     * Whether handling this socket's frames never waits, so that Jetty's selector may read them itself
     * ({@link org.portico.http.SelectorReadEndPoint}): once a session is bound, a frame only queues and writes what
     * the upstream socket takes at once; the first one opens a session through the store and the cluster directory.
     */
    boolean framesNeverWait() {
        return bound != null;
    }

    @Override
    public void onWebSocketText(String text) {
        long start = transport.nanoTime();
        // encoded once: the parser reads these octets, and their count is the message's size
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        transport.metrics().websocketMessage(Metrics.Direction.IN, utf8.length);
        received(text, utf8);
        transport.metrics().stanzaProcessed(Metrics.Direction.IN, transport.nanoTime() - start);
    }

    private void received(String text, byte[] utf8) {
        heartbeat.heard(transport.nanoTime());
        if (wire.isDebugEnabled()) {
            log(wire).debug("ws <- {}", text);
        }
        WebSocketSession session = bound;
        ClientFrame frame;
        try {
            frame = codec.parse(text, utf8);
        } catch (FramingCodec.FramingException e) {
            if (session != null) {
                session.clientError(outbound, e.condition(), e.getMessage());
            } else {
                refuse(e.condition(), e.getMessage(), null);
            }
            return;
        }
        if (session != null) {
            session.clientFrame(outbound, frame);
        } else {
            first(frame);
        }
    }

    /** RFC 7395 §3.4: the first message must be {@code <open/>}. */
    private void first(ClientFrame frame) {
        switch (frame) {
            case FramingCodec.Open open -> {
                if (boshRedirect != null) {
                    log(logger).info("WebSocket stream sent to BOSH at {} (websocket.redirectToBosh)", boshRedirect);
                    outbound.offerEnd(null, null, FramingCodec.close(boshRedirect), CloseCode.NORMAL, "use BOSH");
                    outbound.flush();
                    return;
                }
                SessionGate gate = transport.gate();
                if (!gate.isOpen()) {
                    refuseWhileDraining(gate.redirect(), open.to());
                    return;
                }
                try {
                    bound = transport.sessions().open(outbound, open);
                } catch (FramingCodec.FramingException e) {
                    refuse(e.condition(), e.getMessage(), open.to());
                } catch (WebSocketSessions.OwnedElsewhere e) {
                    // RFC 7395 §3.6.1: the owner's own address, since the balancer may bring the client back here
                    log(logger).info("WebSocket resumption sent to node {} at {}", e.owner().name(), e.url());
                    outbound.offerEnd(null, null, FramingCodec.close(e.url()), CloseCode.NORMAL, "owned elsewhere");
                    outbound.flush();
                }
            }
            case FramingCodec.Close close -> {
                outbound.offerEnd(null, null, FramingCodec.close(), CloseCode.NORMAL, "stream closed");
                outbound.flush();
            }
            case FramingCodec.Element element ->
                    refuse(StreamErrorCondition.BAD_FORMAT, "the first message must be <open/>", null);
            case FramingCodec.Blank blank -> {
                // nothing yet
            }
        }
    }

    /**
     * Portico is draining: a new stream, or one asking to resume, is sent to the other Portico with
     * {@code <close see-other-uri/>} naming its WebSocket endpoint (RFC 7395 §3.6.1), or refused with
     * {@code system-shutdown}.
     */
    private void refuseWhileDraining(String redirect, String from) {
        if (redirect.isEmpty()) {
            refuse(StreamErrorCondition.SYSTEM_SHUTDOWN, "Portico is draining", from);
            return;
        }
        String elsewhere = transport.config().urlAt(redirect);
        log(logger).info("WebSocket stream sent to {} while draining", elsewhere);
        outbound.offerEnd(null, null, FramingCodec.close(elsewhere), CloseCode.GOING_AWAY, "draining");
        outbound.flush();
    }

    /** A stream that fails while opening: {@code <open/>}, the error, {@code <close/>} (RFC 7395 §3.5, R89). */
    private void refuse(StreamErrorCondition condition, String detail, String from) {
        log(logger).info("WebSocket stream refused: {} ({})", condition.wireName(), detail);
        outbound.offerEnd(FramingCodec.openBeforeError(from), condition.element(null), FramingCodec.close(),
                CloseCode.NORMAL, condition.wireName());
        outbound.flush();
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        callback.succeed();
        log(logger).info("WebSocket closed: binary message (RFC 7395 §3.2 allows text only)");
        clientFault = true;
        outbound.offerClose(CloseCode.UNSUPPORTED_DATA, "text messages only (RFC 7395 section 3.2)");
        outbound.flush();
    }

    @Override
    public void onWebSocketPong(ByteBuffer payload) {
        heartbeat.heard(transport.nanoTime());
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        log(logger).debug("WebSocket error: {}", cause.toString());
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
        callback.succeed();
        outbound.closed();
        transport.closed(this);
        WebSocketSession session = bound;
        if (session != null) {
            session.socketClosed(outbound, clientFault || CloseCode.isClientFault(statusCode));
        }
    }

    /** When the transport's beat is to call {@link #beat} next. */
    long beatAt() {
        return beatAt;
    }

    /**
     * The transport's beat: pings the peer when a ping is due, drops it when it has been silent too long.
     *
     * @return whether to beat again, at {@link #beatAt}: not once the peer is dropped
     */
    boolean beat(long now) {
        Heartbeat beats = heartbeat;
        Heartbeat.Decision decision = beats.beat(now);
        beatAt = beats.nextDecision();
        switch (decision) {
            case WAIT -> {
            }
            case PING -> {
                outbound.offerPing();
                outbound.flush();
            }
            case DEAD -> {
                log(logger).info("WebSocket peer silent for {}: dropping it", transport.config().idleTimeout());
                Session current = socket;
                if (current != null) {
                    current.disconnect();
                }
            }
        }
        return decision != Heartbeat.Decision.DEAD;
    }

    /** Portico is stopping and this socket never opened a stream: just close it. */
    void closeUnbound() {
        if (bound == null) {
            outbound.offerClose(CloseCode.GOING_AWAY, "shutting down");
            outbound.flush();
        }
    }

    /** Lines about this socket on {@code to}, naming its client's address and, once it opened a stream, the session. */
    private SessionLog log(Logger to) {
        WebSocketSession session = bound;
        return new SessionLog(to, session == null ? null : session.id(), client);
    }

    @Override
    public String toString() {
        return "XmppWebSocketEndpoint[" + (bound == null ? "awaiting <open/>" : bound.id()) + "]";
    }

    private record CloseItem(CloseCode code, String reason) {
    }

    /** The socket's outbound queue; see {@link ClientConnection}. */
    private final class Outbound implements ClientConnection {
        private static final Object PING = new Object();
        private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean closeQueued = new AtomicBoolean();
        private final AtomicBoolean flushing = new AtomicBoolean();

        @Override
        public void offer(String frame) {
            if (!closeQueued.get()) {
                queue.add(frame);
            }
        }

        @Override
        public void offerClose(CloseCode code, String reason) {
            if (closeQueued.compareAndSet(false, true)) {
                queue.add(new CloseItem(code, reason));
            }
        }

        void offerPing() {
            if (!closeQueued.get()) {
                queue.add(PING);
            }
        }

        void closed() {
            closeQueued.set(true);
            queue.clear();
        }

        @Override
        public String client() {
            return client;
        }

        @Override
        public String origin() {
            return origin;
        }

        @Override
        public void flush() {
            Session current = socket;
            if (current == null) {
                return;
            }
            while (!queue.isEmpty() && flushing.compareAndSet(false, true)) {
                try {
                    for (Object item = queue.poll(); item != null; item = queue.poll()) {
                        write(current, item);
                    }
                } finally {
                    flushing.set(false);
                }
            }
        }

        private void write(Session current, Object item) {
            switch (item) {
                case String text -> {
                    if (wire.isDebugEnabled()) {
                        log(wire).debug("ws -> {}", text);
                    }
                    transport.metrics().websocketMessage(Metrics.Direction.OUT, Utf8.length(text));
                    current.sendText(text, Callback.from(() -> { }, this::failed));
                }
                case CloseItem close -> current.close(close.code().code(), close.reason(), Callback.NOOP);
                default -> current.sendPing(EMPTY.duplicate(), Callback.from(() -> { }, this::failed));
            }
        }

        /** A write failed (the peer is gone, or more than websocket.maxQueuedFrames wait): drop the socket. */
        private void failed(Throwable cause) {
            log(logger).debug("WebSocket write failed: {}", cause.toString());
            Session current = socket;
            if (current != null) {
                current.disconnect();
            }
        }
    }
}
