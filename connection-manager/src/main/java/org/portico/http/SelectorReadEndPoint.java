package org.portico.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.websocket.core.WebSocketConnection;

/**
 * A plain-TCP client socket whose WebSocket frames may be read and handled on Jetty's selector thread rather than on
 * a thread of their own, while handling them never waits ({@code websocket.framesOnSelector}).
 *
 * <p>Why: Jetty hands a readable connection to a pool thread unless the connection's read callback says it never
 * blocks, and its WebSocket connection does not say so. (Its HTTP connections say what the server's handlers say:
 * {@code PorticoServer}, {@code bosh.requestsOnSelector}.) That hand-off cost more system calls than the relay
 * itself: a virtual thread started and a carrier woken (futex), the socket's read interest dropped and restored by
 * that thread (two {@code epoll_ctl}) and the selector woken to apply it (an eventfd write); {@code strace -c}
 * counted 13.6 system calls per WebSocket message through Portico, of which the relay needs six
 * (docs/benchmarks.md). On the selector, the read interest is back before the selector's next {@code epoll_wait}, so
 * the JDK applies no change at all.
 *
 * <p>WebSocket frames are read there only while the socket's endpoint says they never wait
 * ({@code XmppWebSocketEndpoint.framesNeverWait}): once its session is bound, a frame only takes the session's lock
 * for a decision, queues, and writes what the upstream socket takes at once; the first frame opens the session,
 * which waits only for a cluster node's directory. Not affected: TLS sockets (their connections read through
 * Jetty's decrypting endpoint).
 *
 * <p>A read interest the selection key already has is not asked for again ({@link #needsFillInterest}): Jetty's
 * endpoint wakes the selector for every such request made off the selector, even when the key already watches for
 * reads. That is the common case of a held BOSH request answered by the upstream poller: the closed-connection watch
 * kept the key read-interested while the request was held, and the connection's resumption after the answer asked
 * for the same interest, waking the selector (an eventfd write, a return from {@code epoll_wait} and a drain) to
 * change nothing: 6 % of Portico's CPU-time samples at 1,000 BOSH messages a second (docs/benchmarks.md).
 *
 * <p>That kept interest outlives the watch: between the answer's bytes leaving and the connection's resumption, the
 * key watches for reads with no read callback registered, and a client quick to send its next request is reported
 * then. Jetty types the readiness of a socket without a callback as blocking and hands it to a (virtual) thread,
 * whose run finds the callback that the resumption registered meanwhile and reads the request there, off the
 * selector: 3 to 8 of 149 idle BOSH cycles on one connection, and BoshRequestsOnSelectorEndToEndTest's failure once
 * in a full run (HeldConnectionResumptionTest forces it). Such a readiness is not handed on ({@link #onSelected}):
 * the callback registered next asks for the interest again, and the selector runs it as that callback says.
 *
 * <p>A read that took less than the buffer had room for emptied the socket, so the read after it is answered with
 * nothing without asking the kernel ({@link #fill}): Jetty reads until a read returns nothing before it asks for
 * the read interest again, and that second read was a system call returning {@code EAGAIN} after every WebSocket
 * frame and every BOSH request ({@code strace}, docs/benchmarks.md). Whatever arrives after the short read is not
 * missed: the caller that is told nothing asks for the read interest, and the selector's epoll reports a socket
 * with unread bytes, or with its end reached, as long as they are there (it is level-triggered); a readiness
 * reported ({@link #onSelected}) ends the answer of nothing.
 *
 * <p>Threads: the condition is set by a handshake's thread, before the connection reads on; the selector and the
 * connection's thread read the volatile fields. {@link #readWatched} is written on the selector thread only
 * ({@link #updateKey}, {@link #onSelected}) and read by any thread. {@link #emptied} is written by the thread that
 * fills (one at a time, as Jetty calls it) and cleared by the selector.
 */
public final class SelectorReadEndPoint extends SocketChannelEndPoint {

    /** Null until a WebSocket handshake on this socket asks for it. */
    private volatile BooleanSupplier framesNeverWait;
    /** The connection's read callback, as the selector sees it; made once, since Jetty reuses its own. */
    private volatile OnSelector onSelector;
    /** The socket's selection key, which Jetty keeps to itself. */
    private volatile SelectionKey key;
    /**
     * The key watches for reads and no readiness has been taken from it since: Jetty set it read-interested
     * ({@link #updateKey}), and removes that interest only when the selector reports the socket ready
     * ({@link #onSelected}).
     */
    private volatile boolean readWatched;
    /** The last read took less than the buffer's room, and the selector has reported no readiness since. */
    private volatile boolean emptied;

    public SelectorReadEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key,
            Scheduler scheduler) {
        super(channel, selector, key, scheduler);
        this.key = key;
    }

    /** The endpoint under a request, when it is one of these (a plain HTTP/1.1 socket); else null. */
    public static SelectorReadEndPoint of(Request request) {
        Connection connection = request.getConnectionMetaData().getConnection();
        return connection != null && connection.getEndPoint() instanceof SelectorReadEndPoint endPoint
                ? endPoint : null;
    }

    /** From the upgrade on, the socket's frames are read on the selector whenever {@code condition} holds. */
    public void readFramesOnSelectorWhile(BooleanSupplier condition) {
        framesNeverWait = condition;
    }

    /** Reads what the socket holds; after a short read, nothing, without asking the kernel (see the class comment). */
    @Override
    public int fill(ByteBuffer buffer) throws IOException {
        if (emptied) {
            emptied = false;
            return 0;
        }
        // Jetty's buffers are kept ready to be read from: a read appends between the limit and the capacity
        int room = buffer.capacity() - buffer.limit();
        int filled = super.fill(buffer);
        emptied = filled > 0 && filled < room;
        return filled;
    }

    /**
     * Asks the selector for the read interest unless the key already has it. Safe against the selector reporting
     * the socket ready meanwhile: the callback is registered before this runs, and {@link #onSelected} clears the
     * mark before Jetty takes the interest away and looks for a registered callback; a readiness reported before
     * the callback was registered cleared the mark before it, so the interest is asked for again.
     */
    @Override
    protected void needsFillInterest() {
        if (!readWatched) {
            super.needsFillInterest();
        }
    }

    /**
     * A read readiness for which no read callback is registered yields no task: Jetty's would be typed blocking and
     * run on another thread, where it would take a callback registered meanwhile away from the selector. Dropping it
     * loses nothing, since Jetty's own task drops it too when it finds no callback, and a callback registered after
     * the mark was cleared asks for the interest again ({@link #needsFillInterest}). Clearing the mark before looking
     * for the callback, while registering puts the callback before reading the mark, means one side sees the other.
     * A readiness to write as well goes to Jetty, which completes the write.
     */
    @Override
    public Runnable onSelected() {
        readWatched = false;
        emptied = false;
        boolean readOnly = key.readyOps() == SelectionKey.OP_READ;
        Runnable task = super.onSelected();
        return readOnly && !getFillInterest().isInterested() ? null : task;
    }

    @Override
    public void updateKey() {
        super.updateKey();
        try {
            readWatched = (key.interestOps() & SelectionKey.OP_READ) != 0;
        } catch (CancelledKeyException e) {
            // the socket is closing: there is nothing to watch
            readWatched = false;
        }
    }

    @Override
    public void replaceKey(SelectionKey newKey) {
        super.replaceKey(newKey);
        key = newKey;
        readWatched = false;
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
