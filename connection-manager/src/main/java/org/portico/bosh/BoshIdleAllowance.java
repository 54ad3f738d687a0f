package org.portico.bosh;

import java.time.Duration;

/**
 * How long a BOSH session may go without a request: the lease its store keeps (XEP-0124 §8 inactivity, §10 pause).
 * The inactivity, or the pause in force until the next request (R31), or, while a pause that came early waits for
 * the gap before it (§14.2), the longer of the inactivity and that pause: the page that sent it is gone, and a next
 * page back within the pause must find the session even if the gap is never filled.
 *
 * <p>Pure, no I/O; owned by the lock of the {@link BoshSession} it belongs to. Only legal pauses (within
 * {@code maxpause}) are given to it.
 */
final class BoshIdleAllowance {

    private final Duration inactivity;
    /** The pause in force, or null. */
    private Duration paused;
    /** A pause answered early that waits for its turn, or null. */
    private Duration early;

    BoshIdleAllowance(Duration inactivity) {
        this.inactivity = inactivity;
    }

    /** A legal pause came early and was answered at once; it takes effect in rid order. */
    void pauseArrivedEarly(Duration requested) {
        early = requested;
    }

    /** A legal pause was processed in turn (§10): the session may idle for it until the next request. */
    void paused(Duration requested) {
        paused = requested;
        early = null;
    }

    /** The first request after a pause (R31: the inactivity is reset on the next request). */
    void resumed() {
        paused = null;
    }

    /** How long the session may now go without a request. */
    Duration idle() {
        if (paused != null) {
            return paused;
        }
        return early != null && early.compareTo(inactivity) > 0 ? early : inactivity;
    }

    @Override
    public String toString() {
        return paused != null ? " paused=" + paused : early != null ? " early pause=" + early : "";
    }
}
