package org.portico.websocket;

/**
 * The life of one XMPP-over-WebSocket session, across the sockets it may live on:
 * CONNECTING → OPEN ⇄ DETACHED → CLOSING → CLOSED.
 *
 * <p>A pure machine: {@link WebSocketSession} calls it under its lock and acts on the answer after releasing it.
 * Events the client causes at the wrong moment throw {@link IllegalStateException}, which the session turns into a
 * stream error; events from the upstream or a timer that race with an ending answer "nothing to do" instead.
 */
public final class WebSocketLifecycle {

    public enum State {
        /** The client's {@code <open/>} went upstream; the server's header has not arrived yet. */
        CONNECTING,
        /** Relaying on an attached socket. */
        OPEN,
        /** The socket dropped without {@code <close/>}: the upstream stays open for the grace period. */
        DETACHED,
        /** Portico ended the client side (close, error, expiry, shutdown) and waits for the upstream to finish. */
        CLOSING,
        /** The upstream reported its end; nothing more happens. */
        CLOSED
    }

    private State state = State.CONNECTING;

    State state() {
        return state;
    }

    /** The server's stream header arrived. @return whether it goes to the client now */
    boolean serverOpened() {
        return switch (state) {
            case CONNECTING, OPEN -> {
                state = State.OPEN;
                yield true;
            }
            case DETACHED, CLOSING, CLOSED -> false;
        };
    }

    /** An upstream element arrived. @return whether it goes to the client now (it is buffered either way) */
    boolean serverElement() {
        return state == State.OPEN;
    }

    /** The client sent a stanza or nonza. @return whether it goes upstream (not once the session is ending) */
    boolean clientElement() {
        return switch (state) {
            case CONNECTING, OPEN -> true;
            case CLOSING, CLOSED -> false;
            case DETACHED -> throw illegal("a client element");
        };
    }

    /**
     * The client sent another {@code <open/>}: a restart after SASL (RFC 7395 §3.7). Only an open stream can be
     * restarted. @return whether it goes upstream
     */
    boolean clientRestart() {
        return switch (state) {
            case OPEN -> true;
            case CLOSING, CLOSED -> false;
            case CONNECTING, DETACHED -> throw illegal("a restart");
        };
    }

    /** The client closed the stream, or broke it so that Portico closes it. @return false when already ending */
    boolean clientEnded() {
        return switch (state) {
            case CONNECTING, OPEN -> {
                state = State.CLOSING;
                yield true;
            }
            case DETACHED -> throw illegal("a client close");
            case CLOSING, CLOSED -> false;
        };
    }

    /**
     * The socket dropped without {@code <close/>}.
     *
     * @param resumable whether this session may wait for its client (grace period configured, stream open)
     * @return the state now: DETACHED (paused), CLOSING (Portico ends the session), or an unchanged CLOSING/CLOSED
     */
    State socketLost(boolean resumable) {
        state = switch (state) {
            case OPEN -> resumable ? State.DETACHED : State.CLOSING;
            case CONNECTING -> State.CLOSING;
            case DETACHED -> throw illegal("a second socket loss");
            case CLOSING, CLOSED -> state;
        };
        return state;
    }

    /** A client presented this session's token. @return false when the session is no longer resumable */
    boolean resumed() {
        return switch (state) {
            case OPEN, DETACHED -> {
                state = State.OPEN;
                yield true;
            }
            case CONNECTING, CLOSING, CLOSED -> false;
        };
    }

    /** Portico ends the session from its side: expiry, overflow, a refused resumption, shutdown. */
    boolean ending() {
        return switch (state) {
            case CONNECTING, OPEN, DETACHED -> {
                state = State.CLOSING;
                yield true;
            }
            case CLOSING, CLOSED -> false;
        };
    }

    /** The upstream ended. @return the state it ended in */
    State ended() {
        State before = state;
        state = State.CLOSED;
        return before;
    }

    private IllegalStateException illegal(String event) {
        return new IllegalStateException(event + " is not possible in state " + state);
    }

    @Override
    public String toString() {
        return state.name();
    }
}
