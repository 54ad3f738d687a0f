package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.portico.testing.LocalProsody;
import org.portico.testing.LoggingThreads;
import org.portico.testing.PorticoHarness;
import org.portico.testing.WebSocketTestClient;
import org.portico.websocket.WebSocketConfig;

/**
 * {@code websocket.framesOnSelector} (issue 10): Jetty's selector reads, parses and relays a WebSocket's frames itself
 * (a platform thread of the {@code portico-http} pool) instead of handing each read to a virtual thread; on a single
 * Portico that includes the frame that opens the session, since its directory never waits (on a cluster node it is
 * handed off: {@code XmppWebSocketEndpointTest}). Seen from the thread that logs each frame on the {@code portico.wire} logger: a
 * frame read by the selector is run by Jetty's selector loop in its produce-consume mode
 * ({@code AdaptiveExecutionStrategy.pcRunTask}), which Jetty uses only for a read callback that says it never
 * blocks; one handed off runs on a virtual thread, or on a pool thread that handed the selecting to another
 * ({@code epcRunTask}, so a thread's name does not tell). With messages really relayed through Prosody both ways.
 */
class WebSocketFramesOnSelectorEndToEndTest {

    /** The frame of Jetty's selector loop that runs a non-blocking task on the selecting thread itself. */
    private static final String PRODUCE_CONSUME = "pcRunTask";

    @Test
    void aSinglePorticoRelaysEveryFrameOnTheSelectorTheOpeningOneIncluded() throws Exception {
        Threads threads = exchange(WebSocketConfig.DEFAULT);
        assertTrue(threads.opening(), "the opening <open/> was not run by the selector loop itself");
        assertTrue(threads.chat(), "the bound session's message was not run by the selector loop itself");
    }

    @Test
    void switchedOffEveryFrameIsReadOnAThreadOfItsOwn() throws Exception {
        Threads threads = exchange(WebSocketConfig.DEFAULT.toBuilder().framesOnSelector(false).build());
        assertFalse(threads.opening(), "with websocket.framesOnSelector=false the <open/> was run by the selector loop");
        assertFalse(threads.chat(), "with websocket.framesOnSelector=false the message was run by the selector loop");
    }

    /** Whether the selector loop itself ran the first opening frame and test1's message to test2. */
    private record Threads(boolean opening, boolean chat) {
    }

    private static Threads exchange(WebSocketConfig websocket) throws Exception {
        String there = "to-test2-" + UUID.randomUUID();
        String back = "to-test1-" + UUID.randomUUID();
        try (LoggingThreads logged = LoggingThreads.recording();
                PorticoHarness portico = PorticoHarness.start(config -> config.withWebSocket(websocket));
                WebSocketTestClient one = portico.websocketClient();
                WebSocketTestClient two = portico.websocketClient()) {
            String jidOne = one.login("test1", LocalProsody.password("test1"), "selector");
            String jidTwo = two.login("test2", LocalProsody.password("test2"), "selector");
            one.chat(jidTwo, "s1", there);
            assertEquals(there, two.nextMessageBody(), "relayed from test1 to test2");
            two.chat(jidOne, "s2", back);
            assertEquals(back, one.nextMessageBody(), "relayed from test2 to test1");
            // the first <open/> of all is a socket's first frame, since restarts follow SASL
            return new Threads(logged.wire("ws <- <open", "").bySelectorLoop(),
                    logged.wire("ws <- ", there).bySelectorLoop());
        }
    }
}
