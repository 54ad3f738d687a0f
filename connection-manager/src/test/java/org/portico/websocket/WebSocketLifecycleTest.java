package org.portico.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.portico.websocket.WebSocketLifecycle.State;

/** Every event in every state: what it answers and where it leads, or that it is illegal. */
class WebSocketLifecycleTest {

    private static WebSocketLifecycle in(State state) {
        WebSocketLifecycle lifecycle = new WebSocketLifecycle();
        switch (state) {
            case CONNECTING -> { }
            case OPEN -> lifecycle.serverOpened();
            case DETACHED -> {
                lifecycle.serverOpened();
                lifecycle.socketLost(true);
            }
            case CLOSING -> lifecycle.ending();
            case CLOSED -> lifecycle.ended();
        }
        assertEquals(state, lifecycle.state());
        return lifecycle;
    }

    private static Function<WebSocketLifecycle, Object> event(String name) {
        return switch (name) {
            case "serverOpened" -> WebSocketLifecycle::serverOpened;
            case "serverElement" -> WebSocketLifecycle::serverElement;
            case "clientElement" -> WebSocketLifecycle::clientElement;
            case "clientRestart" -> WebSocketLifecycle::clientRestart;
            case "clientEnded" -> WebSocketLifecycle::clientEnded;
            case "socketLost" -> l -> l.socketLost(true);
            case "socketLostNotResumable" -> l -> l.socketLost(false);
            case "resumed" -> WebSocketLifecycle::resumed;
            case "ending" -> WebSocketLifecycle::ending;
            case "ended" -> WebSocketLifecycle::ended;
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest(name = "{0} + {1} -> {2}, {3}")
    @CsvSource(textBlock = """
            CONNECTING, serverOpened,           true,       OPEN
            OPEN,       serverOpened,           true,       OPEN
            DETACHED,   serverOpened,           false,      DETACHED
            CLOSING,    serverOpened,           false,      CLOSING
            CONNECTING, serverElement,          false,      CONNECTING
            OPEN,       serverElement,          true,       OPEN
            DETACHED,   serverElement,          false,      DETACHED
            CONNECTING, clientElement,          true,       CONNECTING
            OPEN,       clientElement,          true,       OPEN
            CLOSING,    clientElement,          false,      CLOSING
            DETACHED,   clientElement,          ILLEGAL,    DETACHED
            OPEN,       clientRestart,          true,       OPEN
            CONNECTING, clientRestart,          ILLEGAL,    CONNECTING
            CLOSING,    clientRestart,          false,      CLOSING
            CONNECTING, clientEnded,            true,       CLOSING
            OPEN,       clientEnded,            true,       CLOSING
            CLOSED,     clientEnded,            false,      CLOSED
            DETACHED,   clientEnded,            ILLEGAL,    DETACHED
            OPEN,       socketLost,             DETACHED,   DETACHED
            OPEN,       socketLostNotResumable, CLOSING,    CLOSING
            CONNECTING, socketLost,             CLOSING,    CLOSING
            CLOSING,    socketLost,             CLOSING,    CLOSING
            DETACHED,   socketLost,             ILLEGAL,    DETACHED
            DETACHED,   resumed,                true,       OPEN
            OPEN,       resumed,                true,       OPEN
            CONNECTING, resumed,                false,      CONNECTING
            CLOSING,    resumed,                false,      CLOSING
            DETACHED,   ending,                 true,       CLOSING
            CLOSING,    ending,                 false,      CLOSING
            CLOSED,     ending,                 false,      CLOSED
            DETACHED,   ended,                  DETACHED,   CLOSED
            CLOSING,    ended,                  CLOSING,    CLOSED
            """)
    void transitions(State from, String event, String answer, State to) {
        WebSocketLifecycle lifecycle = in(from);

        if ("ILLEGAL".equals(answer)) {
            assertThrows(IllegalStateException.class, () -> event(event).apply(lifecycle));
        } else {
            assertEquals(answer, String.valueOf(event(event).apply(lifecycle)));
        }
        assertEquals(to, lifecycle.state());
    }
}
