package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.portico.server.PorticoConfig;
import org.portico.testing.BoshTestClient;
import org.portico.testing.LocalProsody;
import org.portico.testing.PorticoHarness;
import org.portico.testing.TcpForwarder;
import org.portico.testing.WebSocketTestClient;
import org.portico.upstream.TlsPolicy;
import org.portico.upstream.UpstreamRoute;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/**
 * A server lost mid-session (killed, crashed, its host gone) is not a clean logout: every session on it ends at once
 * with the spec's condition, so that a client can tell the two apart and reconnect. BOSH: terminal
 * {@code remote-connection-failed} (XEP-0124 §17.2); WebSocket: a {@code <stream:error>} with
 * {@code remote-connection-failed} (RFC 6120 §4.9.3.15) before {@code <close/>}. The real Prosody sits behind a
 * forwarder that the test cuts, with a FIN (a killed process) or a reset.
 */
class UpstreamLossEndToEndTest {

    private static final Duration PROMPTLY = Duration.ofSeconds(5);

    @ParameterizedTest(name = "reset={0}")
    @ValueSource(booleans = {false, true})
    void everySessionOnALostServerEndsWithRemoteConnectionFailed(boolean reset) throws Exception {
        try (TcpForwarder server = new TcpForwarder(LocalProsody.HOST, LocalProsody.PORT);
                PorticoHarness portico = PorticoHarness.start(config -> through(config, server));
                BoshTestClient bosh = portico.boshClient();
                WebSocketTestClient ws = portico.websocketClient()) {
            bosh.login("test1", LocalProsody.password("test1"), "lost-" + reset);
            ws.login("test2", LocalProsody.password("test2"), "lost-" + reset);
            CompletableFuture<String> held = bosh.rawAsync(bosh.body(bosh.nextRid(), "", ""));

            server.cutAll(reset);

            XmlElement body = BoshTestClient.parse(held.get(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS));
            assertEquals("terminate", body.attribute("type").orElse(null));
            assertEquals("remote-connection-failed", body.attribute("condition").orElse(null));
            XmlElement error = ws.next(e -> e.is(Namespaces.STREAMS, "error"));
            assertTrue(error.child(Namespaces.STREAM_ERRORS, "remote-connection-failed").isPresent(), error.toString());
            assertTrue(ws.next().is(Namespaces.FRAMING, "close"), "then <close/> (RFC 7395 §3.6)");
            try (BoshTestClient again = portico.boshClient()) {
                assertTrue(again.login("test1", LocalProsody.password("test1"), "back-" + reset)
                        .startsWith("test1@"), "once the server is back, new sessions work without a restart");
            }
        }
    }

    private static PorticoConfig through(PorticoConfig config, TcpForwarder server) {
        return new PorticoConfig(config.http(), config.bosh(), PorticoHarness.upstream(Map.of(LocalProsody.DOMAIN,
                new UpstreamRoute(LocalProsody.HOST, server.port(), TlsPolicy.REQUIRED))), config.xml(),
                config.store(), config.websocket());
    }
}
