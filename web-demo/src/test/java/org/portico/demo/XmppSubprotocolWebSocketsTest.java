package org.portico.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

    private static String webSocketUrl() {
        return portico.uri("/xmpp-websocket").toString().replaceFirst("^http", "ws");
    }
}
