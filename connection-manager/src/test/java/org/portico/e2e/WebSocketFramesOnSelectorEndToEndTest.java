package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.portico.testing.LocalProsody;
import org.portico.testing.LogCapture;
import org.portico.testing.PorticoHarness;
import org.portico.testing.WebSocketTestClient;
import org.portico.websocket.WebSocketConfig;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/**
 * {@code websocket.framesOnSelector} (issue 10): once a WebSocket's session is bound, Jetty's selector reads, parses
 * and relays its frames itself (a platform thread of the {@code portico-http} pool) instead of handing each read to
 * a virtual thread; the frame that opens the session, which may wait on the session store and the cluster
 * directory, is still read on a virtual thread. Seen through the thread that logged each frame on the
 * {@code portico.wire} logger, with messages really relayed through Prosody both ways.
 */
class WebSocketFramesOnSelectorEndToEndTest {

    /** Jetty's selector runs on a thread of Portico's HTTP pool; what it hands off runs on unnamed virtual threads. */
    private static final String HTTP_POOL = "portico-http-";

    @Test
    void aBoundSessionsFramesAreRelayedOnTheSelectorAndItsOpeningFrameIsNot() throws Exception {
        Threads threads = exchange(WebSocketConfig.DEFAULT);
        assertFalse(threads.opening().startsWith(HTTP_POOL),
                "the opening <open/> was read on " + threads.opening() + ", not a virtual thread");
        assertTrue(threads.chat().startsWith(HTTP_POOL),
                "the bound session's message was read on '" + threads.chat() + "', not the selector's thread");
    }

    @Test
    void switchedOffEveryFrameIsReadOnAThreadOfItsOwn() throws Exception {
        Threads threads = exchange(WebSocketConfig.DEFAULT.toBuilder().framesOnSelector(false).build());
        assertFalse(threads.chat().startsWith(HTTP_POOL),
                "with websocket.framesOnSelector=false the message was read on " + threads.chat());
    }

    /** What the wire log says of the threads that read the first opening frame and test1's message to test2. */
    private record Threads(String opening, String chat) {
    }

    private static Threads exchange(WebSocketConfig websocket) throws Exception {
        String there = "to-test2-" + UUID.randomUUID();
        String back = "to-test1-" + UUID.randomUUID();
        List<ILoggingEvent> events;
        try (LogCapture logs = LogCapture.start();
                PorticoHarness portico = PorticoHarness.start(config -> config.withWebSocket(websocket));
                WebSocketTestClient one = portico.websocketClient();
                WebSocketTestClient two = portico.websocketClient()) {
            String jidOne = one.login("test1", LocalProsody.password("test1"), "selector");
            String jidTwo = two.login("test2", LocalProsody.password("test2"), "selector");
            one.chat(jidTwo, "s1", there);
            assertEquals(there, body(two.nextMessage()), "relayed from test1 to test2");
            two.chat(jidOne, "s2", back);
            assertEquals(back, body(one.nextMessage()), "relayed from test2 to test1");
            events = logs.events();
        }
        return new Threads(readBy(events, "ws <- <open", ""), readBy(events, "ws <- ", there));
    }

    /**
     * The thread that logged the first frame read from a client that starts with {@code prefix} and holds
     * {@code text}; the first {@code <open/>} of all is a socket's first frame, since restarts follow SASL.
     */
    private static String readBy(List<ILoggingEvent> events, String prefix, String text) {
        return events.stream()
                .filter(e -> e.getLoggerName().equals("portico.wire"))
                .filter(e -> e.getFormattedMessage().startsWith(prefix) && e.getFormattedMessage().contains(text))
                .findFirst()
                .map(ILoggingEvent::getThreadName)
                .orElseThrow(() -> new AssertionError("no frame '" + prefix + "…" + text + "…' on the wire log"));
    }

    private static String body(XmlElement message) {
        return message.child(Namespaces.JABBER_CLIENT, "body").orElseThrow().text();
    }
}
