package org.portico.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * {@link PageEventLoop}: a tab's scripts run one at a time, as in a browser (HTML standard, "event loops"), also what
 * HtmlUnit runs outside the page's monitor, the promise reactions after an XHR. The test starts such a reaction that
 * keeps the page busy for a while and checks that no WebSocket event ran meanwhile, and that the test's own reads of
 * the page did not either.
 */
class PageEventLoopTest extends HtmlUnitDemoTest {

    /** Far longer than a round trip to Portico on loopback, so the answer to the reaction's {@code <r/>} falls inside. */
    private static final int REACTION_BUSY_MILLIS = 700;

    /**
     * Starts an XHR whose promise reaction sends {@code <r/>} on alice's socket (the server answers {@code <a/>} at
     * once) and then keeps the page busy, with {@code probe.running} set, for {@link #REACTION_BUSY_MILLIS}.
     */
    private static void startABusyReaction(DemoTab alice) {
        alice.evaluate("""
                (function () {
                  var socket = porticoDemo.client.transport.ws;
                  window.probe = { started: false, running: false, done: false, messages: 0, messagesDuring: 0 };
                  socket.addEventListener('message', function () {
                    window.probe.messages++;
                    if (window.probe.running) { window.probe.messagesDuring++; }
                  });
                  var xhr = new XMLHttpRequest();
                  xhr.open('GET', '/', true);
                  new Promise(function (resolve) {
                    xhr.onreadystatechange = function () { if (xhr.readyState === 4) { resolve(); } };
                    xhr.send();
                  }).then(function () {
                    window.probe.started = true;
                    window.probe.running = true;
                    window.probe.messagesBefore = window.probe.messages;
                    socket.send("<r xmlns='urn:xmpp:sm:3'/>");
                    var until = Date.now() + %d;
                    while (Date.now() < until) { }
                    window.probe.running = false;
                    window.probe.done = true;
                  });
                  return null;
                }())""".formatted(REACTION_BUSY_MILLIS));
    }

    /**
     * The hang this loop mends: a WebSocket message arriving during the reaction is handed to the page after it, not
     * beside it.
     */
    @Test
    void aWebSocketMessageWaitsForTheXhrReactionRunning() {
        DemoTab alice = loggedIn(Transport.WEBSOCKET, "alice");
        startABusyReaction(alice);

        alice.await("the answer to the reaction's <r/>",
                () -> Boolean.TRUE.equals(alice.evaluate("probe.done && probe.messages > probe.messagesBefore")));

        assertEquals(0, ((Number) alice.evaluate("probe.messagesDuring")).intValue(),
                "messages handed to the page while the reaction ran");
    }

    /**
     * The test reads the page as a browser's automation does, between its tasks, never while a promise reaction is
     * half done: the demo test that logged out and found one message left on the page had read it while a reaction
     * re-rendered the conversation beside the test's own click, and two copies of a message were drawn.
     */
    @Test
    void theTestsOwnReadsWaitForTheXhrReactionRunning() {
        DemoTab alice = loggedIn(Transport.WEBSOCKET, "alice");
        startABusyReaction(alice);

        int readsDuring = 0;
        boolean done = false;
        while (!done) {
            Object running = alice.evaluate("probe.running");
            done = Boolean.TRUE.equals(alice.evaluate("probe.done"));
            if (Boolean.TRUE.equals(running)) {
                readsDuring++;
            }
        }
        assertEquals(0, readsDuring, "reads of the page that found the reaction half done");
    }
}
