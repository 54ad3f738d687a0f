package org.portico.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Where the demo page lets SASL PLAIN (RFC 4616) carry the password when SCRAM is impossible (issue 12 security
 * review): only to an {@code https:}/{@code wss:} endpoint or to loopback, never over plain HTTP to another host,
 * where anyone on the network could read it (RFC 4616 §6). HtmlUnit has no WebCrypto, so the page's own
 * {@code js/sasl.js} takes exactly the path a browser without WebCrypto takes.
 */
class SaslOverPlainHttpTest extends HtmlUnitDemoTest {

    private HtmlUnitTab tab;

    @BeforeEach
    void openThePage() {
        tab = new HtmlUnitTab(portico.uri("/"), Transport.BOSH);
        tab.open();
    }

    @AfterEach
    void closeThePage() {
        tab.close();
    }

    /** What chooseMechanism settles on for the endpoint: a mechanism name, or "refused: " and the reason. */
    private String choice(String offered, String preference, String url) {
        tab.evaluate("""
                (function () {
                  window.saslChoice = null;
                  PorticoDemo.sasl.chooseMechanism(%s.split(' '), 'alice', 'secret', %s, %s).then(
                      function (m) { window.saslChoice = m.name; },
                      function (e) { window.saslChoice = 'refused: ' + e.message; });
                  return null;
                }())""".formatted(DemoTab.js(offered), DemoTab.js(preference), DemoTab.js(url)));
        tab.await("the mechanism choice", () -> tab.evaluate("window.saslChoice") != null);
        return String.valueOf(tab.evaluate("window.saslChoice"));
    }

    /** A relative endpoint is resolved against the page, here on loopback. */
    @ParameterizedTest(name = "{2} ({1}) -> {3}")
    @CsvSource({
            "SCRAM-SHA-1 PLAIN, auto,  http://chat.example/http-bind,            refused",
            "SCRAM-SHA-1 PLAIN, auto,  ws://chat.example/xmpp-websocket,         refused",
            "PLAIN,             auto,  http://192.0.2.7:7070/http-bind,          refused",
            "SCRAM-SHA-1 PLAIN, PLAIN, http://chat.example/http-bind,            refused",
            "PLAIN,             auto,  http://localhost.chat.example/http-bind,  refused",
            "PLAIN,             auto,  http://127.0.0.1.chat.example/http-bind,  refused",
            "PLAIN,             auto,  /http-bind,                               PLAIN",
            "SCRAM-SHA-1 PLAIN, auto,  https://chat.example/http-bind,           PLAIN",
            "PLAIN,             PLAIN, wss://chat.example/xmpp-websocket,        PLAIN",
            "PLAIN,             auto,  http://localhost:7070/http-bind,          PLAIN",
            "PLAIN,             auto,  http://127.0.0.1:7070/http-bind,          PLAIN",
            "PLAIN,             auto,  ws://[::1]:7070/xmpp-websocket,           PLAIN",
            "PLAIN,             auto,  http://demo.localhost/http-bind,          PLAIN"})
    void plainOnlyOverTlsOrToLoopback(String offered, String preference, String url, String expected) {
        String choice = choice(offered, preference, url);

        if (expected.equals("refused")) {
            assertTrue(choice.startsWith("refused: PLAIN would send the password unencrypted to " + url), choice);
        } else {
            assertEquals(expected, choice);
        }
        assertEquals(List.of(), tab.scriptErrors());
    }
}
