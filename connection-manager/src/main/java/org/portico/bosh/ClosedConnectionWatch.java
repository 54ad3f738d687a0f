package org.portico.bosh;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices that a client closed (FIN or RST) the HTTP/1.x connection of a request Portico holds.
 *
 * <p>Why: a browser that unloads a page closes the connection of its held long-poll. Jetty does not read from an
 * HTTP/1.1 connection while its request is suspended, so nothing would tell the session, which would answer the held
 * request with the next stanza into a dead socket; clients without BOSH acks (converse.js, Strophe) never ask for it
 * again. Prosody's event loop reads every socket and so notices; this does the same for the one connection: it keeps
 * the connection read-interested while the request is held, and a read of end-of-stream or a reset means the client
 * is gone. Bytes that arrive instead (an HTTP/1.1 pipelined request) are handed back to the connection untouched, and
 * the watch ends.
 *
 * <p>HTTP/2 streams are not watched: HTTP/2 reads its connection all the time and fails the stream's request itself.
 *
 * <p>A closed connection is closed on our side too, so no answer is written into it, and then reported to
 * {@code lost}. Neither that nor handing bytes back waits, so the watch says what the server says
 * ({@link #getInvocationType()}), and with {@code bosh.requestsOnSelector} the selector runs it itself.
 *
 * <p>Thread safety: {@link #stop(boolean)} may race the selector's callback; {@code this} guards {@link #stopped}, so
 * once {@code stop} returns no read happens and the watch holds no fill interest, which Jetty requires before the
 * response completes (it aborts a connection still read-interested at that point).
 */
final class ClosedConnectionWatch implements Callback {

    private static final Logger log = LoggerFactory.getLogger(ClosedConnectionWatch.class);
    /**
     * Enough to tell end-of-stream from bytes: of a pipelined request, these first bytes are handed back and the rest
     * stays in the socket for the connection to read. Small, because answers read once ({@link #stop(boolean)}) into a
     * new buffer: at 4 KiB, 9,000 idle sessions' answers made 1.2 MB of garbage a second.
     */
    private static final int PEEK_BYTES = 64;
    private static final Throwable STOPPED = new IOException("held request answered: watch stopped") {
        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    };

    private final AbstractEndPoint endPoint;
    private final Connection connection;
    private final Runnable lost;
    /** The server's: non-blocking unless {@code bosh.requestsOnSelector} is off. */
    private final InvocationType invocationType;
    private boolean stopped;

    private ClosedConnectionWatch(AbstractEndPoint endPoint, Connection connection, Runnable lost,
            InvocationType invocationType) {
        this.invocationType = invocationType;
        this.endPoint = endPoint;
        this.connection = connection;
        this.lost = lost;
    }

    /**
     * Starts watching the connection of {@code request}; returns null when it cannot be watched (HTTP/2, an
     * endpoint of another kind, or one already read-interested), in which case only the request's own failure
     * events tell of a closed connection.
     */
    static ClosedConnectionWatch start(Request request, Runnable lost) {
        ConnectionMetaData meta = request.getConnectionMetaData();
        Connection connection = meta.getConnection();
        if (meta.getHttpVersion().getVersion() >= HttpVersion.HTTP_2.getVersion()
                || !(connection instanceof Connection.UpgradeTo)
                || !(connection.getEndPoint() instanceof AbstractEndPoint endPoint)) {
            return null;
        }
        ClosedConnectionWatch watch = new ClosedConnectionWatch(endPoint, connection, lost,
                meta.getConnector().getServer().getInvocationType());
        return endPoint.tryFillInterested(watch) ? watch : null;
    }

    /**
     * Ends the watch before the response is written, and tells whether the client is still there. The selector may
     * not have dispatched a close that the kernel already has, so with {@code peek} this reads once more: a response
     * decided in the same instant as the client left is then kept by the session rather than written into a closed
     * socket. A response that carries nothing the session keeps (an empty answer to an expired wait) needs no peek:
     * skipping it saves a system call per idle long-poll (docs/benchmarks.md).
     *
     * @return false if the client has closed the connection (it is then closed here too)
     */
    boolean stop(boolean peek) {
        boolean open;
        synchronized (this) {
            if (stopped) {
                return endPoint.isOpen();
            }
            stopped = true;
            open = !peek || readOnce() >= 0;
        }
        endPoint.getFillInterest().onFail(STOPPED);
        if (!open) {
            endPoint.close();
        }
        return open;
    }

    @Override
    public InvocationType getInvocationType() {
        return invocationType;
    }

    /** The connection is readable: end-of-stream, a reset, or the next request's bytes. */
    @Override
    public void succeeded() {
        int read;
        synchronized (this) {
            if (stopped) {
                return;
            }
            read = readOnce();
            if (read == 0) {
                endPoint.tryFillInterested(this);
                return;
            }
            stopped = true;
        }
        if (read < 0) {
            endPoint.close();
            lost.run();
        } else {
            log.debug("bytes of a pipelined request arrived on a held connection: no longer watched");
        }
    }

    /**
     * One non-blocking read: -1 when the client closed (end-of-stream) or reset the connection, 0 when nothing
     * came, 1 when bytes came, which are handed back to the connection as the start of its next request.
     */
    private int readOnce() {
        ByteBuffer peeked = BufferUtil.allocate(PEEK_BYTES);
        int filled;
        try {
            filled = endPoint.fill(peeked);
        } catch (IOException e) {
            return -1;
        }
        if (filled > 0) {
            ((Connection.UpgradeTo) connection).onUpgradeTo(peeked);
            return 1;
        }
        return filled < 0 ? -1 : 0;
    }

    /** The endpoint closed, failed or idled out while watched; our own {@link #stop(boolean)} also ends here. */
    @Override
    public void failed(Throwable cause) {
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
        }
        lost.run();
    }
}
