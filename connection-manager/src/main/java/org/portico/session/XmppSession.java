package org.portico.session;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.portico.upstream.StreamHeader;
import org.portico.upstream.Upstream;
import org.portico.upstream.UpstreamConnector;
import org.portico.upstream.UpstreamEnd;
import org.portico.upstream.UpstreamListener;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One XMPP session as both transports see it: client traffic goes to one upstream stream, upstream traffic comes
 * back filtered to the transport's {@link ClientSink}. There is no transport branch here.
 *
 * <p>Threads: upstream events arrive on the upstream's reader or poller thread, one at a time; client calls come
 * from HTTP and WebSocket threads and only enqueue on the {@link Upstream}, which never blocks. The few fields
 * shared between the two are volatile or atomic, and each is written by one side only, except {@link #ending},
 * claimed once by whichever side ends the session first.
 */
public final class XmppSession implements UpstreamListener {

    private static final Logger log = LoggerFactory.getLogger(XmppSession.class);

    private final String id;
    private final ClientSink sink;
    /** Set once by {@link #open}, before any client call can reach the session. */
    private volatile Upstream upstream;
    /** The cause Portico itself chose when it closed the upstream; null while the session is live. */
    private final AtomicReference<SessionEnd> ending = new AtomicReference<>();
    /** Written by the client side; once true, upstream stanzas are bounced instead of delivered (XEP-0206 §7). */
    private volatile boolean clientGone;
    /** Written by the reader thread from the latest features. */
    private volatile boolean clientStateOffered;
    private volatile boolean clientInactive;
    /** Written by the reader thread: the server granted XEP-0198 resumption ({@code <enabled resume='true'/>}). */
    private volatile boolean smResumable;
    /** Written by the client side: XEP-0198 {@code <enable/>} and {@code <resume/>} requests sent. */
    private volatile int smRequests;
    /** Written by the reader thread: the server's answers to them. */
    private volatile int smAnswers;

    private XmppSession(String id, ClientSink sink) {
        this.id = id;
        this.sink = sink;
    }

    /**
     * Opens the upstream stream for a new session; the server's header and features reach the sink. The upstream's
     * reader and writer threads inherit the MDC of {@code context}, so its log and wire lines name the session and
     * its client; a connector that tells the server the client's address (the PROXY protocol) takes it from there.
     */
    public static XmppSession open(String id, SessionLog context, ClientSink sink, UpstreamConnector connector,
            StreamHeader header, String route) {
        XmppSession session = new XmppSession(id, sink);
        context.withMdc(() -> session.upstream = connector.connect(header, route, context.client(), session));
        return session;
    }

    public String id() {
        return id;
    }

    /**
     * Relays client stanzas and nonzas in order. Only enqueues, so a transport calls it under its session lock to
     * keep the client's order.
     *
     * @return false when the server stopped reading and the write queue is full: the session is ending, and the
     *         caller must {@link #abort} once it has released its lock
     */
    public boolean send(List<XmlElement> elements) {
        boolean accepted = true;
        for (XmlElement element : elements) {
            accepted &= send(element);
        }
        return accepted;
    }

    /**
     * As {@link #send(List)}, for a caller that must not wait for the network even after its lock (a BOSH request,
     * handled wherever Jetty delivered it; a WebSocket frame, read on the thread that alone reads its client): the
     * elements are queued, and {@code after} writes them after the lock as far as the socket takes them at once,
     * leaving the rest to the stream's writer ({@link Upstream#writeQueuedWithoutWaiting}), which saves the hand-off
     * to the writer's thread per message. A full write queue aborts the upstream after the lock, as
     * {@link AfterLock#abortUpstream} does.
     */
    public void send(List<XmlElement> elements, AfterLock after) {
        boolean accepted = true;
        for (XmlElement element : elements) {
            noteStreamManagement(element);
            accepted &= upstream.queue(element);
        }
        writeAfterTheLock(accepted, after);
    }

    /** Has {@code after} write what was queued, and drop the upstream when its write queue refused some of it. */
    private void writeAfterTheLock(boolean accepted, AfterLock after) {
        after.writeUpstream(upstream::writeQueuedWithoutWaiting);
        if (!accepted) {
            after.abortUpstream(this);
        }
    }

    /** As {@link #send(List, AfterLock)} for one element. */
    public void send(XmlElement element, AfterLock after) {
        send(List.of(element), after);
    }

    /** As {@link #send(List)} for one element. */
    public boolean send(XmlElement element) {
        noteStreamManagement(element);
        return upstream.send(element);
    }

    private void noteStreamManagement(XmlElement element) {
        if (StreamFilter.asksStreamManagement(element)) {
            smRequests++; // one writer, the client side
        }
    }

    /**
     * Whether a clean close could cost the client its XEP-0198 session: the server granted resumption, or it has
     * not yet answered an {@code <enable/>} or {@code <resume/>} on its way. A resumption the server has taken but
     * not yet confirmed is the server's session already, and a {@code </stream:stream>} right behind it would end
     * that session (XEP-0198 §5) for a client that will resume through another Portico a moment later.
     */
    private boolean mayBeResumable() {
        return smResumable || smRequests > smAnswers;
    }

    /**
     * A client stream restart after SASL (XEP-0206 §5, RFC 7395 §3.7), queued and written after the lock as
     * {@link #send(List, AfterLock)} does with elements; a full write queue aborts the upstream after the lock.
     */
    public void restart(StreamHeader header, AfterLock after) {
        writeAfterTheLock(upstream.restart(header), after);
    }

    /**
     * Ends the session as {@code cause} says: {@link SessionEnd.Cause#CLIENT_CLOSED} closes it ({@link #close}),
     * {@link SessionEnd.Cause#SYSTEM_SHUTDOWN} shuts it down, any other cause expires it ({@link #expire}). What the
     * client never received goes back with it.
     */
    public void end(SessionEnd.Cause cause, List<XmlElement> undelivered) {
        switch (cause) {
            case CLIENT_CLOSED -> close(undelivered);
            case SYSTEM_SHUTDOWN -> shutdown(undelivered);
            default -> expire(undelivered);
        }
    }

    /** Drops the upstream connection at once: after {@link #send} reported a full write queue. */
    public void abort() {
        clientGone = true;
        upstream.abort();
    }

    /**
     * The client closed the stream on purpose (BOSH terminate, WebSocket {@code <close/>}); what it had not yet
     * received goes back to the server per XEP-0206 §7.
     */
    public void close(List<XmlElement> undelivered) {
        clientGone = true;
        bounce(undelivered);
        endBy(SessionEnd.of(SessionEnd.Cause.CLIENT_CLOSED, "closed by the client"));
    }

    /**
     * The client is gone for good (its inactivity or pause ran out): what it never received goes back to the server
     * per XEP-0206 §7, and the upstream is closed so the server marks the user offline.
     *
     * <p>Unless the server granted XEP-0198 resumption: then the client may still resume the stream on a new
     * connection (RFC 7395 §3.6 and §3.10, R91, R96), which a clean {@code </stream:stream>} would forbid (the server
     * revokes the resumption on a clean close, XEP-0198 §5). The connection is dropped instead, so the server keeps
     * the session resumable for its own period, and the stanzas are left to it: it still holds them as unacknowledged
     * and resends or bounces them itself, so bouncing them here would duplicate them.
     */
    public void expire(List<XmlElement> undelivered) {
        clientGone = true;
        endKeepingResumption(SessionEnd.Cause.EXPIRED, "client inactive", undelivered);
    }

    /**
     * Portico is stopping. A stream the server granted XEP-0198 resumption is left resumable, as in {@link #expire}:
     * its connection is dropped without {@code </stream:stream>}, so its client, sent to another Portico, resumes it
     * there and loses nothing. Any other stream is closed, and what its client never received goes back to the
     * server first (XEP-0206 §7).
     */
    public void shutdown(List<XmlElement> undelivered) {
        endKeepingResumption(SessionEnd.Cause.SYSTEM_SHUTDOWN, "shutting down", undelivered);
    }

    /**
     * Ends the session for {@code cause} without costing its client the XEP-0198 session: a stream that may be
     * resumable is dropped and its stanzas left to the server; any other is closed, what the client never received
     * bounced first.
     */
    private void endKeepingResumption(SessionEnd.Cause cause, String why, List<XmlElement> undelivered) {
        if (mayBeResumable()) {
            if (ending.compareAndSet(null, SessionEnd.of(cause,
                    why + "; connection dropped so the server keeps the XEP-0198 session resumable"))) {
                upstream.abort();
            }
            return;
        }
        bounce(undelivered);
        endBy(SessionEnd.of(cause, why));
    }

    /**
     * Tells the server the client is (in)active (XEP-0352) when it offers that; paused sessions are inactive. The
     * result is that of {@link #send}.
     */
    public boolean clientActive(boolean active) {
        if (!clientStateOffered || clientInactive == !active) {
            return true;
        }
        clientInactive = !active;
        return upstream.send(XmlElement.of(Namespaces.CSI, active ? "active" : "inactive"));
    }

    private void endBy(SessionEnd end) {
        if (ending.compareAndSet(null, end)) {
            upstream.close();
        }
    }

    private void bounce(List<XmlElement> undelivered) {
        for (XmlElement element : undelivered) {
            DeadClientPolicy.bounce(element).ifPresent(upstream::send);
        }
    }

    @Override
    public void onOpened(XmlElement header) {
        sink.opened(header);
    }

    @Override
    public void onReadEnd() {
        sink.flush();
    }

    @Override
    public void onElement(XmlElement element) {
        if (clientGone) {
            DeadClientPolicy.bounce(element).ifPresent(upstream::send);
            return;
        }
        if (StreamFilter.answersStreamManagement(element)) {
            smAnswers++; // one writer, the reader thread
        }
        if (StreamFilter.isFeatures(element)) {
            clientStateOffered = StreamFilter.offersClientState(element);
        } else if (StreamFilter.grantsResumption(element)) {
            smResumable = true;
        } else if (StreamFilter.resumes(element)) {
            smResumable = true;
            if (clientStateOffered) {
                // Portico may have marked the session inactive when the client's previous socket dropped, and the
                // server keeps that state across the resumption: a client that resumes is active. Sent before the
                // client sees <resumed/>, so an <inactive/> of its own can only come after it.
                upstream.send(XmlElement.of(Namespaces.CSI, "active"));
            }
        }
        sink.deliver(StreamFilter.toClient(element));
    }

    /** How the session ended, once it has (after {@link #onClosed}); empty while it is live. */
    public Optional<SessionEnd> end() {
        return Optional.ofNullable(ending.get());
    }

    @Override
    public boolean neverWaits() {
        return sink.neverWaits();
    }

    @Override
    public void onClosed(UpstreamEnd end) {
        SessionEnd chosen = ending.get();
        SessionEnd result = chosen != null ? chosen : SessionEnd.from(end);
        ending.compareAndSet(null, result);
        MDC.put("sid", id);
        try {
            // the transport and the upstream each log this end at INFO in their own words; one more would repeat them
            log.debug("session ended: {} ({})", result.cause(), result.detail());
        } finally {
            MDC.remove("sid");
        }
        sink.ended(result);
    }

    @Override
    public String toString() {
        SessionEnd end = ending.get();
        return "XmppSession[" + id + (end == null ? " live" : " ending=" + end.cause())
                + (clientGone ? " client-gone" : "") + (clientInactive ? " inactive" : "")
                + (smResumable ? " sm-resumable" : "") + "]";
    }
}
