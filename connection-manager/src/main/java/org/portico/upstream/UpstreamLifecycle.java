package org.portico.upstream;

/**
 * The life of one upstream stream: CONNECTING → (NEGOTIATING_TLS →) OPEN → CLOSING → CLOSED.
 *
 * <p>A pure decision machine with no lock and no I/O of its own: {@link UpstreamStream} calls it under the stream's
 * lock and acts on the answer after releasing it. Events from the reader thread ({@link #tlsStarted},
 * {@link #opened}, {@link #ended}) may race with an abort from another thread, so they report "already closed"
 * instead of throwing; an event that cannot happen in the current state throws {@link IllegalStateException}.
 */
final class UpstreamLifecycle {

    enum State {
        /** Resolving, connecting, and waiting for the first header and features. */
        CONNECTING,
        /** {@code <starttls/>} sent: waiting for {@code <proceed/>}, handshaking, restarting the stream. */
        NEGOTIATING_TLS,
        /** The listener has the server's header and features; the writer drains the queue. */
        OPEN,
        /** Our {@code </stream:stream>} is queued; waiting for the server's, or the close timeout. */
        CLOSING,
        /** Nothing more is written; the reader reports (or has reported) how it ended. */
        CLOSED
    }

    /** What {@link #closeRequested} asks the stream to do. */
    enum CloseAction {
        /** Queue {@code </stream:stream>} and start the close timeout. */
        SEND_CLOSING_TAG,
        /**
         * As {@link #SEND_CLOSING_TAG}, after a new stream header: the server accepted SASL and waits for the
         * restart (RFC 6120 §6.4.6), so our last bytes must open its new document first; a closing tag alone would
         * begin it with an end tag, and Prosody ends such a stream with {@code not-well-formed}.
         */
        SEND_HEADER_AND_CLOSING_TAG,
        /**
         * Drop the connection: nothing was relayed yet, or the session's SASL {@code <auth/>} or {@code <response/>}
         * is unanswered, so the server may already have sent success and wait for a restart, or not: no last bytes
         * are right for both (RFC 6120 §6.4.6), and before authentication the server has nothing to end gracefully.
         */
        DISCONNECT,
        /** Already closing or closed. */
        NONE;

        /** Whether our last bytes are to be queued. */
        boolean writes() {
            return this == SEND_CLOSING_TAG || this == SEND_HEADER_AND_CLOSING_TAG;
        }
    }

    private State state = State.CONNECTING;
    /** The server sent SASL success and waits for our new stream header, not yet queued (RFC 6120 §6.4.6). */
    private boolean restartDue;
    /** The session's last SASL element ({@code <auth/>} or {@code <response/>}) has not been answered yet. */
    private boolean saslUnanswered;

    State state() {
        return state;
    }

    /** Reader: STARTTLS was offered and is wanted. @return false when the stream was closed meanwhile */
    boolean tlsStarted() {
        return switch (state) {
            case CONNECTING -> {
                state = State.NEGOTIATING_TLS;
                yield true;
            }
            case CLOSED -> false;
            default -> throw illegal("tlsStarted");
        };
    }

    /** Reader: header and features are ready for the listener. @return false when closed meanwhile */
    boolean opened() {
        return switch (state) {
            case CONNECTING, NEGOTIATING_TLS -> {
                state = State.OPEN;
                yield true;
            }
            case CLOSED -> false;
            default -> throw illegal("opened");
        };
    }

    /** Session: send or queue an element or a restart header. @return false when it must be dropped */
    boolean acceptsWrites() {
        return state != State.CLOSING && state != State.CLOSED;
    }

    /** Session: an {@code <auth/>} or {@code <response/>} was queued; the server's answer decides the next bytes. */
    void saslSent() {
        if (state == State.OPEN) {
            saslUnanswered = true;
        }
    }

    /** Reader: a SASL challenge or failure came; the server waits for the session in the stream it has. */
    void saslAnswered() {
        saslUnanswered = false;
    }

    /** Reader: SASL succeeded; until the session's restart is queued, a close must open the new stream first. */
    void saslSucceeded() {
        saslUnanswered = false;
        if (state == State.OPEN) {
            restartDue = true;
        }
    }

    /** Session: a restart (RFC 6120 §4.3.3) is only meaningful once the stream is open. @return false to ignore */
    boolean restartRequested() {
        return switch (state) {
            case OPEN -> {
                restartDue = false;
                yield true;
            }
            case CLOSING, CLOSED -> false;
            default -> throw illegal("restart");
        };
    }

    CloseAction closeRequested() {
        return switch (state) {
            case CONNECTING, NEGOTIATING_TLS -> {
                state = State.CLOSED;
                yield CloseAction.DISCONNECT;
            }
            case OPEN -> {
                if (saslUnanswered) {
                    state = State.CLOSED;
                    yield CloseAction.DISCONNECT;
                }
                state = State.CLOSING;
                yield restartDue ? CloseAction.SEND_HEADER_AND_CLOSING_TAG : CloseAction.SEND_CLOSING_TAG;
            }
            case CLOSING, CLOSED -> CloseAction.NONE;
        };
    }

    /**
     * Reader: it closes the stream (the server's closing tag, or bytes it cannot relay) with everything the server
     * sent read, so no answer to the session's SASL is unread: as {@link #closeRequested}, from what was read.
     */
    CloseAction closeAfterReading() {
        saslUnanswered = false;
        return closeRequested();
    }

    /** Anyone: drop the connection now. @return false when it was already closed */
    boolean abortRequested() {
        if (state == State.CLOSED) {
            return false;
        }
        state = State.CLOSED;
        return true;
    }

    /** Reader: it stopped reading. @return the state it stopped in, which tells who ended the stream */
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
