package org.portico.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.portico.testing.LogCapture;

/**
 * {@link XmppSubprotocolWebSockets} behaves as a browser's WebSocket where HtmlUnit's own adapter did not, which made
 * the WebSocket demo tests flaky. Each test talks to the in-process Portico from a bare script on the demo page.
 */
class XmppSubprotocolWebSocketsTest extends HtmlUnitDemoTest {

    /** Longer than a WebSocket handshake on loopback takes, so the handshake completes while the script runs. */
    private static final int SCRIPT_BUSY_MILLIS = 500;
    /**
     * How long either side may keep sending while it waits for the other; each stops as soon as both have crossed,
     * which takes 120–190 ms here, idle or beside three busy loops. Either side once sent as fast as it could, and
     * the one that flooded the socket's queue starved the other for seconds: beside three busy loops the script made
     * 1.9 million sends in the 12.3 s the reaction needed for 300, and with a limit of 5 s the reaction sent nothing
     * ("nothing crossed", two runs of two); idle, the reaction made 788,000 while the script needed 4.5 s for 300.
     */
    private static final int CROSSING_MILLIS = 60_000;
    /**
     * How many {@code <r/>} each side sends on its own; past that, one for each the other sent, so neither floods
     * the socket's queue while it waits for its turn.
     */
    private static final int SHARE = 300;
    /** How many of the reaction's sends must fall while the test's script is sending. */
    private static final int CROSSINGS = 30;

    private HtmlUnitTab tab;
    private LogCapture log;

    @BeforeEach
    void openThePage() {
        tab = new HtmlUnitTab(portico.uri("/"), Transport.WEBSOCKET);
        tab.open();
        log = LogCapture.start();
    }

    @AfterEach
    void closeThePage() {
        log.close();
        tab.close();
    }

    /** The login that hung at "connecting": js/websocket.js assigns onopen on the line after new WebSocket(). */
    @Test
    void anOpenHandlerAssignedAfterTheConstructorStillGetsTheOpenEvent() {
        tab.evaluate("""
                (function () {
                  window.probe = { opened: false };
                  var ws = new WebSocket(%s, 'xmpp');
                  var until = Date.now() + %d;
                  while (Date.now() < until) { }
                  ws.onopen = function () { window.probe.opened = true; ws.close(); };
                  return null;
                }())""".formatted(DemoTab.js(webSocketUrl()), SCRIPT_BUSY_MILLIS));

        tab.await("the open event", () -> Boolean.TRUE.equals(tab.evaluate("window.probe.opened")));
        assertEquals(List.of(), tab.scriptErrors());
    }

    /**
     * A first message that is not {@code <open/>} makes Portico close the stream and the socket (RFC 7395 §3.4); the
     * page keeps sending meanwhile, and afterwards. A browser discards those sends quietly (HTML standard, WebSocket
     * send()): no script error, and nothing logged at WARN or above.
     */
    @Test
    void sendingWhileAndAfterTheServerClosesDiscardsTheMessagesQuietly() {
        tab.evaluate("""
                (function () {
                  window.probe = { closed: false, thrown: [] };
                  var ws = window.probeSocket = new WebSocket(%s, 'xmpp');
                  ws.onopen = function () { ws.send("<message xmlns='jabber:client'/>"); };
                  ws.onclose = function () { window.probe.closed = true; };
                  return null;
                }())""".formatted(DemoTab.js(webSocketUrl())));
        String sendOnce = """
                (function () {
                  try { window.probeSocket.send(' '); } catch (e) { window.probe.thrown.push(String(e.message)); }
                  return window.probe.closed;
                }())""";

        tab.await("the server to close the socket", () -> Boolean.TRUE.equals(tab.evaluate(sendOnce)));
        tab.evaluate(sendOnce);

        assertEquals("", tab.evaluate("window.probe.thrown.join(' | ')"), "exceptions thrown into the page");
        assertEquals(List.of(), tab.scriptErrors());
        assertEquals(List.of(), log.lines(LogCapture.warnings()));
    }

    /**
     * What follows an asynchronous XHR runs, in HtmlUnit, outside the page's monitor (the demo's upload sends its link
     * that way), on whichever thread HtmlUnit picked. A browser's send() never fails because another script is sending
     * (HTML standard, WebSocket send()): here a promise reaction after an XHR and a script the test runs beside it, off
     * the tab's event loop, send {@code <r/>} at the same time, and neither throws.
     */
    @Test
    void sendsFromAnXhrReactionAndFromAScriptAtTheSameTimeNeitherThrow() {
        HtmlUnitTab alice = (HtmlUnitTab) loggedIn(Transport.WEBSOCKET, "alice");
        alice.evaluate("""
                (function () {
                  var R = "<r xmlns='urn:xmpp:sm:3'/>";
                  window.probe = { socket: porticoDemo.client.transport.ws, thrown: [], reactionSends: 0,
                    scriptSends: 0, started: false, stop: false, done: false };
                  var xhr = new XMLHttpRequest();
                  xhr.open('GET', '/', true);
                  new Promise(function (resolve) {
                    xhr.onreadystatechange = function () { if (xhr.readyState === 4) { resolve(); } };
                    xhr.send();
                  }).then(function () {
                    window.probe.started = true;
                    var until = Date.now() + %1$d;
                    var seen = 0;
                    while (!window.probe.stop && Date.now() < until) {
                      if (window.probe.reactionSends < %2$d || window.probe.scriptSends !== seen) {
                        seen = window.probe.scriptSends;
                        try { window.probe.socket.send(R); window.probe.reactionSends++; }
                        catch (e) { window.probe.thrown.push(String(e.message)); }
                      }
                    }
                    window.probe.done = true;
                  });
                  return null;
                }())""".formatted(CROSSING_MILLIS, SHARE));
        alice.await("the XHR's reaction to start sending",
                () -> Boolean.TRUE.equals(alice.evaluateOffTheLoop("probe.started")));

        alice.evaluateOffTheLoop("""
                (function () {
                  var R = "<r xmlns='urn:xmpp:sm:3'/>";
                  var before = window.probe.reactionSends;
                  var until = Date.now() + %1$d;
                  var seen = before;
                  while ((window.probe.scriptSends < %2$d || window.probe.reactionSends - before < %3$d)
                      && Date.now() < until) {
                    if (window.probe.scriptSends < %2$d || window.probe.reactionSends !== seen) {
                      seen = window.probe.reactionSends;
                      try { window.probe.socket.send(R); } catch (e) { window.probe.thrown.push(String(e.message)); }
                      window.probe.scriptSends++;
                    }
                  }
                  window.probe.crossing = window.probe.reactionSends - before;
                  window.probe.stop = true;
                  return null;
                }())""".formatted(CROSSING_MILLIS, SHARE, CROSSINGS));
        alice.await("the XHR's reaction to finish", () -> Boolean.TRUE.equals(alice.evaluate("probe.done")));

        assertEquals("", alice.evaluate("probe.thrown.slice(0, 3).join(' | ')"), "exceptions thrown into the page");
        int crossing = ((Number) alice.evaluate("probe.crossing")).intValue();
        assertTrue(crossing >= CROSSINGS, "the XHR's reaction sent " + crossing + " while the script was sending");
    }

    private static String webSocketUrl() {
        return portico.uri("/xmpp-websocket").toString().replaceFirst("^http", "ws");
    }
}
