package org.portico.http;

import java.nio.channels.ReadPendingException;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Jetty's thread pool, except that a plain HTTP/1.1 connection ({@link SelectorReadEndPoint}) that holds no unread
 * bytes is resumed by asking the selector to tell it when its next request comes, rather than by a pool thread, when
 * its requests are read on the selector: when its server says it never blocks ({@code bosh.requestsOnSelector}).
 *
 * <p>Why: when a response completes on a thread other than the one handling the request (a held BOSH request
 * answered by the upstream poller or the wait beat), Jetty resumes the connection, to read its next request, by
 * executing the connection on this pool: a pool thread is woken (futex), reads the socket to find, nearly always,
 * nothing yet ({@code EAGAIN}), and asks the selector to watch the socket. On a connection read on the selector the
 * selector reads the next request anyway, so the read interest is registered at once by the thread that completed
 * the response, and the wake-up and the empty read are saved. Bytes already read (a pipelined request) still go to
 * a pool thread, as Jetty does; so does a connection that is, unexpectedly, already waiting for input.
 *
 * <p>Threads: {@link #execute} is called by any thread; it only registers interest, and never runs the connection.
 */
public final class SelectorResumingThreadPool extends QueuedThreadPool {

    @Override
    public void execute(Runnable job) {
        if (job instanceof HttpConnection connection && connection.isRequestBufferEmpty()
                && connection.getEndPoint() instanceof SelectorReadEndPoint
                && connection.getServer().getInvocationType() == InvocationType.NON_BLOCKING) {
            try {
                // not connection.fillInterested(): that registers the read callback of Jetty's AbstractConnection,
                // which says it may block, and the selector would hand the next request to a thread after all
                connection.getEndPoint().fillInterested(Callback.from(InvocationType.NON_BLOCKING,
                        connection::onFillable, connection::onFillInterestedFailed));
                return;
            } catch (ReadPendingException e) {
                // someone is waiting for input already: let Jetty's own resumption sort it out
            }
        }
        super.execute(job);
    }
}
