package org.portico.websocket;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.portico.metrics.Metrics;
import org.portico.session.SessionGate;
import org.portico.session.SessionLog;
import org.portico.websocket.FramingCodec.ClientFrame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client WebSocket (RFC 7395), as Jetty's core hands it over, frame by frame: it joins a text message's
 * fragments ({@link Fragments}), parses the message's octets as they came, hands the first {@code <open/>} to
 * {@link WebSocketSessions} and everything after it to the bound {@link WebSocketSession}, and writes what the
 * session queues, in order, through Jetty's asynchronous sends. It pings the peer and drops it when nothing comes
 * back ({@link Heartbeat}) and answers the peer's pings. A binary message closes the socket with 1003 (R84), a text
 * message that is not UTF-8 with 1007 (RFC 6455 §8.1), one above {@code websocket.maxMessageBytes} with 1009.
 *
 * <p>Threads: Jetty delivers this socket's frames one at a time, each after it was asked for the next one
 * ({@link CoreSession#demand}), so {@link #fragments} needs no lock; the transport's beat runs {@link #beat} on its
 * one thread; sessions queue frames from the upstream reader. The fields they share are volatile or concurrent, and
 * the outbound queue is flushed by one thread at a time, so Jetty receives frames in queue order.
 */
final class XmppWebSocketEndpoint implements FrameHandler {

    private static final Logger logger = LoggerFactory.getLogger(XmppWebSocketEndpoint.class);
    private static final Logger wire = LoggerFactory.getLogger("portico.wire");

    private final WebSocketTransport transport;
    private final FramingCodec codec;
    /** The BOSH URL every new stream is sent to, when {@code websocket.redirectToBosh} is on; else null. */
    private final String boshRedirect;
    /** The remote address of the upgrade request, on every line logged about this socket. */
    private final String client;
    /** The upgrade request's {@code Origin}, or null. */
    private final String origin;
    private final Outbound outbound = new Outbound();
    private final Fragments fragments;

    private volatile CoreSession socket;
    private volatile WebSocketSession bound;
    private volatile Heartbeat heartbeat;
    /** When the transport's beat is to ask the heartbeat again: set before the beat's schedule holds this socket. */
    private volatile long beatAt;
    /** Portico closed the socket because the client broke the WebSocket rules: its data frames are dropped. */
    private volatile boolean clientFault;

    XmppWebSocketEndpoint(WebSocketTransport transport, FramingCodec codec, String boshRedirect, String client,
            String origin) {
        this.transport = transport;
        this.codec = codec;
        this.boshRedirect = boshRedirect;
        this.client = client;
        this.origin = origin;
        this.fragments = new Fragments(transport.config().maxMessageBytes());
    }

    @Override
    public void onOpen(CoreSession session, Callback callback) {
        Heartbeat beats = new Heartbeat(transport.config().pingInterval(), transport.config().idleTimeout(),
                transport.nanoTime());
        heartbeat = beats; // before the socket: a write finds a heartbeat to tell (Outbound.write)
        socket = session;
        beatAt = beats.nextDecision();
        transport.opened(this);
        callback.succeeded();
        session.demand();
    }

    /**
     * Whether handling this socket's frames never waits, so that Jetty's selector may read them itself
     * ({@link org.portico.http.SelectorReadEndPoint}): once a session is bound, a frame only queues and writes what
     * the upstream socket takes at once; the first one opens a session, which waits only for a cluster node's
     * directory ({@link WebSocketSessions#openNeverWaits}), so a single Portico's login starts no thread for it.
     */
    boolean framesNeverWait() {
        return bound != null || transport.sessions().openNeverWaits();
    }

    /**
     * One frame. Jetty's core has checked the framing (RFC 6455 §5: masks, control frame sizes, the order of
     * fragments, {@code websocket.maxFrameBytes}) and answers a close itself once its callback completes.
     */
    @Override
    public void onFrame(Frame frame, Callback callback) {
        long now = transport.nanoTime();
        heartbeat.heard(now);
        try {
            switch (frame.getOpCode()) {
                case OpCode.TEXT, OpCode.CONTINUATION -> text(frame, now);
                case OpCode.BINARY -> binary();
                case OpCode.PING -> {
                    // a pong is Portico talking too: a client that pings on its own needs no ping of ours
                    heartbeat.sent(now);
                    socket.sendFrame(new Frame(OpCode.PONG).setPayload(BufferUtil.copy(frame.getPayload())),
                            Callback.NOOP, false);
                }
                case OpCode.CLOSE -> {
                    callback.succeeded();
                    return; // nothing follows a close
                }
                default -> {
                    // a pong: heard above
                }
            }
        } catch (RuntimeException e) {
            callback.failed(e);
            return;
        }
        callback.succeeded();
        socket.demand();
    }

    /**
     * A text frame or a continuation; a binary message's continuations come here too, and are dropped.
     *
     * @param start when the frame came, for the time a message's handling takes
     */
    private void text(Frame frame, long start) {
        if (clientFault || frame.getOpCode() == OpCode.CONTINUATION && !fragments.pending()) {
            return;
        }
        byte[] utf8;
        try {
            utf8 = fragments.add(frame.getPayload(), frame.isFin());
        } catch (Fragments.TooLarge e) {
            closeForClient(CloseCode.MESSAGE_TOO_BIG, e.getMessage());
            return;
        }
        if (utf8 == null) {
            return;
        }
        transport.metrics().websocketMessage(Metrics.Direction.IN, utf8.length);
        if (!Utf8.wellFormed(utf8)) {
            closeForClient(CloseCode.INVALID_PAYLOAD, "a text message that is not UTF-8 (RFC 6455 section 8.1)");
            return;
        }
        received(utf8);
        transport.metrics().stanzaProcessed(Metrics.Direction.IN, transport.nanoTime() - start);
    }

    private void received(byte[] utf8) {
        if (wire.isDebugEnabled()) {
            log(wire).debug("ws <- {}", new String(utf8, StandardCharsets.UTF_8));
        }
        WebSocketSession session = bound;
        ClientFrame frame;
        try {
            frame = codec.parse(utf8);
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

    private void binary() {
        if (!clientFault) {
            closeForClient(CloseCode.UNSUPPORTED_DATA, "text messages only (RFC 7395 section 3.2)");
        }
    }

    /** The client broke the WebSocket rules: one line, and the socket closes with {@code code}. */
    private void closeForClient(CloseCode code, String reason) {
        log(logger).info("WebSocket closed with {}: {}", code.code(), reason);
        clientFault = true;
        outbound.offerClose(code, reason);
        outbound.flush();
    }

    @Override
    public void onError(Throwable cause, Callback callback) {
        log(logger).debug("WebSocket error: {}", cause.toString());
        callback.succeeded();
    }

    @Override
    public void onClosed(CloseStatus status, Callback callback) {
        callback.succeeded();
        outbound.closed();
        transport.closed(this);
        WebSocketSession session = bound;
        if (session != null) {
            session.socketClosed(outbound, clientFault || CloseCode.isClientFault(status.getCode()));
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
                CoreSession current = socket;
                if (current != null) {
                    current.abort();
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
        /** Every write's callback: it only acts on a failure. */
        private final Callback written = Callback.from(() -> { }, this::failed);

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
            CoreSession current = socket;
            if (current == null) {
                return;
            }
            while (!queue.isEmpty() && flushing.compareAndSet(false, true)) {
                try {
                    for (Object item = queue.poll(); item != null; item = queue.poll()) {
                        write(current, item, queue.peek() instanceof String);
                    }
                } finally {
                    flushing.set(false);
                }
            }
        }

        /**
         * @param more whether another text frame follows at once: this one is then batched (Jetty keeps it, or a
         *             small one's copy, until a frame that is not), so a burst leaves in one gathering write
         */
        private void write(CoreSession current, Object item, boolean more) {
            switch (item) {
                case String text -> {
                    if (wire.isDebugEnabled()) {
                        log(wire).debug("ws -> {}", text);
                    }
                    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
                    transport.metrics().websocketMessage(Metrics.Direction.OUT, utf8.length);
                    heartbeat.sent(transport.nanoTime());
                    current.sendFrame(new Frame(OpCode.TEXT, true, ByteBuffer.wrap(utf8)), written, more);
                }
                case CloseItem close -> current.close(close.code().code(), close.reason(), Callback.NOOP);
                default -> current.sendFrame(new Frame(OpCode.PING, true, BufferUtil.EMPTY_BUFFER), written, false);
            }
        }

        /** A write failed (the peer is gone, or more than websocket.maxQueuedFrames wait): drop the socket. */
        private void failed(Throwable cause) {
            log(logger).debug("WebSocket write failed: {}", cause.toString());
            CoreSession current = socket;
            if (current != null) {
                current.abort();
            }
        }
    }
}
