package org.portico.session;

import java.time.Duration;

/**
 * A session's lease in the store as its events decide it: told to the store when it changes, and in the order the
 * events decided it.
 *
 * <p>Why: every BOSH event ends by deciding the lease (busy while a request is held, idle for the inactivity period
 * otherwise), and each decision was a write to the store's Caffeine map, three or four per message relayed, most of
 * them "busy" again; a repeated "busy" is now dropped where it is decided. And events decided under the session lock
 * are carried out after it on their own threads, in either order: an "idle" that came after a newer "busy" left a
 * session whose request was held with a deadline, which can pass while the request is still held when the client's
 * {@code wait} is as long as the inactivity period (Strophe's 60 s against Portico's). So each change is numbered
 * when decided, and one that a newer change has overtaken is dropped.
 *
 * <p>Threads: {@link #decide} runs under the session lock, which owns {@link #told}, {@link #ended} and
 * {@link #decided}; {@link #carryOut} runs after it on any thread, and this object's monitor, held across the store
 * call, owns {@link #carriedOut}. The store never takes a session lock on its caller's thread (removal callbacks
 * run on their own executor), so the monitor is never held while waiting for a session.
 */
public final class LeaseDecisions {

    private final SessionLease store;
    /** The last lease decided: null before the first, zero for busy, else idle for that long. */
    private Duration told;
    private boolean ended;
    private long decided;
    private long carriedOut;

    public LeaseDecisions(SessionLease store) {
        this.store = store;
    }

    /** A change of the lease, decided under the session lock as the {@code number}th, to be carried out after it. */
    record Change(long number, Duration lease, boolean ends) {
    }

    /**
     * Under the session lock: an event's last word on the lease (null: it said nothing; zero: busy; else idle for
     * that long) and whether the session leaves the store. Returns the change to carry out, or null when the store
     * already has it (busy again) or the session has left.
     */
    Change decide(Duration lease, boolean ends) {
        if (ended || (lease == null && !ends)) {
            return null;
        }
        if (ends) {
            ended = true;
            return new Change(++decided, null, true);
        }
        if (lease.isZero() && told != null && told.isZero()) {
            return null;
        }
        told = lease;
        return new Change(++decided, lease, false);
    }

    /** After the lock: tells the store, unless a change decided after this one has been told already. */
    void carryOut(Change change) {
        synchronized (this) {
            if (change.number() <= carriedOut) {
                return;
            }
            carriedOut = change.number();
            if (change.ends()) {
                store.end();
            } else if (change.lease().isZero()) {
                store.busy();
            } else {
                store.idleFor(change.lease());
            }
        }
    }

    @Override
    public String toString() {
        return "LeaseDecisions[" + (ended ? "ended" : told == null ? "none" : told.isZero() ? "busy" : "idle " + told)
                + "]";
    }
}
