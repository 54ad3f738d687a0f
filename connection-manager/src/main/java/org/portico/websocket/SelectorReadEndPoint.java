package org.portico.websocket;

import jakarta.servlet.ServletRequest;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.websocket.core.WebSocketConnection;

/**
 * A plain-TCP client socket whose WebSocket frames may be read, parsed and relayed on Jetty's selector thread rather
 * than on a thread of their own ({@code websocket.framesOnSelector}).
 *
 * <p>Why: Jetty hands a readable connection to a pool thread unless the connection's read callback says it never
 * blocks, and its WebSocket connection never says so. For a stanza relayed upstream that hand-off cost more system
 * calls than the relay itself: a virtual thread started and a carrier woken (futex), the socket's read interest
 * dropped and restored by that thread (two {@code epoll_ctl}) and the selector woken to apply it (an eventfd write);
 * {@code strace -c} counted 13.6 system calls per WebSocket message through Portico, of which the relay needs six
 * (docs/benchmarks.md). On the selector, the read interest is back before the selector's next {@code epoll_wait},
 * so the JDK applies no change at all.
 *
 * <p>Only while the socket's {@link XmppWebSocketEndpoint} says its frames never wait
 * ({@link XmppWebSocketEndpoint#framesNeverWait}): once its session is bound, a frame only takes the session's lock
 * for a decision, queues, and writes what the upstream socket takes at once (never waiting, TLS leg or not). The
 * first frame, which opens a session through the session store and the cluster directory, is still read on a pool
 * thread. Not affected: HTTP/1.1 on the same socket (BOSH, the handshake itself), WebSockets over TLS (their
 * connection reads through Jetty's decrypting endpoint) and over HTTP/2.
 *
 * <p>Threads: {@link #readFramesOnSelectorWhile} is called once, by the handshake's thread, before the connection is
 * upgraded; the selector and the connection's thread read the volatile fields.
 */
public final class SelectorReadEndPoint extends SocketChannelEndPoint {

    /** Null until a WebSocket handshake on this socket asks for it. */
    private volatile BooleanSupplier framesNeverWait;
    /** The WebSocket connection's read callback, as the selector sees it; made once, since Jetty reuses its own. */
    private volatile OnSelector onSelector;

    public SelectorReadEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key,
            Scheduler scheduler) {
        super(channel, selector, key, scheduler);
    }

    /** The endpoint under a request, when it is one of these (a plain HTTP/1.1 socket); else null. */
    static SelectorReadEndPoint of(ServletRequest request) {
        var connection = ServletContextRequest.getServletContextRequest(request).getConnectionMetaData()
                .getConnection();
        return connection != null && connection.getEndPoint() instanceof SelectorReadEndPoint endPoint
                ? endPoint : null;
    }

    /** From the upgrade on, the socket's frames are read on the selector whenever {@code condition} holds. */
    void readFramesOnSelectorWhile(BooleanSupplier condition) {
        framesNeverWait = condition;
    }

    @Override
    public void fillInterested(Callback callback) {
        super.fillInterested(asSeenBySelector(callback));
    }

    private Callback asSeenBySelector(Callback callback) {
        BooleanSupplier condition = framesNeverWait;
        if (condition == null || !(getConnection() instanceof WebSocketConnection)) {
            return callback;
        }
        OnSelector wrapped = onSelector;
        if (wrapped == null || wrapped.read != callback) {
            wrapped = new OnSelector(callback, condition);
            onSelector = wrapped;
        }
        return wrapped;
    }

    /**
     * The connection's read callback, non-blocking while the condition holds: the selector asks when the socket is
     * readable, and then runs a non-blocking callback itself.
     */
    private record OnSelector(Callback read, BooleanSupplier condition) implements Callback {
        @Override
        public void succeeded() {
            read.succeeded();
        }

        @Override
        public void failed(Throwable cause) {
            read.failed(cause);
        }

        @Override
        public InvocationType getInvocationType() {
            return condition.getAsBoolean() ? InvocationType.NON_BLOCKING : InvocationType.BLOCKING;
        }
    }
}
