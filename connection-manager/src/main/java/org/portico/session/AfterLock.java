package org.portico.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.portico.upstream.Upstream;
import org.portico.xml.XmlElement;

/**
 * What one session event decided under the session lock, carried out after the lock is released, always in the
 * same order: first what goes to the client (answers, frames), then the lease in the store (through the session's
 * {@link LeaseDecisions}), then what the event queued for the upstream, written on this thread
 * ({@link XmppSession#send(List, AfterLock)}), then the upstream's end. Both transports use it, so "decide under the
 * lock, act after it" has one shape.
 *
 * <p>Confined to the thread handling the event: filled under the lock, run once after it.
 */
public final class AfterLock {

    // made on the first add: most events queue one or two actions, and an idle long-poll's events were a tenth of
    // what it allocated with three empty lists each (docs/benchmarks.md)
    private List<Runnable> toClient;
    private List<Runnable> upstreamWrites;
    private List<Runnable> upstream;
    /** Null: unchanged; zero: busy; positive: idle for that long. */
    private Duration lease;
    private boolean leaseEnds;
    private LeaseDecisions leases;
    private LeaseDecisions.Change leaseChange;

    /** Something for the client: answering a request, flushing a socket. */
    public void toClient(Runnable action) {
        toClient = add(toClient, action);
    }

    /** The client is attached: the session cannot expire. */
    public void busy() {
        lease = Duration.ZERO;
    }

    /** The client is away: the session may expire after {@code duration}. */
    public void idleFor(Duration duration) {
        if (duration.isZero() || duration.isNegative()) {
            throw new IllegalArgumentException("an idle lease must be positive, was " + duration);
        }
        lease = duration;
    }

    /** The session is over and leaves the store. */
    public void endLease() {
        leaseEnds = true;
    }

    /**
     * Ends an XMPP session as {@code cause} says (see {@link XmppSession#end}); what the client never received goes
     * back to the server with it.
     */
    public void endUpstream(XmppSession xmpp, SessionEnd.Cause cause, List<XmlElement> undelivered) {
        if (xmpp != null) {
            upstream = add(upstream, () -> xmpp.end(cause, undelivered));
        }
    }

    /** Writes what the event queued for an upstream ({@link Upstream#writeQueuedWithoutWaiting}). */
    void writeUpstream(Runnable write) {
        upstreamWrites = add(upstreamWrites, write);
    }

    /** Drops the upstream connection whose write queue overflowed (see {@link XmppSession#send}). */
    public void abortUpstream(XmppSession xmpp) {
        upstream = add(upstream, xmpp::abort);
    }

    /** Ends the event, still under the session lock: its word on the lease becomes a numbered change, if any. */
    public void decideLease(LeaseDecisions decisions) {
        leases = decisions;
        leaseChange = decisions.decide(lease, leaseEnds);
    }

    /** Carries everything out, in order; call once, without the session lock, after {@link #decideLease}. */
    public void run() {
        runAll(toClient);
        if (leaseChange != null) {
            leases.carryOut(leaseChange);
        }
        runAll(upstreamWrites);
        runAll(upstream);
    }

    private static List<Runnable> add(List<Runnable> actions, Runnable action) {
        List<Runnable> list = actions != null ? actions : new ArrayList<>(2);
        list.add(action);
        return list;
    }

    private static void runAll(List<Runnable> actions) {
        if (actions != null) {
            actions.forEach(Runnable::run);
        }
    }
}
