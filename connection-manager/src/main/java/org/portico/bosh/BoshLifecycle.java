package org.portico.bosh;

import org.portico.session.ClientSession;

/**
 * Where one BOSH session stands (XEP-0124 §7–§13): being created, open, paused by its client, ended with the end
 * not yet told to the client, or gone. One method per event; a transition the spec does not allow throws
 * {@link IllegalStateException}.
 *
 * <pre>
 *   CREATING --creationAnswered--> OPEN --paused--> PAUSED --requestArrived--> OPEN
 *   CREATING|OPEN|PAUSED --ended--> ENDED --terminalSent--> GONE
 * </pre>
 *
 * <p>Pure; owned by the lock of the {@link BoshSession} it belongs to.
 */
final class BoshLifecycle {

    enum State {
        /** The creation request is held until the server's features arrive (R76). */
        CREATING,
        /** Requests come and go. */
        OPEN,
        /** The client paused the session (§10): it may idle for the pause, the server is told it is inactive. */
        PAUSED,
        /** The session ended; the next request learns how (its terminal condition and last stanzas). */
        ENDED,
        /** The end was told: any later request gets {@code item-not-found} (§17.2). */
        GONE
    }

    private State state = State.CREATING;

    State state() {
        return state;
    }

    /** Whether the session has ended (told or not). */
    boolean isEnded() {
        return state == State.ENDED || state == State.GONE;
    }

    /** The creation response went out with the session's attributes (§7.2). */
    void creationAnswered() {
        require(state == State.CREATING, "creationAnswered");
        state = State.OPEN;
    }

    /** A legal pause request was answered (§10). */
    void paused() {
        require(state == State.CREATING || state == State.OPEN, "paused");
        state = State.PAUSED;
    }

    /**
     * A request was processed in rid order; it ends a pause.
     *
     * @return whether the session was paused until now (the server is then told the client is active again)
     */
    boolean requestArrived() {
        require(!isEnded(), "requestArrived");
        boolean wasPaused = state == State.PAUSED;
        if (wasPaused) {
            state = State.OPEN;
        }
        return wasPaused;
    }

    /** The session ended: by the client, the server, a limit, expiry or shutdown. */
    void ended() {
        require(!isEnded(), "ended");
        state = State.ENDED;
    }

    /** A request was answered with the terminal body; telling it again is allowed (several requests may be open). */
    void terminalSent() {
        require(isEnded(), "terminalSent");
        state = State.GONE;
    }

    private void require(boolean legal, String event) {
        if (!legal) {
            throw new IllegalStateException(event + " in state " + state);
        }
    }

    @Override
    public String toString() {
        return state.name();
    }

    /** The standing an operator sees (metrics): live, paused, ended but not yet told, gone. */
    ClientSession.Standing standing() {
        return switch (state) {
            case CREATING, OPEN -> ClientSession.Standing.LIVE;
            case PAUSED -> ClientSession.Standing.PAUSED;
            case ENDED -> ClientSession.Standing.ENDING;
            case GONE -> ClientSession.Standing.ENDED;
        };
    }
}
