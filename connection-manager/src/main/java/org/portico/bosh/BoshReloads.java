package org.portico.bosh;

import org.portico.metrics.Metrics;

/**
 * Tells when a BOSH session continues after a page reload, for the reload metrics: after a pause (§10), the next
 * request; after a restore — the old page vanished and the new one goes on with the sid and rid it kept — the next
 * request in order once the client lost its last held request's connection or sent a rid again whose answer it lost
 * or that is still held (§14.3). A page that vanishes between two requests looks like ordinary traffic, so restores
 * are a lower bound.
 *
 * <p>No lock of its own: owned by the lock of the {@link BoshSession} it belongs to.
 */
final class BoshReloads {

    private final Metrics metrics;
    private boolean restoring;

    BoshReloads(Metrics metrics) {
        this.metrics = metrics;
    }

    /** A repeated rid (§14.3) while the session is not paused: the replay of an answer, or a still-held rid. */
    void repeated(RidWindow.Kind kind, BoshLifecycle.State state) {
        if (state != BoshLifecycle.State.PAUSED
                && (kind == RidWindow.Kind.REPLAY || kind == RidWindow.Kind.HELD_REPEAT)) {
            restoring = true;
        }
    }

    /** The client lost a held request's connection; {@code nothingHeld}: none of its requests is held now. */
    void connectionLost(boolean nothingHeld) {
        restoring = nothingHeld;
    }

    /** A request in rid order; {@code fromPause}: it ended a pause (§10). */
    void inOrder(boolean fromPause) {
        if (fromPause) {
            metrics.reloadResumed(Metrics.Reload.BOSH_PAUSE);
        } else if (restoring) {
            metrics.reloadResumed(Metrics.Reload.BOSH_RESTORE);
        }
        restoring = false;
    }
}
