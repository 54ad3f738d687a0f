package org.portico.bosh;

import org.portico.metrics.Metrics;

/**
 * Tells when a BOSH session continues after a page reload, for the reload metrics: after a pause (§10), the next
 * request; after a restore — the old page vanished and the new one goes on with the sid and rid it kept — the next
 * request in order once the client lost its last held request's connection or sent a rid again whose answer it lost
 * or that is still held (§14.3). A page that vanishes between two requests looks like ordinary traffic, so restores
 * are a lower bound.
 *
 * <p>They are never more than happened. A reload's requests travel on parallel connections and reach Portico in any
 * order: the new page's resend of an old rid may arrive after its next request counted the restore, and the old
 * page's cancelled request or closed connection may be noticed after that too. Such a straggler, a rid no later than
 * the one that counted the restore, does not start another (seen under load: 20 in 300 reloads).
 *
 * <p>Pure, no I/O; no lock of its own: owned by the lock of the {@link BoshSession} it belongs to.
 */
final class BoshReloads {

    private final Metrics metrics;
    private boolean restoring;
    /** The rid of the request that counted the last restore; 0 before the first. */
    private long restoredAt;

    BoshReloads(Metrics metrics) {
        this.metrics = metrics;
    }

    /** Rid {@code rid} came again (§14.3): the replay of an answer, or a still-held rid; not counted while paused. */
    void repeated(long rid, RidWindow.Kind kind, BoshLifecycle.State state) {
        if (state != BoshLifecycle.State.PAUSED && rid > restoredAt
                && (kind == RidWindow.Kind.REPLAY || kind == RidWindow.Kind.HELD_REPEAT)) {
            restoring = true;
        }
    }

    /**
     * The client lost the connection of held request {@code rid}; {@code nothingHeld}: none of its requests is held
     * now.
     */
    void connectionLost(long rid, boolean nothingHeld) {
        if (rid > restoredAt) {
            restoring = nothingHeld;
        }
    }

    /** Request {@code rid} in rid order; {@code fromPause}: it ended a pause (§10). */
    void inOrder(long rid, boolean fromPause) {
        if (fromPause) {
            metrics.reloadResumed(Metrics.Reload.BOSH_PAUSE);
        } else if (restoring) {
            metrics.reloadResumed(Metrics.Reload.BOSH_RESTORE);
            restoredAt = rid;
        }
        restoring = false;
    }
}
