package org.portico.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.portico.testing.TransitionTables.returnsNothing;

import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.portico.upstream.UpstreamLifecycle.CloseAction;
import org.portico.upstream.UpstreamLifecycle.State;

/** Every event in every state of the upstream stream's life. */
class UpstreamLifecycleTest {

    /** Drives a fresh machine into the given state through legal events. */
    private static UpstreamLifecycle in(State state) {
        UpstreamLifecycle lifecycle = new UpstreamLifecycle();
        switch (state) {
            case CONNECTING -> { }
            case NEGOTIATING_TLS -> lifecycle.tlsStarted();
            case OPEN -> lifecycle.opened();
            case CLOSING -> {
                lifecycle.opened();
                lifecycle.closeRequested();
            }
            case CLOSED -> lifecycle.abortRequested();
        }
        assertEquals(state, lifecycle.state());
        return lifecycle;
    }

    private static Function<UpstreamLifecycle, Object> event(String name) {
        return switch (name) {
            case "tlsStarted" -> UpstreamLifecycle::tlsStarted;
            case "opened" -> UpstreamLifecycle::opened;
            case "acceptsWrites" -> UpstreamLifecycle::acceptsWrites;
            case "restartRequested" -> UpstreamLifecycle::restartRequested;
            case "closeRequested" -> UpstreamLifecycle::closeRequested;
            case "closeAfterReading" -> UpstreamLifecycle::closeAfterReading;
            case "abortRequested" -> UpstreamLifecycle::abortRequested;
            case "ended" -> UpstreamLifecycle::ended;
            case "saslSent" -> returnsNothing(UpstreamLifecycle::saslSent);
            case "saslAnswered" -> returnsNothing(UpstreamLifecycle::saslAnswered);
            case "saslSucceeded" -> returnsNothing(UpstreamLifecycle::saslSucceeded);
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest(name = "{0} + {1} → {2}, {3}")
    @CsvSource({
            // state,        event,            result,           next state
            "CONNECTING,      tlsStarted,       true,             NEGOTIATING_TLS",
            "CONNECTING,      opened,           true,             OPEN",
            "CONNECTING,      acceptsWrites,    true,             CONNECTING",
            "CONNECTING,      restartRequested, THROWS,           CONNECTING",
            "CONNECTING,      closeRequested,   DISCONNECT,       CLOSED",
            "CONNECTING,      closeAfterReading, DISCONNECT,       CLOSED",
            "CONNECTING,      abortRequested,   true,             CLOSED",
            "CONNECTING,      ended,            CONNECTING,       CLOSED",
            "CONNECTING,      saslSent,         -,                CONNECTING",
            "CONNECTING,      saslAnswered,     -,                CONNECTING",
            "CONNECTING,      saslSucceeded,    -,                CONNECTING",
            "NEGOTIATING_TLS, tlsStarted,       THROWS,           NEGOTIATING_TLS",
            "NEGOTIATING_TLS, opened,           true,             OPEN",
            "NEGOTIATING_TLS, acceptsWrites,    true,             NEGOTIATING_TLS",
            "NEGOTIATING_TLS, restartRequested, THROWS,           NEGOTIATING_TLS",
            "NEGOTIATING_TLS, closeRequested,   DISCONNECT,       CLOSED",
            "NEGOTIATING_TLS, closeAfterReading, DISCONNECT,       CLOSED",
            "NEGOTIATING_TLS, abortRequested,   true,             CLOSED",
            "NEGOTIATING_TLS, ended,            NEGOTIATING_TLS,  CLOSED",
            "NEGOTIATING_TLS, saslSent,         -,                NEGOTIATING_TLS",
            "NEGOTIATING_TLS, saslAnswered,     -,                NEGOTIATING_TLS",
            "NEGOTIATING_TLS, saslSucceeded,    -,                NEGOTIATING_TLS",
            "OPEN,            tlsStarted,       THROWS,           OPEN",
            "OPEN,            opened,           THROWS,           OPEN",
            "OPEN,            acceptsWrites,    true,             OPEN",
            "OPEN,            restartRequested, true,             OPEN",
            "OPEN,            closeRequested,   SEND_CLOSING_TAG, CLOSING",
            "OPEN,            closeAfterReading, SEND_CLOSING_TAG, CLOSING",
            "OPEN,            abortRequested,   true,             CLOSED",
            "OPEN,            ended,            OPEN,             CLOSED",
            "OPEN,            saslSent,         -,                OPEN",
            "OPEN,            saslAnswered,     -,                OPEN",
            "OPEN,            saslSucceeded,    -,                OPEN",
            "CLOSING,         tlsStarted,       THROWS,           CLOSING",
            "CLOSING,         opened,           THROWS,           CLOSING",
            "CLOSING,         acceptsWrites,    false,            CLOSING",
            "CLOSING,         restartRequested, false,            CLOSING",
            "CLOSING,         closeRequested,   NONE,             CLOSING",
            "CLOSING,         closeAfterReading, NONE,             CLOSING",
            "CLOSING,         abortRequested,   true,             CLOSED",
            "CLOSING,         ended,            CLOSING,          CLOSED",
            "CLOSING,         saslSent,         -,                CLOSING",
            "CLOSING,         saslAnswered,     -,                CLOSING",
            "CLOSING,         saslSucceeded,    -,                CLOSING",
            "CLOSED,          tlsStarted,       false,            CLOSED",
            "CLOSED,          opened,           false,            CLOSED",
            "CLOSED,          acceptsWrites,    false,            CLOSED",
            "CLOSED,          restartRequested, false,            CLOSED",
            "CLOSED,          closeRequested,   NONE,             CLOSED",
            "CLOSED,          closeAfterReading, NONE,             CLOSED",
            "CLOSED,          abortRequested,   false,            CLOSED",
            "CLOSED,          ended,            CLOSED,           CLOSED",
            "CLOSED,          saslSent,         -,                CLOSED",
            "CLOSED,          saslAnswered,     -,                CLOSED",
            "CLOSED,          saslSucceeded,    -,                CLOSED",
    })
    void transitions(State state, String event, String result, State next) {
        UpstreamLifecycle lifecycle = in(state);
        if (result.equals("THROWS")) {
            assertThrows(IllegalStateException.class, () -> event(event).apply(lifecycle));
        } else {
            assertEquals(result, String.valueOf(event(event).apply(lifecycle)));
        }
        assertEquals(next, lifecycle.state());
    }

    /**
     * What a close of an open stream writes after SASL events, in order (RFC 6120 §6.4.6): after success and until
     * the session's restart is queued, the new stream's header first, since the server waits for one; while an auth
     * or response is unanswered nothing, since the server may or may not have sent success already, unless the
     * reader closes, having read all the server sent.
     */
    @ParameterizedTest(name = "{0}, {1} → {2}, {3}")
    @CsvSource({
            // events before the close,               close,             action,                      next state
            "saslSucceeded,                           closeRequested,    SEND_HEADER_AND_CLOSING_TAG, CLOSING",
            "saslSucceeded,                           closeAfterReading, SEND_HEADER_AND_CLOSING_TAG, CLOSING",
            "saslSucceeded restartRequested,          closeRequested,    SEND_CLOSING_TAG,            CLOSING",
            "saslSent,                                closeRequested,    DISCONNECT,                  CLOSED",
            "saslSent,                                closeAfterReading, SEND_CLOSING_TAG,            CLOSING",
            "saslSent saslAnswered,                   closeRequested,    SEND_CLOSING_TAG,            CLOSING",
            "saslSent saslAnswered saslSent,          closeRequested,    DISCONNECT,                  CLOSED",
            "saslSent saslSucceeded,                  closeRequested,    SEND_HEADER_AND_CLOSING_TAG, CLOSING",
            "saslSent saslSucceeded restartRequested, closeRequested,    SEND_CLOSING_TAG,            CLOSING",
    })
    void aCloseAfterSaslEvents_RFC6120_6_4_6(String events, String close, CloseAction action, State next) {
        UpstreamLifecycle lifecycle = in(State.OPEN);
        for (String name : events.split(" ")) {
            event(name).apply(lifecycle);
        }
        assertEquals(action, event(close).apply(lifecycle));
        assertEquals(next, lifecycle.state());
    }
}
